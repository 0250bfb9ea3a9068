package launch

import (
	"strings"
	"testing"

	"github.com/smartgate/auth-server/internal/store"
)

// TestShape: what a launch may carry, before any store or FHIR check.
func TestShape(t *testing.T) {
	ok := Request{ClientID: "app", Patient: "4"}
	with := func(f func(r *Request)) Request { r := ok; f(&r); return r }
	fc := func(c store.FHIRContext) Request {
		return with(func(r *Request) { r.FHIRContext = []store.FHIRContext{c} })
	}
	cases := []struct {
		name  string
		r     Request
		valid bool
	}{
		{"minimal", ok, true},
		{"everything", with(func(r *Request) {
			r.Encounter, r.Intent, r.User = "enc-4-1", "summary", "demo-clinician"
			r.FHIRContext = []store.FHIRContext{
				{Reference: "DocumentReference/doc-4-1", Role: "launch"},
				{Canonical: "http://example.org/Questionnaire/q|1", Type: "Questionnaire"},
				{Identifier: &store.FHIRIdentifier{System: "urn:oid:1.2", Value: "x"}, Type: "ServiceRequest"},
			}
		}), true},
		{"no client", with(func(r *Request) { r.ClientID = "" }), false},
		{"no patient", with(func(r *Request) { r.Patient = "" }), false},
		{"patient reference instead of id", with(func(r *Request) { r.Patient = "Patient/4" }), false},
		{"encounter with a slash", with(func(r *Request) { r.Encounter = "../Patient/5" }), false},
		{"intent with a newline", with(func(r *Request) { r.Intent = "a\nb" }), false},
		{"long user", with(func(r *Request) { r.User = strings.Repeat("u", 257) }), false},
		{"empty entry", fc(store.FHIRContext{Role: "launch"}), false},
		{"absolute reference", fc(store.FHIRContext{Reference: "https://x.example/Observation/1"}), false},
		{"reference without id", fc(store.FHIRContext{Reference: "Observation"}), false},
		{"patient in fhirContext", fc(store.FHIRContext{Reference: "Patient/4"}), false},
		{"encounter in fhirContext", fc(store.FHIRContext{Reference: "Encounter/enc-4-1"}), false},
		{"relative canonical", fc(store.FHIRContext{Canonical: "Questionnaire/q"}), false},
		{"identifier without value", fc(store.FHIRContext{Identifier: &store.FHIRIdentifier{System: "urn:x"}}), false},
		{"lower-case type", fc(store.FHIRContext{Reference: "Observation/1", Type: "observation"}), false},
		{"too many entries", with(func(r *Request) { r.FHIRContext = make([]store.FHIRContext, 21) }), false},
		{"over 1 KiB", with(func(r *Request) {
			for range 10 {
				r.FHIRContext = append(r.FHIRContext, store.FHIRContext{Reference: "Observation/1", Role: strings.Repeat("r", 100)})
			}
		}), false},
	}
	for _, tc := range cases {
		err := checkShape(tc.r)
		if (err == nil) != tc.valid {
			t.Errorf("%s: checkShape = %v, want valid=%v", tc.name, err, tc.valid)
		}
	}
}
