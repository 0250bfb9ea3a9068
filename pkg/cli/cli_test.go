package cli

import (
	"bytes"
	"context"
	"flag"
	"io"
	"strings"
	"testing"
)

// program records which command ran with which arguments.
func program(ran *[]string) Program {
	cmd := func(name string) func(context.Context, []string) error {
		return func(_ context.Context, args []string) error {
			*ran = append(*ran, name+" "+strings.Join(args, " "))
			fs := flag.NewFlagSet(name, flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			return fs.Parse(args)
		}
	}
	return Program{
		Name: "prog", About: "prog does things.", Default: "serve", Footer: "Every command takes -config FILE.",
		Commands: []Command{
			{Name: "serve", Summary: "run the server", Run: cmd("serve")},
			{Name: "keys", Summary: "manage keys", Run: cmd("keys")},
		},
	}
}

func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"-h"}, {"-help"}, {"--help"}, {"help"}} {
		var ran []string
		var out bytes.Buffer
		if err := program(&ran).Run(context.Background(), args, &out); err != nil {
			t.Errorf("%v: %v", args, err)
		}
		if len(ran) != 0 {
			t.Errorf("%v ran %v", args, ran)
		}
		for _, want := range []string{"prog does things.", "  serve ", "run the server", "  keys ", "manage keys", "help [COMMAND]", "-config FILE"} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("%v: no %q in\n%s", args, want, out.String())
			}
		}
	}
}

func TestHelpCommandAsksTheCommandForItsUsage(t *testing.T) {
	var ran []string
	var out bytes.Buffer
	if err := program(&ran).Run(context.Background(), []string{"help", "keys"}, &out); err != nil {
		t.Fatalf("help keys: %v (flag.ErrHelp must count as success)", err)
	}
	if len(ran) != 1 || ran[0] != "keys -h" {
		t.Errorf("help keys ran %q, want keys -h", ran)
	}
}

func TestDispatch(t *testing.T) {
	for _, tc := range []struct {
		args []string
		ran  string
	}{
		{nil, "serve "},
		{[]string{"-config", "x.yaml"}, "serve -config x.yaml"},
		{[]string{"keys", "list"}, "keys list"},
	} {
		var ran []string
		if err := program(&ran).Run(context.Background(), tc.args, io.Discard); err != nil && !strings.Contains(err.Error(), "flag provided but not defined") {
			t.Errorf("%v: %v", tc.args, err)
		}
		if len(ran) != 1 || ran[0] != tc.ran {
			t.Errorf("%v ran %q, want %q", tc.args, ran, tc.ran)
		}
	}
}

func TestUnknownCommand(t *testing.T) {
	for _, args := range [][]string{{"frobnicate"}, {"help", "frobnicate"}} {
		var ran []string
		err := program(&ran).Run(context.Background(), args, io.Discard)
		if err == nil || !strings.Contains(err.Error(), `"frobnicate"`) || !strings.Contains(err.Error(), "prog help") {
			t.Errorf("%v: %v", args, err)
		}
		if len(ran) != 0 {
			t.Errorf("%v ran %v", args, ran)
		}
	}
}
