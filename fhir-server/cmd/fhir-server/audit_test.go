package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/smartgate/fhir-server/internal/app"
	"github.com/smartgate/fhir-server/internal/audit"
	"github.com/smartgate/fhir-server/internal/config"
	"github.com/smartgate/fhir-server/internal/store/auditlog"
)

// auditEvent is what the tests read of an exported line.
type auditEvent struct {
	ResourceType string `json:"resourceType"`
	ID           string `json:"id"`
	Meta         struct {
		LastUpdated string `json:"lastUpdated"`
	} `json:"meta"`
	Entity []struct {
		Reference struct {
			Reference string `json:"reference"`
		} `json:"reference"`
	} `json:"entity"`
}

// fillAuditLog records ten events of reads of Observation/o0..o9, stored
// an hour apart from 2025-01-01T00:00Z, and has a client create one
// AuditEvent (stored now) through the API.
func fillAuditLog(t *testing.T, s bulkStore) {
	t.Helper()
	s.use(t)
	ctx := context.Background()
	cfg, err := config.Load(s.config, false)
	if err != nil {
		t.Fatal(err)
	}
	st, err := app.OpenStore(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	clock := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).Add(-time.Hour)
	rec, err := audit.New(context.Background(), audit.Options{Journal: t.TempDir(), Store: st, BaseURL: cfg.BaseURL, BatchSize: 3,
		Now: func() time.Time { clock = clock.Add(time.Hour); return clock }})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		_ = rec.Record(auditlog.Event{Interaction: "read", Recorded: clock, Status: 200, ClientID: "siem-test",
			Entities: []auditlog.Entity{{Type: "Observation", ID: fmt.Sprint("o", i), Interaction: "read"}}})
	}
	if err := rec.Close(ctx); err != nil {
		t.Fatal(err)
	}
	h := s.api(t)
	body := `{"resourceType":"AuditEvent","type":{"code":"rest"},"recorded":"2025-02-01T00:00:00Z","source":{"identifier":{"value":"x"}},` +
		`"agent":[{"requestor":true,"name":"client"}],"entity":[{"reference":{"reference":"Patient/created"}}]}`
	r := httptest.NewRequest(http.MethodPost, "http://fhir.test/STU3/AuditEvent", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/fhir+json")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusCreated {
		t.Fatalf("create AuditEvent: %d %s", w.Code, w.Body)
	}
}

// exportedEvents parses NDJSON, one AuditEvent per line.
func exportedEvents(t *testing.T, ndjson []byte) []auditEvent {
	t.Helper()
	var out []auditEvent
	for _, line := range ndjsonLines(ndjson) {
		var e auditEvent
		if err := json.Unmarshal(line, &e); err != nil || e.ResourceType != "AuditEvent" || e.ID == "" {
			t.Fatalf("line %q: %v", line, err)
		}
		out = append(out, e)
	}
	return out
}

func ndjsonLines(ndjson []byte) [][]byte {
	if len(ndjson) == 0 {
		return nil
	}
	return bytes.Split(bytes.TrimSuffix(ndjson, []byte("\n")), []byte("\n"))
}

func entityRefs(es []auditEvent) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.Entity[0].Reference.Reference)
	}
	return out
}

