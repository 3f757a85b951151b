// Command parent forks the Node script child.js with an advanced
// (structured clone) channel, sends it a job and prints its answer.
package main

import (
	"context"
	"fmt"
	"log"
	"os"
	"os/exec"

	"github.com/nodeipc/nodeipc-go/nodeipc"
)

func main() {
	cmd := exec.Command("node", "child.js")
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	ch, err := nodeipc.Start(cmd, &nodeipc.Options{Serialization: nodeipc.Advanced})
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	if err := ch.Send(ctx, map[string]any{"n": 7, "tags": []string{"a", "b"}}); err != nil {
		log.Fatal(err)
	}
	var answer struct {
		Square float64
		Tags   map[string]bool // a Map in Node: advanced mode only
	}
	m, err := ch.Recv(ctx)
	if err == nil {
		err = m.Decode(&answer)
	}
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(answer.Square, answer.Tags)
	ch.Shutdown(ctx) // flushes, then the child gets 'disconnect' and exits
	if err := cmd.Wait(); err != nil {
		log.Fatal(err)
	}
}
