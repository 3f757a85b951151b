package nodeipc

import (
	"os"
	"slices"
	"strings"
)

// EnvDenoForkState is set in the environment of a child that Deno's
// child_process.fork() starts (to the number of a descriptor holding Deno's
// own Node-compatibility state, which a Go worker can ignore). Node and Bun
// do not set it; spawn() under Deno does not either.
const EnvDenoForkState = "DENO_DONT_USE_INTERNAL_NODE_COMPAT_STATE_FD"

// denoForkFlags are the flags Deno's fork() puts after "run", one of which
// identifies its prefix (Deno 2.9: run -A --unstable-bare-node-builtins
// --unstable-detect-cjs).
var denoForkFlags = []string{"--unstable-bare-node-builtins", "--unstable-detect-cjs"}

// ProgramArgs returns this program's own arguments: os.Args[1:] without
// the arguments Deno's child_process.fork() adds (see TrimDenoArgs). When
// EnvDenoForkState shows a Deno fork it also undoes the form Deno gives a
// modulePath that names a Deno subcommand: fork('serve', ['x']) arrives as
// "serve -A x", after any --unstable-* flags of the parent's own command
// line ("--unstable-detect-cjs serve -A x"), and ProgramArgs returns
// ["serve", "x"] (an own first argument "-A" after such a mode cannot be
// told from Deno's and is removed too). Under Node and Bun, and under
// Deno's spawn(), it returns os.Args[1:] unchanged, except that the run
// form TrimDenoArgs removes is removed whatever the parent. A Go worker that Deno
// may fork reads its arguments with it instead of os.Args. It does not
// modify os.Args and is safe for concurrent use.
func ProgramArgs() []string {
	return trimDenoFork(os.Args[1:], os.Getenv(EnvDenoForkState) != "")
}

// TrimDenoArgs returns args, a program's arguments (os.Args[1:]), without
// the prefix that Deno's child_process.fork() adds, as a subslice of args
// (args is not modified).
//
// Deno translates fork(modulePath, args, {execPath, execArgv}) as a Node
// command line into a Deno one, even when execPath is not Deno. For a
// modulePath that does not name a Deno subcommand (run, serve, test, eval,
// fmt, …) the child gets "run", Deno's flags, then modulePath and args
// unchanged: Deno 2.9 adds "-A --unstable-bare-node-builtins
// --unstable-detect-cjs", the --unstable-* flags of the parent's own
// command line, and the fork's execArgv as Deno flags
// (["--max-old-space-size=64"] becomes "--v8-flags=--max-old-space-size=64").
// So a Go worker that Node starts with ["echo"] sees, under Deno,
//
//	run -A --unstable-bare-node-builtins --unstable-detect-cjs echo
//
// TrimDenoArgs recognises that prefix by its first argument "run" followed
// by arguments that start with "-", among them --unstable-bare-node-builtins
// or --unstable-detect-cjs, and removes it up to the first argument that
// does not start with "-" (modulePath). Anything else is returned
// unchanged; ProgramArgs also handles the subcommand form. A child of
// Deno's fork() finds EnvDenoForkState in its environment; Node and Bun
// pass modulePath and args as they are.
//
// Starting the worker with spawn() and an 'ipc' stdio slot instead of
// fork() passes the arguments unchanged under Node, Bun and Deno alike:
//
//	spawn('/path/to/worker', ['echo'], { stdio: ['inherit', 'inherit', 'inherit', 'ipc'] })
//
// Pass execArgv: [] to fork() for a Go worker (Node would otherwise put
// its own execArgv, such as --inspect, before modulePath as well).
func TrimDenoArgs(args []string) []string {
	return trimDenoFork(args, false)
}

// trimDenoFork undoes Deno's fork() translation: the run form always, the
// subcommand form when denoFork says the process is a Deno fork.
func trimDenoFork(args []string, denoFork bool) []string {
	if len(args) == 0 {
		return args
	}
	if args[0] == "run" {
		i := 1
		for i < len(args) && strings.HasPrefix(args[i], "-") {
			i++
		}
		if slices.ContainsFunc(args[1:i], func(a string) bool { return slices.Contains(denoForkFlags, a) }) {
			return args[i:]
		}
	}
	if !denoFork {
		return args
	}
	// The subcommand form: [--unstable-*...] SUBCOMMAND [-A] ARGS...
	i := 0
	for i < len(args) && strings.HasPrefix(args[i], "--unstable-") {
		i++
	}
	if i == len(args) {
		return args
	}
	if i+1 < len(args) && args[i+1] == "-A" {
		return append([]string{args[i]}, args[i+2:]...)
	}
	return args[i:]
}
