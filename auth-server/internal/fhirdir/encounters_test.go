package fhirdir

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

type scopedTokens struct{}

func (scopedTokens) SelfToken(_ context.Context, _, scope string) (string, time.Time, error) {
	return "tok:" + scope, time.Now().Add(time.Hour), nil
}

// TestEncounterPatient: an encounter belongs to a patient only through a
// relative subject reference (an absolute one may name another server's
// Patient/4); each read uses a token scoped to its type; ids that are not
// FHIR ids are never sent.
func TestEncounterPatient(t *testing.T) {
	subjects := map[string]string{"enc-a": "Patient/4", "enc-b": "https://other.example/STU3/Patient/4", "enc-c": "Group/4"}
	var paths []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		paths = append(paths, r.URL.RequestURI())
		if r.Header.Get("Authorization") != "Bearer tok:system/Encounter.read" {
			http.Error(w, "wrong token", http.StatusForbidden)
			return
		}
		id := strings.TrimPrefix(r.URL.Path, "/STU3/Encounter/")
		subject, ok := subjects[id]
		if !ok {
			http.NotFound(w, r)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"resourceType": "Encounter", "id": id, "subject": map[string]any{"reference": subject}})
	}))
	defer srv.Close()
	d := NewFHIRDirectory(srv.URL+"/STU3", scopedTokens{}, nil, nil)
	ctx := context.Background()
	for id, want := range map[string]string{"enc-a": "4", "enc-b": "", "enc-c": ""} {
		e, err := d.Encounter(ctx, id)
		if err != nil || e.Patient != want {
			t.Errorf("Encounter(%s) = %+v, %v; want patient %q", id, e, err, want)
		}
	}
	if _, err := d.Encounter(ctx, "enc-x"); !errors.Is(err, ErrNotFound) {
		t.Errorf("an unknown encounter: %v, want ErrNotFound", err)
	}
	n := len(paths)
	for _, bad := range []string{"", "../Patient/5", "enc-a?_format=xml", strings.Repeat("a", 65)} {
		if _, err := d.Encounter(ctx, bad); !errors.Is(err, ErrNotFound) {
			t.Errorf("Encounter(%q): %v, want ErrNotFound", bad, err)
		}
	}
	if len(paths) != n {
		t.Errorf("ids that are not FHIR ids reached the server: %v", paths[n:])
	}
}
