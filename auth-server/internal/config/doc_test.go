package config

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/smartgate/pkg/configdoc"
)

// Every setting is documented: its variable and key in config/auth-server.yaml,
// and its variable, key and default in README's configuration reference,
// so the documentation cannot drift from the code.
func TestEverySettingIsDocumented(t *testing.T) {
	root := filepath.Join("..", "..", "..")
	yamlText := readFile(t, filepath.Join(root, "config", "auth-server.yaml"))
	readme := readFile(t, filepath.Join(root, "README.md"))
	fields := configdoc.Fields(Default())
	if len(fields) < 10 {
		t.Fatalf("only %d settings found: the tags are not being read", len(fields))
	}
	for _, f := range fields {
		leaf := f.YAMLPath[strings.LastIndex(f.YAMLPath, ".")+1:]
		if !strings.Contains(yamlText, f.Env) {
			t.Errorf("config/auth-server.yaml does not mention %s (%s)", f.Env, f.YAMLPath)
		}
		if !regexp.MustCompile(`(?m)^\s*` + regexp.QuoteMeta(leaf) + `:`).MatchString(yamlText) {
			t.Errorf("config/auth-server.yaml has no key %q (%s)", leaf, f.YAMLPath)
		}
		row := "| `" + f.Env + "` | `" + f.YAMLPath + "` |"
		if !strings.Contains(readme, row) {
			t.Errorf("README.md has no configuration row starting %q", row)
		}
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
