package configdoc

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// CheckDocumented fails t for every field that the YAML file at yamlPath
// does not show (its key, and its variable in a comment) or that README's
// configuration reference at readmePath has no row for ("| `ENV` | `path` |").
func CheckDocumented(t testing.TB, fields []Field, yamlPath, readmePath string) {
	t.Helper()
	if len(fields) < 10 {
		t.Fatalf("only %d settings found: the struct tags are not being read", len(fields))
	}
	yamlText, readme := readFile(t, yamlPath), readFile(t, readmePath)
	for _, f := range fields {
		leaf := f.YAMLPath[strings.LastIndex(f.YAMLPath, ".")+1:]
		if !strings.Contains(yamlText, f.Env) {
			t.Errorf("%s does not mention %s (%s)", yamlPath, f.Env, f.YAMLPath)
		}
		if !regexp.MustCompile(`(?m)^\s*` + regexp.QuoteMeta(leaf) + `:`).MatchString(yamlText) {
			t.Errorf("%s has no key %q (%s)", yamlPath, leaf, f.YAMLPath)
		}
		row := "| `" + f.Env + "` | `" + f.YAMLPath + "` |"
		if !strings.Contains(readme, row) {
			t.Errorf("%s has no configuration row starting %q", readmePath, row)
		}
	}
}

func readFile(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
