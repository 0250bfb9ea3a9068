package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/smartgate/fhir-server/internal/store/pgtest"
)

// TestExportSurvivesSIGKILL kills the real binary with SIGKILL in the
// middle of a bulk export (one resource per file, so a save per
// resource) and restarts it: once the dead server's lease runs out the
// job resumes where its files end, and the export holds every resource
// exactly once.
func TestExportSurvivesSIGKILL(t *testing.T) {
	bin := buildServer(t)
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			env := []string{"FHIR_DATA_DIR=" + t.TempDir(), "DATABASE_URL=",
				"FHIR_EXPORT_MAX_RESOURCES_PER_FILE=1", "FHIR_EXPORT_LEASE=1s", "FHIR_EXPORT_POLL_INTERVAL=1ms"}
			if backend == "postgres" {
				env[1] = "DATABASE_URL=" + pgtest.URL(t, "exportcrash")
			}
			srv := startCrashServer(t, bin, env)
			const n = 200
			var entries []string
			for i := range n {
				entries = append(entries, fmt.Sprintf(`{"resource":{"resourceType":"Patient","id":"p%d"},"request":{"method":"PUT","url":"Patient/p%d"}}`, i, i))
			}
			req, _ := http.NewRequest(http.MethodPost, srv.base, strings.NewReader(`{"resourceType":"Bundle","type":"transaction","entry":[`+strings.Join(entries, ",")+`]}`))
			req.Header.Set("Content-Type", "application/fhir+json")
			if resp := do(t, req); resp.StatusCode != http.StatusOK {
				t.Fatalf("load: %s", resp.Status)
			}

			req, _ = http.NewRequest(http.MethodGet, srv.base+"/$export?_type=Patient", nil)
			req.Header.Set("Prefer", "respond-async")
			resp := do(t, req)
			status := resp.Header.Get("Content-Location")
			if resp.StatusCode != http.StatusAccepted {
				t.Fatalf("kick-off: %s", resp.Status)
			}
			// Kill it once the job has saved some of its files.
			for {
				resp := do(t, mustGet(status))
				if resp.StatusCode != http.StatusAccepted {
					t.Fatalf("the job ended before the kill (%s): make it longer", resp.Status)
				}
				if p := resp.Header.Get("X-Progress"); !strings.HasPrefix(p, "0 ") {
					t.Logf("killed at %q", p)
					break
				}
				time.Sleep(time.Millisecond)
			}
			srv.restart(t)

			var m struct {
				Output []struct {
					URL   string `json:"url"`
					Count int    `json:"count"`
				} `json:"output"`
			}
			for {
				resp := do(t, mustGet(status))
				if resp.StatusCode == http.StatusAccepted {
					time.Sleep(10 * time.Millisecond)
					continue
				}
				if resp.StatusCode != http.StatusOK || json.Unmarshal(resp.body, &m) != nil {
					t.Fatalf("status: %s %s", resp.Status, resp.body)
				}
				break
			}
			seen := map[string]int{}
			for _, f := range m.Output {
				resp := do(t, mustGet(f.URL))
				sc := bufio.NewScanner(strings.NewReader(string(resp.body)))
				for sc.Scan() {
					var r struct {
						ID string `json:"id"`
					}
					if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
						t.Fatalf("%s: %v", f.URL, err)
					}
					seen[r.ID]++
				}
			}
			if len(seen) != n {
				t.Errorf("exported %d distinct Patients, want %d", len(seen), n)
			}
			for id, k := range seen {
				if k != 1 {
					t.Errorf("Patient/%s exported %d times", id, k)
				}
			}
		})
	}
}

type response struct {
	*http.Response
	body []byte
}

func do(t *testing.T, req *http.Request) response {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return response{resp, body}
}

func mustGet(url string) *http.Request {
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	return req
}
