package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func writeFile(t *testing.T, name, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestReadUpstreamsDefaults(t *testing.T) {
	secret := writeFile(t, "secret", "s3cret\n")
	path := writeFile(t, "p.yaml", `
- id: example
  name: Example Health ID
  issuer: https://id.example.org
  client_id: smartgate
  client_secret_file: `+secret+`
  allowed_domains: ["@Example.ORG"]
`)
	list, err := ReadUpstreams(path)
	if err != nil {
		t.Fatal(err)
	}
	want := Upstream{ID: "example", Name: "Example Health ID", Issuer: "https://id.example.org", ClientID: "smartgate",
		ClientSecret: "s3cret", ClientSecretFile: secret, Scopes: []string{"openid", "email", "profile"},
		AllowedDomains: []string{"example.org"}, Claims: UpstreamClaims{Username: "preferred_username", Email: "email", Name: "name"},
		TokenEndpointAuthMethod: AuthSecretBasic}
	if len(list) != 1 || !reflect.DeepEqual(list[0], want) {
		t.Fatalf("ReadUpstreams = %+v, want %+v", list, want)
	}
	if list, err := ReadUpstreams(""); err != nil || list != nil {
		t.Fatalf("no file: %v, %v", list, err)
	}
}

func TestReadUpstreamsRefusesBadEntries(t *testing.T) {
	for _, c := range []struct{ name, yaml, want string }{
		{"unknown field", "- id: a\n  name: A\n  issuer: https://a.example\n  client_id: c\n  client_secret: s\n  tenant: x\n", "field tenant not found"},
		{"id in paths", "- id: A/B\n  name: A\n  issuer: https://a.example\n  client_id: c\n  client_secret: s\n", `id "A/B"`},
		{"plain http issuer", "- id: a\n  name: A\n  issuer: http://a.example\n  client_id: c\n  client_secret: s\n", "want https"},
		{"no secret", "- id: a\n  name: A\n  issuer: https://a.example\n  client_id: c\n", "client_secret"},
		{"private_key_jwt without key", "- id: a\n  name: A\n  issuer: https://a.example\n  client_id: c\n  token_endpoint_auth_method: private_key_jwt\n", "private_key_file"},
		{"no openid scope", "- id: a\n  name: A\n  issuer: https://a.example\n  client_id: c\n  client_secret: s\n  scopes: [email]\n", "openid"},
		{"duplicate id", "- id: a\n  name: A\n  issuer: https://a.example\n  client_id: c\n  client_secret: s\n- id: a\n  name: B\n  issuer: https://b.example\n  client_id: c\n  client_secret: s\n", "appears twice"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := ReadUpstreams(writeFile(t, "p.yaml", c.yaml))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want one mentioning %q", err, c.want)
			}
		})
	}
	// Validate reports the file's problems with the rest.
	cfg := Default()
	cfg.UpstreamProvidersFile = writeFile(t, "p.yaml", "- id: a\n")
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "upstream_providers_file") {
		t.Fatalf("Validate = %v", err)
	}
}
