package testsock

import (
	"os"
	"path/filepath"
	"sort"
)

// fdDir is where the system lists a process's descriptors.
func fdDir() string {
	if _, err := os.Stat("/proc/self/fd"); err == nil {
		return "/proc/self/fd"
	}
	return "/dev/fd" // macOS and the BSDs
}

// OpenFDs lists this process's open descriptors, each as "N->target" where
// the system tells the target (Linux; elsewhere "N"), sorted. Counts taken
// before and after some work compare: the descriptor that reads the
// directory is listed in neither on Linux, in both elsewhere.
func OpenFDs() ([]string, error) {
	dir := fdDir()
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		target, err := os.Readlink(filepath.Join(dir, e.Name()))
		switch {
		case err == nil:
			out = append(out, e.Name()+"->"+target)
		case dir != "/proc/self/fd":
			out = append(out, e.Name()) // /dev/fd entries are not links
		} // else: the descriptor ReadDir held, closed by now
	}
	sort.Strings(out)
	return out, nil
}

// CountFDs returns how many descriptors this process has open, or -1 when
// the system does not list them.
func CountFDs() int {
	fds, err := OpenFDs()
	if err != nil {
		return -1
	}
	return len(fds)
}
