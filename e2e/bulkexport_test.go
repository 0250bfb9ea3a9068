package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/smartgate/e2e/harness"
)

// TestBulkExport drives $export as a SMART Backend Services client
// does (client credentials through golang.org/x/oauth2, the demo system
// client), against both real binaries on SQLite and on PostgreSQL: the
// fhir-server is restarted right after the kick-off, and the job still
// completes with what searches count; its files are the client's alone.
func TestBulkExport(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  func(t *testing.T) []string
	}{
		{"sqlite", func(*testing.T) []string { return nil }},
		{"postgres", func(t *testing.T) []string {
			return []string{"DATABASE_URL=" + harness.PostgresSchema(t, "bulkexport")}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := harness.StartStack(t, harness.StackOptions{FHIREnv: append(tc.env(t),
				"FHIR_EXPORT_MAX_RESOURCES_PER_FILE=20", "FHIR_EXPORT_POLL_INTERVAL=200ms")})
			ctx := context.Background()
			backend := (&clientcredentials.Config{
				ClientID: "demo-system", ClientSecret: "demo-system-secret",
				TokenURL: s.Issuer + "/token", AuthStyle: oauth2.AuthStyleInHeader,
			}).Client(ctx)
			patientAccess := (&clientcredentials.Config{
				ClientID: bcPatientAccessID, ClientSecret: bcPatientAccessSecret,
				TokenURL: s.Issuer + "/token", AuthStyle: oauth2.AuthStyleInHeader,
			}).Client(ctx)

			kick := func(c *http.Client, query string) *http.Response {
				req, _ := http.NewRequest(http.MethodGet, s.FHIRURL+"/$export"+query, nil)
				req.Header.Set("Prefer", "respond-async")
				req.Header.Set("Accept", "application/fhir+json")
				resp, err := c.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				return resp
			}
			if resp := kick(patientAccess, ""); resp.StatusCode != http.StatusForbidden {
				t.Errorf("kick-off with a patient/ and user/ token: %s, want 403", resp.Status)
			}
			types := []string{"Patient", "Observation", "Condition", "Organization"}
			resp := kick(backend, "?_type="+strings.Join(types, ","))
			status := resp.Header.Get("Content-Location")
			if resp.StatusCode != http.StatusAccepted || !strings.HasPrefix(status, s.FHIRURL+"/$export-poll/") {
				t.Fatalf("kick-off: %s, Content-Location %q", resp.Status, status)
			}
			s.FHIR.Restart(t)

			var m struct {
				Output []struct {
					Type  string `json:"type"`
					URL   string `json:"url"`
					Count int    `json:"count"`
				} `json:"output"`
				Error []json.RawMessage `json:"error"`
			}
			for {
				resp, err := backend.Get(status)
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode == http.StatusAccepted {
					wait, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
					time.Sleep(time.Duration(wait) * time.Second)
					continue
				}
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("status: %s %s", resp.Status, body)
				}
				if err := json.Unmarshal(body, &m); err != nil {
					t.Fatal(err)
				}
				break
			}
			if strings.Contains(s.FHIR.Log(), "export job resumed") {
				t.Log("the job was resumed after the restart")
			}
			got := map[string]int{}
			for _, f := range m.Output {
				if f.Count > 20 {
					t.Errorf("file %s holds %d resources, more than 20", f.URL, f.Count)
				}
				resp, err := backend.Get(f.URL)
				if err != nil {
					t.Fatal(err)
				}
				if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/fhir+ndjson" {
					t.Fatalf("file %s: %s %q", f.URL, resp.Status, resp.Header.Get("Content-Type"))
				}
				sc := bufio.NewScanner(resp.Body)
				sc.Buffer(nil, 16<<20)
				lines := 0
				for sc.Scan() {
					var r struct {
						ResourceType string `json:"resourceType"`
						ID           string `json:"id"`
					}
					if err := json.Unmarshal(sc.Bytes(), &r); err != nil || r.ResourceType != f.Type || r.ID == "" {
						t.Fatalf("file %s line %d: %v %q", f.URL, lines+1, err, sc.Text())
					}
					lines++
				}
				resp.Body.Close()
				if lines != f.Count {
					t.Errorf("file %s: %d lines, manifest says %d", f.URL, lines, f.Count)
				}
				got[f.Type] += lines
			}
			for _, typ := range types {
				if want := bcSummaryCount(t, backend, s.FHIRURL+"/"+typ+"?_summary=count"); got[typ] != want || want == 0 {
					t.Errorf("%s: exported %d, _summary=count says %d", typ, got[typ], want)
				}
			}
			if len(m.Error) != 0 {
				t.Errorf("errors: %s", m.Error)
			}

			// Another client's token gets 403 for the files and the status.
			for _, u := range []string{m.Output[0].URL, status} {
				resp, err := patientAccess.Get(u)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusForbidden {
					t.Errorf("%s with another client's token: %s, want 403", u, resp.Status)
				}
			}
			// Cancel: 202, then 404 for the status and the files.
			req, _ := http.NewRequest(http.MethodDelete, status, nil)
			if resp, err := backend.Do(req); err != nil || resp.StatusCode != http.StatusAccepted {
				t.Fatalf("cancel: %v %v", resp, err)
			}
			for _, u := range []string{status, m.Output[0].URL} {
				resp, err := backend.Get(u)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusNotFound {
					t.Errorf("%s after cancel: %s, want 404", u, resp.Status)
				}
			}
		})
	}
}

func bcSummaryCount(t *testing.T, c *http.Client, url string) int {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b struct {
		Total int `json:"total"`
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&b) != nil {
		t.Fatalf("%s: %s", url, resp.Status)
	}
	return b.Total
}
