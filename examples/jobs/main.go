// Command jobs is a worker Node forks: it runs up to four jobs at a time,
// reporting each job's progress. examples/jobs/run.js is its Node side.
package main

import (
	"context"
	"os"

	"github.com/nodeipc/nodeipc-go/nodeipc"
	"github.com/nodeipc/nodeipc-go/nodeipc/worker"
)

type job struct {
	N     int `json:"n"`
	Steps int `json:"steps"`
}

func square(ctx context.Context, call *worker.Call) (any, error) {
	var j job
	if err := call.Decode(&j); err != nil {
		return nil, err
	}
	for step := 1; step <= j.Steps; step++ {
		if err := call.Progress(map[string]int{"step": step, "of": j.Steps}); err != nil {
			return nil, err
		}
	}
	return j.N * j.N, nil
}

func main() {
	os.Exit(worker.Run(func(ctx context.Context, ch *nodeipc.Channel) error {
		return worker.Serve(ctx, ch, worker.Methods{"square": square}, &worker.Options{Concurrency: 4})
	}, nil))
}
