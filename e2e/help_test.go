package e2e

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/smartgate/e2e/harness"
)

// TestBinariesHelp: each binary answers -h, --help, help and help COMMAND
// with exit status 0, the list naming every command on stdout.
func TestBinariesHelp(t *testing.T) {
	bins := harness.Build(t)
	for _, b := range []struct {
		path     string
		commands []string
	}{
		{bins.AuthServer, []string{"serve", "keys", "clients", "users", "healthcheck"}},
		{bins.FHIRServer, []string{"serve", "import", "export", "audit", "healthcheck"}},
	} {
		for _, args := range [][]string{{"-h"}, {"--help"}, {"help"}} {
			out, err := exec.Command(b.path, args...).Output()
			if err != nil {
				t.Errorf("%s %v: %v", b.path, args, err)
			}
			for _, c := range b.commands {
				if !strings.Contains(string(out), "  "+c+" ") {
					t.Errorf("%s %v: no %q in\n%s", b.path, args, c, out)
				}
			}
		}
		for _, c := range b.commands {
			out, err := exec.Command(b.path, "help", c).CombinedOutput()
			if err != nil || !strings.Contains(string(out), c) {
				t.Errorf("%s help %s: %v\n%s", b.path, c, err, out)
			}
		}
	}
}
