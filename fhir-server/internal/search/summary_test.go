package search

import "testing"

func TestInSummary(t *testing.T) {
	for _, tc := range []struct {
		typ, key string
		want     bool
	}{
		{"Patient", "name", true},
		{"Patient", "birthDate", true},
		{"Patient", "_birthDate", true}, // the primitive's extensions go with it
		{"Patient", "deceasedBoolean", true},
		{"Patient", "deceasedDateTime", true},
		{"Patient", "deceased", false},
		{"Patient", "photo", false},
		{"Patient", "contact", false},
		{"Patient", "text", false},
		{"Patient", "modifierExtension", true}, // a modifier is never dropped
		{"Observation", "valueQuantity", true},
		{"Observation", "valueset", false},
		{"Observation", "interpretation", false},
		{"Unknown", "id", false},
	} {
		if got := InSummary(tc.typ, tc.key); got != tc.want {
			t.Errorf("InSummary(%s, %s) = %v, want %v", tc.typ, tc.key, got, tc.want)
		}
	}
}
