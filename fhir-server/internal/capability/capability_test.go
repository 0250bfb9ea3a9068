package capability

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/smartgate/fhir-server/internal/search"
	"github.com/smartgate/fhir-server/internal/validate"
)

func build(t *testing.T, sec *Security) map[string]any {
	t.Helper()
	raw, err := Build(Options{BaseURL: "https://fhir.example/STU3", Date: time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC), Security: sec})
	if err != nil {
		t.Fatal(err)
	}
	var cs map[string]any
	if err := json.Unmarshal(raw, &cs); err != nil {
		t.Fatal(err)
	}
	return cs
}

func TestStatementIsValidSTU3(t *testing.T) {
	v, err := validate.New()
	if err != nil {
		t.Fatal(err)
	}
	if !v.Knows("CapabilityStatement") {
		t.Skip("the validator does not define CapabilityStatement")
	}
	sec := &Security{CORS: true, Services: []Coding{{System: "http://hl7.org/fhir/restful-security-service", Code: "SMART-on-FHIR"}},
		OAuth: OAuthURIs{Token: "https://auth.example/token", Authorize: "https://auth.example/authorize"}}
	for name, cs := range map[string]map[string]any{"without security": build(t, nil), "with security": build(t, sec)} {
		if err := v.Validate(cs); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestStatementDescribesTheServer(t *testing.T) {
	cs := build(t, nil)
	for k, want := range map[string]any{"status": "active", "kind": "instance", "fhirVersion": "3.0.2", "acceptUnknown": "no", "date": "2024-05-01T00:00:00Z"} {
		if cs[k] != want {
			t.Errorf("%s = %v, want %v", k, cs[k], want)
		}
	}
	if url := cs["implementation"].(map[string]any)["url"]; url != "https://fhir.example/STU3" {
		t.Errorf("implementation.url = %v", url)
	}
	if f := cs["format"].([]any); !slices.Contains(f, any("application/fhir+json")) || !slices.Contains(f, any("json")) ||
		!slices.Contains(f, any("application/fhir+xml")) || !slices.Contains(f, any("xml")) {
		t.Errorf("format = %v", f)
	}
	rest := cs["rest"].([]any)[0].(map[string]any)
	if _, ok := rest["security"]; ok {
		t.Error("security section present without Security")
	}
	var types []string
	for _, r := range rest["resource"].([]any) {
		res := r.(map[string]any)
		typ := res["type"].(string)
		types = append(types, typ)
		var names []string
		for _, p := range res["searchParam"].([]any) {
			names = append(names, p.(map[string]any)["name"].(string))
		}
		if len(names) != len(search.Params(typ)) {
			t.Errorf("%s: %d search params, want %d", typ, len(names), len(search.Params(typ)))
		}
		if typ == "Patient" && !slices.Contains(names, "identifier") {
			t.Errorf("Patient search params lack identifier: %v", names)
		}
		want := len(typeInteractions)
		if typ == "AuditEvent" {
			want -= 2 // append-only: no update, no delete
		}
		if len(res["interaction"].([]any)) != want {
			t.Errorf("%s interactions: %v", typ, res["interaction"])
		}
	}
	if !slices.Equal(types, search.Types()) {
		t.Errorf("types = %v, want %v", types, search.Types())
	}
	for _, want := range []string{"Patient", "Observation", "Binary", "Medication"} {
		if !slices.Contains(types, want) {
			t.Errorf("type %s missing", want)
		}
	}
}

func TestSecuritySection(t *testing.T) {
	cs := build(t, &Security{
		CORS:     true,
		Services: []Coding{{System: "http://hl7.org/fhir/restful-security-service", Code: "SMART-on-FHIR"}},
		OAuth:    OAuthURIs{Token: "https://auth.example/token", Authorize: "https://auth.example/authorize", Revoke: "https://auth.example/revoke"},
	})
	sec := cs["rest"].([]any)[0].(map[string]any)["security"].(map[string]any)
	if sec["cors"] != true {
		t.Errorf("cors = %v", sec["cors"])
	}
	coding := sec["service"].([]any)[0].(map[string]any)["coding"].([]any)[0].(map[string]any)
	if coding["code"] != "SMART-on-FHIR" || coding["system"] != "http://hl7.org/fhir/restful-security-service" {
		t.Errorf("service coding = %v", coding)
	}
	ext := sec["extension"].([]any)[0].(map[string]any)
	if ext["url"] != OAuthURIsExtension {
		t.Errorf("extension url = %v", ext["url"])
	}
	got := map[string]any{}
	for _, e := range ext["extension"].([]any) {
		got[e.(map[string]any)["url"].(string)] = e.(map[string]any)["valueUri"]
	}
	want := map[string]any{"token": "https://auth.example/token", "authorize": "https://auth.example/authorize", "revoke": "https://auth.example/revoke"}
	if len(got) != len(want) {
		t.Errorf("oauth uris = %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("oauth uri %s = %v, want %v", k, got[k], v)
		}
	}
}