// `fhir-server audit export` writes the AuditEvents stored since a time
// as NDJSON, oldest first, on SQLite and PostgreSQL.
func TestAuditExport(t *testing.T) {
	bulkBackends(t, func(t *testing.T, newStore func(t *testing.T) bulkStore) {
		s := newStore(t)
		fillAuditLog(t, s)
		s.use(t)
		var lastExport []byte
		exportFile := func(args ...string) []auditEvent {
			t.Helper()
			out := filepath.Join(t.TempDir(), "audit.ndjson")
			var stderr bytes.Buffer
			if err := run(context.Background(), append([]string{"audit", "export", "-config", s.config, "-o", out}, args...), &stderr); err != nil {
				t.Fatalf("audit export %v: %v\n%s", args, err, stderr.String())
			}
			data, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			lastExport = data
			es := exportedEvents(t, data)
			if want := fmt.Sprintf("exported %d AuditEvents", len(es)); !strings.Contains(stderr.String(), want) {
				t.Errorf("stderr %q, want %q", stderr.String(), want)
			}
			return es
		}
		all := exportFile()
		// Each line is the AuditEvent the API serves.
		var first map[string]any
		if err := json.Unmarshal(ndjsonLines(lastExport)[0], &first); err != nil {
			t.Fatal(err)
		}
		if code, served := get(t, s.api(t), "AuditEvent/"+all[0].ID); code != http.StatusOK || !reflect.DeepEqual(first, served) {
			t.Errorf("exported %v\nthe API serves %d %v", first, code, served)
		}
		want := []string{"Observation/o0", "Observation/o1", "Observation/o2", "Observation/o3", "Observation/o4", "Observation/o5",
			"Observation/o6", "Observation/o7", "Observation/o8", "Observation/o9", "Patient/created"}
		if got := entityRefs(all); !slices.Equal(got, want) {
			t.Fatalf("all AuditEvents, oldest first: %v\nwant %v", got, want)
		}
		if all[3].Meta.LastUpdated != "2025-01-01T03:00:00.000Z" {
			t.Errorf("lastUpdated of the fourth: %q", all[3].Meta.LastUpdated)
		}
		for _, since := range []string{"2025-01-01T05:00:00Z", "2025-01-01T06:00:00+01:00", "2025-01-01T04:59:59.999Z"} {
			if got := entityRefs(exportFile("--since", since)); !slices.Equal(got, want[5:]) {
				t.Errorf("--since %s: %v, want %v", since, got, want[5:])
			}
		}
		if got := entityRefs(exportFile("-since", "2025-01-02")); !slices.Equal(got, want[10:]) {
			t.Errorf("-since 2025-01-02: %v", got)
		}
		if got := entityRefs(exportFile("--since", "1h")); !slices.Equal(got, want[10:]) {
			t.Errorf("--since 1h: %v, want only the AuditEvent created now", got)
		}

		// To standard output, as a pipe to a SIEM shipper reads it.
		var stdout, stderr bytes.Buffer
		now := func() time.Time { return time.Date(2025, 1, 1, 9, 30, 0, 0, time.UTC) }
		if err := auditTo(context.Background(), []string{"export", "-config", s.config, "--since", "1h"}, &stdout, &stderr, now); err != nil {
			t.Fatalf("%v\n%s", err, stderr.String())
		}
		if got := entityRefs(exportedEvents(t, stdout.Bytes())); !slices.Equal(got, want[9:]) {
			t.Errorf("stdout, --since 1h at 09:30: %v, want %v", got, want[9:])
		}
	})
}

// Bad arguments are refused with a message saying what is wanted, and
// nothing is written.
func TestAuditExportRefusesBadArguments(t *testing.T) {
	s := bulkStore{config: writeConfig(t, t.TempDir())}
	s.use(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"audit"}, "export"},
		{[]string{"audit", "purge"}, "export"},
		{[]string{"audit", "export", "-config", s.config, "--since", "yesterday"}, "RFC 3339"},
		{[]string{"audit", "export", "-config", s.config, "--since", "-24h"}, "without a sign"},
		{[]string{"audit", "export", "-config", s.config, "extra"}, "unexpected argument"},
		{[]string{"audit", "export", "-config", s.config}, "no store"},
	} {
		var stderr bytes.Buffer
		err := run(context.Background(), c.args, &stderr)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want an error saying %q", c.args, err, c.want)
		}
	}
	var stderr bytes.Buffer
	if err := run(context.Background(), []string{"audit", "export", "-h"}, &stderr); err != nil || !strings.Contains(stderr.String(), "NDJSON") {
		t.Errorf("-h: %v %q", err, stderr.String())
	}
}
