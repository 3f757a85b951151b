//go:build windows

package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"time"

	"github.com/nodeipc/nodeipc-go/nodeipc"
)

// startNode is Go as the parent: nodeipc.Start runs NODE SCRIPT (both given
// as arguments), sends a message in each serialization and expects it back,
// then closes the channel and waits for Node to exit 0.
func startNode(node, script string) error {
	for _, mode := range []nodeipc.Serialization{nodeipc.JSON, nodeipc.Advanced} {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		cmd := exec.Command(node, script)
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		ch, err := nodeipc.Start(cmd, &nodeipc.Options{Serialization: mode})
		if err != nil {
			cancel()
			return fmt.Errorf("Start (%v): %w", mode, err)
		}
		want := map[string]any{"hello": "from a Go parent", "n": 1.5}
		if err := ch.Send(ctx, want); err != nil {
			cancel()
			return err
		}
		m, err := ch.Recv(ctx)
		if err != nil {
			cancel()
			return fmt.Errorf("Recv (%v): %w", mode, err)
		}
		var got struct {
			Echo string `json:"echo"`
		}
		if err := m.Decode(&got); err != nil || got.Echo != `{"hello":"from a Go parent","n":1.5}` {
			cancel()
			return fmt.Errorf("%v: got %v (%v)", mode, got, err)
		}
		ch.Close()
		cancel()
		if err := cmd.Wait(); err != nil {
			return fmt.Errorf("node exit (%v): %w", mode, err)
		}
		fmt.Printf("Go parent, Node child, %v: ok\n", mode)
	}
	return nil
}
