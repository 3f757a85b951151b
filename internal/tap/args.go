package tap

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Usage is the command line.
const Usage = "usage: nodeipc-tap [--log FILE] [--format text|jsonl] [--max N] -- COMMAND [ARGS...]"

// DefaultMax is --max's default: the length at which a logged message is cut.
const DefaultMax = 256

// Config is a parsed command line.
type Config struct {
	Log     string // the log file ("" or "-": standard error); appended to
	Format  Format
	Max     int      // cut logged messages after this many bytes; 0: never
	Command []string // COMMAND ARGS...
}

// ParseArgs reads the command line (without the program name). The
// options end at "--"; everything after it is the command. Without "--",
// the first argument that is not an option starts the command.
func ParseArgs(args []string) (*Config, error) {
	c := &Config{Max: DefaultMax}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			c.Command = args[i+1:]
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			c.Command = args[i:]
			break
		}
		name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		switch name {
		case "log", "format", "max":
		case "h", "help":
			return nil, errors.New(Usage)
		default:
			return nil, fmt.Errorf("unknown option %s\n%s", a, Usage)
		}
		if !hasVal {
			if i+1 >= len(args) {
				return nil, fmt.Errorf("option %s needs a value\n%s", a, Usage)
			}
			i++
			val = args[i]
		}
		switch name {
		case "log":
			c.Log = val
		case "format":
			f, err := ParseFormat(val)
			if err != nil {
				return nil, err
			}
			c.Format = f
		case "max":
			n, err := strconv.Atoi(val)
			if err != nil || n < 0 {
				return nil, fmt.Errorf("--max %q: want a length in bytes (0: no limit)", val)
			}
			c.Max = n
		}
	}
	if len(c.Command) == 0 {
		return nil, errors.New("no command\n" + Usage)
	}
	return c, nil
}
