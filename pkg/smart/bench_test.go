package smart

import (
	"bytes"
	"os"
	"testing"
)

func BenchmarkDecideSeedClient(b *testing.B) {
	raw, err := os.ReadFile("../../config/scopes.yaml")
	if err != nil {
		b.Fatal(err)
	}
	tab, err := LoadTable(bytes.NewReader(raw))
	if err != nil {
		b.Fatal(err)
	}
	scopes := Split(seedClients["Patient, Condition & Medication Access"])
	b.ReportAllocs()
	for b.Loop() {
		if !tab.Decide(scopes, "MedicationRequest", Read, false).Allowed {
			b.Fatal("refused")
		}
	}
}

func BenchmarkDecideScopesParsedOnce(b *testing.B) {
	raw, _ := os.ReadFile("../../config/scopes.yaml")
	tab, err := ParseTable(raw)
	if err != nil {
		b.Fatal(err)
	}
	scopes := ParseScopes(Split(seedClients["Patient, Condition & Medication Access"]))
	b.ReportAllocs()
	for b.Loop() {
		if !tab.DecideScopes(scopes, "MedicationRequest", Read, false).Allowed {
			b.Fatal("refused")
		}
	}
}
