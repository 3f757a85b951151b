package conformance

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteTable writes the reports side by side, one column per report (a Node
// version, or a child), one line per row, and a closing line
// "N passed, N failed".
func WriteTable(w io.Writer, reports []*Report) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprint(tw, "row")
	for _, r := range reports {
		fmt.Fprintf(tw, "\t%s", r.Version)
	}
	fmt.Fprintln(tw, "\tdetail")
	passed, failed := 0, 0
	for i, res := range rowsOf(reports) {
		fmt.Fprint(tw, res)
		detail := ""
		for _, r := range reports {
			if i >= len(r.Results) {
				fmt.Fprint(tw, "\t-")
				continue
			}
			x := r.Results[i]
			if x.OK {
				passed++
				fmt.Fprintf(tw, "\tpass %.1fs", x.Duration.Seconds())
				if detail == "" {
					detail = x.Detail
				}
			} else {
				failed++
				fmt.Fprint(tw, "\tFAIL")
				detail = x.Detail
			}
		}
		fmt.Fprintf(tw, "\t%s\n", detail)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "%d passed, %d failed\n", passed, failed)
	return err
}

// WriteMarkdown writes the reports as one Markdown table: a column per
// report, headed by its label.
func WriteMarkdown(w io.Writer, labels []string, reports []*Report) error {
	var b strings.Builder
	b.WriteString("| row |")
	for _, l := range labels {
		fmt.Fprintf(&b, " %s |", l)
	}
	b.WriteString("\n|---|")
	for range labels {
		b.WriteString("---|")
	}
	b.WriteString("\n")
	for i, row := range rowsOf(reports) {
		fmt.Fprintf(&b, "| `%s` |", row)
		for _, r := range reports {
			switch {
			case i >= len(r.Results):
				b.WriteString(" – |")
			case r.Results[i].OK:
				b.WriteString(" pass |")
			default:
				fmt.Fprintf(&b, " **fail**: %s |", mdEscape(r.Results[i].Detail))
			}
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// rowsOf returns the row names of the longest report.
func rowsOf(reports []*Report) []string {
	var rows []string
	for _, r := range reports {
		if len(r.Results) > len(rows) {
			rows = rows[:0]
			for _, x := range r.Results {
				rows = append(rows, x.Row)
			}
		}
	}
	return rows
}

// Column is one column of a summary table: a label and the reports it
// stands for (one child under several Node versions, say).
type Column struct {
	Label   string
	Reports []*Report
}

// WriteSummary writes one Markdown table with a column per Column: a cell
// is "pass" when the row passed in every report of the column, otherwise
// the versions it failed under and the first failure's detail.
func WriteSummary(w io.Writer, cols []Column) error {
	var all []*Report
	var b strings.Builder
	b.WriteString("| row |")
	for _, c := range cols {
		fmt.Fprintf(&b, " %s |", c.Label)
		all = append(all, c.Reports...)
	}
	b.WriteString("\n|---|")
	for range cols {
		b.WriteString("---|")
	}
	b.WriteString("\n")
	for _, row := range rowsOf(all) {
		fmt.Fprintf(&b, "| `%s` |", row)
		for _, c := range cols {
			var failed []string
			detail, seen := "", false
			for _, r := range c.Reports {
				for _, x := range r.Results {
					if x.Row != row {
						continue
					}
					seen = true
					if !x.OK {
						failed = append(failed, r.Version)
						if detail == "" {
							detail = x.Detail
						}
					}
				}
			}
			switch {
			case !seen:
				b.WriteString(" – |")
			case len(failed) == 0:
				b.WriteString(" pass |")
			case len(failed) == len(c.Reports):
				fmt.Fprintf(&b, " **fail**: %s |", mdEscape(detail))
			default:
				fmt.Fprintf(&b, " **fail** on %s: %s |", strings.Join(failed, ", "), mdEscape(detail))
			}
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func mdEscape(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
