package e2e

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/smartgate/e2e/harness"
)

// The deployment files cannot be applied here (kubectl --dry-run=client
// needs an API server, kubeconform downloads its schemas), so they are
// checked for what a typo would break: each parses; every variable they
// give a server is in README's configuration reference; every Secret
// value a pod reads exists, and every Secret value is read by a pod;
// every Deployment is in rotation only while /readyz answers.

// manifest is the part of a Kubernetes object the checks read.
type manifest struct {
	Kind     string
	Metadata struct{ Name string }
	Data     map[string]string
	String   map[string]string `yaml:"stringData"`
	Spec     struct {
		Template struct {
			Spec struct {
				Containers []container
			}
		}
	}
}

type container struct {
	Name, Image    string
	ReadinessProbe struct {
		HTTPGet struct{ Path string } `yaml:"httpGet"`
	} `yaml:"readinessProbe"`
	Env []struct {
		Name      string
		ValueFrom struct {
			SecretKeyRef *struct{ Name, Key string } `yaml:"secretKeyRef"`
		} `yaml:"valueFrom"`
	}
}

func TestKubernetesManifests(t *testing.T) {
	root := harness.RepoRoot()
	files, _ := filepath.Glob(filepath.Join(root, "deploy", "k8s", "*.yaml"))
	if len(files) == 0 {
		t.Fatal("no manifests in deploy/k8s")
	}
	documented := configReference(t, root)
	secrets := map[string]bool{} // "secret/key" defined
	read := map[string]bool{}    // "secret/key" read by a pod
	deployments := 0
	for _, f := range files {
		for _, m := range decodeAll[manifest](t, f) {
			switch m.Kind {
			case "Secret":
				for k := range m.Data {
					secrets[m.Metadata.Name+"/"+k] = true
				}
				for k := range m.String {
					secrets[m.Metadata.Name+"/"+k] = true
				}
			case "Deployment":
				deployments++
				for _, c := range m.Spec.Template.Spec.Containers {
					if c.ReadinessProbe.HTTPGet.Path != "/readyz" {
						t.Errorf("%s: container %s has no readiness probe on /readyz", filepath.Base(f), c.Name)
					}
					for _, e := range c.Env {
						if !documented[e.Name] {
							t.Errorf("%s: %s sets %s, which README's configuration reference does not list", filepath.Base(f), c.Name, e.Name)
						}
						if ref := e.ValueFrom.SecretKeyRef; ref != nil {
							read[ref.Name+"/"+ref.Key] = true
						}
					}
				}
			}
		}
	}
	if deployments < 2 {
		t.Errorf("%d Deployments, want the auth-server's and the fhir-server's", deployments)
	}
	for ref := range read {
		if !secrets[ref] {
			t.Errorf("a pod reads Secret value %s, which no manifest defines", ref)
		}
	}
	for ref := range secrets {
		if !read[ref] {
			t.Errorf("Secret value %s is read by no pod", ref)
		}
	}
}

// TestComposeFilesSetDocumentedVariables: every variable a compose file
// gives an auth-server or a fhir-server is in README's reference.
func TestComposeFilesSetDocumentedVariables(t *testing.T) {
	root := harness.RepoRoot()
	documented := configReference(t, root)
	files, _ := filepath.Glob(filepath.Join(root, "deploy", "docker-compose*.yml"))
	for _, f := range files {
		var c struct {
			Services map[string]struct {
				Build struct{ Dockerfile string }
				Env   map[string]any `yaml:"environment"`
			}
		}
		if docs := decodeAll[struct{}](t, f); len(docs) != 1 {
			t.Fatalf("%s: %d documents", f, len(docs))
		}
		raw, _ := os.ReadFile(f)
		if err := yaml.Unmarshal(raw, &c); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		servers := 0
		for name, s := range c.Services {
			if !strings.Contains(s.Build.Dockerfile, "auth-server") && !strings.Contains(s.Build.Dockerfile, "fhir-server") {
				continue
			}
			servers++
			for env := range s.Env {
				if !documented[env] {
					t.Errorf("%s: service %s sets %s, which README's configuration reference does not list", filepath.Base(f), name, env)
				}
			}
		}
		if servers == 0 {
			t.Errorf("%s runs no auth-server or fhir-server", filepath.Base(f))
		}
	}
}

// configReference returns the variables of README's configuration
// reference tables (rows "| `NAME` | `yaml.path` |").
func configReference(t *testing.T, root string) map[string]bool {
	t.Helper()
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, m := range regexp.MustCompile("(?m)^\\| `([A-Z0-9_]+)` \\| `").FindAllSubmatch(readme, -1) {
		out[string(m[1])] = true
	}
	if len(out) < 50 {
		t.Fatalf("only %d variables found in README's configuration reference", len(out))
	}
	return out
}

// decodeAll parses every YAML document of a file.
func decodeAll[T any](t *testing.T, path string) []T {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	var out []T
	for {
		var v T
		err := dec.Decode(&v)
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("%s: not YAML: %v", path, err)
		}
		out = append(out, v)
	}
}
