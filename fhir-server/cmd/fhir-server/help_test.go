package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// -h, -help, --help and help list every command with its line, on stdout,
// and succeed; help COMMAND prints that command's usage and flags.
func TestHelpListsCommands(t *testing.T) {
	for _, args := range [][]string{{"-h"}, {"-help"}, {"--help"}, {"help"}} {
		var out, errOut bytes.Buffer
		if err := program(&out, &errOut).Run(context.Background(), args, &out); err != nil {
			t.Errorf("%v: %v", args, err)
		}
		for _, want := range []string{"usage: fhir-server", "  serve ", "  import ", "  export ", "  audit ", "  healthcheck ", "help [COMMAND]"} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("%v: no %q in\n%s", args, want, out.String())
			}
		}
	}
	for _, tc := range []struct{ cmd, want string }{
		{"serve", "usage: fhir-server [serve] [-config FILE]"},
		{"import", "fhir-server import [-config FILE]"},
		{"export", "fhir-server export [-config FILE]"},
		{"audit", "fhir-server audit export"},
		{"healthcheck", "fhir-server healthcheck"},
	} {
		var out, errOut bytes.Buffer
		if err := program(&out, &errOut).Run(context.Background(), []string{"help", tc.cmd}, &out); err != nil {
			t.Errorf("help %s: %v", tc.cmd, err)
		}
		if got := out.String() + errOut.String(); !strings.Contains(got, tc.want) || !strings.Contains(got, "-config") && tc.cmd != "healthcheck" {
			t.Errorf("help %s: want %q and the flags, got\n%s", tc.cmd, tc.want, got)
		}
	}
}
