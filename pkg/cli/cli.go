// Package cli is the command table both servers' main packages share: a
// default command, subcommands listed one line each, and help that works
// the ways people ask for it (-h, -help, --help, help, help COMMAND), always
// with exit status 0.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// Command is one subcommand.
type Command struct {
	Name string
	// Summary is the one line the command list shows.
	Summary string
	// Run runs the command. Given -h it prints its own usage and returns
	// nil or flag.ErrHelp.
	Run func(ctx context.Context, args []string) error
}

// Program is a binary's command table.
type Program struct {
	Name string
	// About is the sentence printed above the command list.
	About string
	// Default names the command run when the first argument is a flag or
	// there is none.
	Default  string
	Commands []Command
	// Footer follows the command list (options every command takes).
	Footer string
}

// Run dispatches args (os.Args[1:]) and prints help to stdout. A command's
// flag.ErrHelp (its usage was asked for and printed) is success.
func (p Program) Run(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return p.run(ctx, p.Default, nil)
	}
	first, rest := args[0], args[1:]
	switch {
	case first == "help" && len(rest) > 0:
		if _, ok := p.find(rest[0]); !ok {
			return p.unknown(rest[0])
		}
		return p.run(ctx, rest[0], []string{"-h"})
	case first == "help" || isHelpFlag(first):
		p.Usage(stdout)
		return nil
	case strings.HasPrefix(first, "-"):
		return p.run(ctx, p.Default, args)
	}
	if _, ok := p.find(first); !ok {
		return p.unknown(first)
	}
	return p.run(ctx, first, rest)
}

// Usage prints the command list.
func (p Program) Usage(w io.Writer) {
	fmt.Fprintf(w, "%s\n\nusage: %s [COMMAND] [ARGS...]   (default command: %s)\n\ncommands:\n", p.About, p.Name, p.Default)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, c := range p.Commands {
		fmt.Fprintf(tw, "  %s\t%s\n", c.Name, c.Summary)
	}
	fmt.Fprintf(tw, "  help [COMMAND]\tthis list, or the usage and flags of COMMAND\n")
	tw.Flush()
	if p.Footer != "" {
		fmt.Fprintf(w, "\n%s\n", strings.TrimSpace(p.Footer))
	}
}

func (p Program) run(ctx context.Context, name string, args []string) error {
	c, _ := p.find(name)
	err := c.Run(ctx, args)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	return err
}

func (p Program) find(name string) (Command, bool) {
	for _, c := range p.Commands {
		if c.Name == name {
			return c, true
		}
	}
	return Command{}, false
}

func (p Program) unknown(name string) error {
	return fmt.Errorf("unknown command %q (run \"%s help\" for the list)", name, p.Name)
}

func isHelpFlag(arg string) bool {
	return arg == "-h" || arg == "-help" || arg == "--help"
}
