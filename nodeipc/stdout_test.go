//go:build unix || windows

package nodeipc_test

import (
	"fmt"
	"os"
	"strconv"
	"testing"
)

// TestSendLeavesStdoutAlone: a program may reassign os.Stdout while one of
// its channels encodes a message in another goroutine (the testing package
// does it around every Example with an "// Output:" comment). Nothing on
// the JSON send path may read the variable, or the program's own -race run
// reports a data race it cannot avoid. Under -race this test fails if the
// encoder reads os.Stdout; the messages also arrive intact.
func TestSendLeavesStdoutAlone(t *testing.T) {
	a, b, ctx := pipePair(t, nil, nil)

	stdout := os.Stdout
	defer func() { os.Stdout = stdout }()

	const n = 200
	sent := make(chan error, 1)
	go func() {
		for i := range n {
			if err := a.Send(ctx, map[string]any{"i": i, "s": "<a&b>\u2028"}); err != nil {
				sent <- err
				return
			}
		}
		sent <- nil
	}()
	got := make(chan error, 1)
	go func() {
		for i := range n {
			m, err := b.Recv(ctx)
			if err != nil {
				got <- err
				return
			}
			want := `{"i":` + strconv.Itoa(i) + `,"s":"<a&b>` + "\u2028" + `"}`
			if raw := string(m.Raw()); raw != want {
				got <- fmt.Errorf("message %d: %s, want %s", i, raw, want)
				return
			}
		}
		got <- nil
	}()
	// Reassign os.Stdout (to the same file) until every message is sent,
	// with no synchronisation with the sending goroutine in between.
	for done := false; !done; {
		select {
		case err := <-sent:
			if err != nil {
				t.Fatal(err)
			}
			done = true
		default:
			os.Stdout = stdout
		}
	}
	if err := <-got; err != nil {
		t.Fatal(err)
	}
}
