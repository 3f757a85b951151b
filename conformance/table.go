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
				fmt.Fprintf(&b, " **fail**: %s |", strings.ReplaceAll(r.Results[i].Detail, "|", `\|`))
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
