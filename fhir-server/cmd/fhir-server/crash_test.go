package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/smartgate/fhir-server/internal/store/pgtest"

	"github.com/smartgate/pkg/syncbuf"
)

// TestAuditSurvivesSIGKILL runs concurrent reads and writes against the
// real binary, kills it with SIGKILL at a random moment, restarts it on
// the same store, and checks the audit trail against what clients were
// told: every acknowledged write is stored and has its AuditEvent, no
// AuditEvent names a write that is not stored, and every acknowledged
// read has its AuditEvent. SMARTGATE_CRASH_KILLS sets the number of kills
// (default 3; make soak runs more).
func TestAuditSurvivesSIGKILL(t *testing.T) {
	kills := 3
	if n, err := strconv.Atoi(os.Getenv("SMARTGATE_CRASH_KILLS")); err == nil && n > 0 {
		kills = n
	}
	bin := buildServer(t)
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			env := []string{"FHIR_DATA_DIR=" + t.TempDir(), "DATABASE_URL="}
			if backend == "postgres" {
				env[1] = "DATABASE_URL=" + pgtest.URL(t, "crashtest")
			}
			srv := startCrashServer(t, bin, env)
			srv.put(t, "Patient/p1", `{"resourceType":"Patient","id":"p1"}`)
			acked := &acknowledged{writes: map[string]bool{}, reads: map[string]bool{}}
			for k := range kills {
				srv.load(t, acked, time.Duration(100+rand.IntN(600))*time.Millisecond, k)
				srv.restart(t)
			}
			srv.check(t, acked)
		})
	}
}

// acknowledged is what the server told clients it did.
type acknowledged struct {
	mu     sync.Mutex
	writes map[string]bool // Observation ids created (201)
	reads  map[string]bool // request ids of reads answered 200
}

type crashServer struct {
	bin, base string
	env       []string
	cmd       *exec.Cmd
	log       *syncbuf.Buffer
}

func buildServer(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "fhir-server")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func startCrashServer(t *testing.T, bin string, env []string) *crashServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	s := &crashServer{bin: bin, base: "http://" + addr + "/STU3", env: append(env,
		"FHIR_LISTEN_ADDR="+addr, "FHIR_BASE_URL=http://"+addr+"/STU3", "FHIR_SECURITY_ENABLED=false", "FHIR_DEMO=false",
		"FHIR_LOG_LEVEL=warn", "PATH="+os.Getenv("PATH"))}
	s.start(t)
	t.Cleanup(func() {
		s.kill()
		if t.Failed() {
			t.Logf("server log:\n%s", s.log.String())
		}
	})
	return s
}

func (s *crashServer) start(t *testing.T) {
	t.Helper()
	s.log = &syncbuf.Buffer{}
	s.cmd = exec.Command(s.bin, "-config", filepath.Join("..", "..", "..", "config", "fhir-server.yaml"))
	s.cmd.Env = s.env
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(strings.TrimSuffix(s.base, "/STU3") + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("server not ready: %v\n%s", err, s.log.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (s *crashServer) kill() {
	if s.cmd != nil && s.cmd.Process != nil && s.cmd.ProcessState == nil {
		_ = s.cmd.Process.Signal(syscall.SIGKILL)
		_ = s.cmd.Wait()
	}
}

func (s *crashServer) restart(t *testing.T) {
	t.Helper()
	s.kill()
	s.start(t)
}

func (s *crashServer) put(t *testing.T, path, body string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPut, s.base+"/"+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/fhir+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("PUT %s: %d", path, resp.StatusCode)
	}
}

// load runs 16 clients creating Observations and reading the Patient
// until the server is killed after d.
func (s *crashServer) load(t *testing.T, acked *acknowledged, d time.Duration, round int) {
	t.Helper()
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 32}}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				id := fmt.Sprintf("crash-%d-%d-%d", round, w, i)
				if i%2 == 0 {
					body := `{"resourceType":"Observation","status":"final","code":{"text":"` + id + `"},"subject":{"reference":"Patient/p1"}}`
					req, _ := http.NewRequest(http.MethodPost, s.base+"/Observation", strings.NewReader(body))
					req.Header.Set("Content-Type", "application/fhir+json")
					req.Header.Set("X-Request-Id", id)
					resp, err := client.Do(req)
					if err != nil {
						return // killed
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode == http.StatusCreated {
						loc := strings.TrimPrefix(resp.Header.Get("Location"), s.base+"/Observation/")
						acked.mu.Lock()
						acked.writes[strings.Split(loc, "/")[0]] = true
						acked.mu.Unlock()
					}
					continue
				}
				req, _ := http.NewRequest(http.MethodGet, s.base+"/Patient/p1", nil)
				req.Header.Set("X-Request-Id", id)
				resp, err := client.Do(req)
				if err != nil {
					return
				}
				body, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err == nil && resp.StatusCode == http.StatusOK && strings.Contains(string(body), `"id":"p1"`) {
					acked.mu.Lock()
					acked.reads[id] = true
					acked.mu.Unlock()
				}
			}
		}()
	}
	time.Sleep(d)
	s.kill()
	close(stop)
	wg.Wait()
}

// check reads every AuditEvent and every Observation back and holds them
// to what was acknowledged.
func (s *crashServer) check(t *testing.T, acked *acknowledged) {
	t.Helper()
	written := map[string]bool{} // Observation ids AuditEvents say were created
	readIDs := map[string]bool{} // request ids of reads with an AuditEvent
	s.each(t, "/AuditEvent?_count=500", func(ev map[string]any) {
		sub, _ := ev["subtype"].([]any)
		code := ""
		if len(sub) > 0 {
			code, _ = sub[0].(map[string]any)["code"].(string)
		}
		ents, _ := ev["entity"].([]any)
		for _, x := range ents {
			ent := x.(map[string]any)
			if ref, ok := ent["reference"].(map[string]any); ok && code == "create" {
				if r, _ := ref["reference"].(string); strings.HasPrefix(r, "Observation/") {
					written[strings.TrimPrefix(r, "Observation/")] = true
				}
			}
			if idf, ok := ent["identifier"].(map[string]any); ok && code == "read" && ev["outcome"] == "0" {
				readIDs[idf["value"].(string)] = true
			}
		}
	})
	stored := map[string]bool{}
	s.each(t, "/Observation?_count=500&_elements=id", func(r map[string]any) { stored[r["id"].(string)] = true })

	if len(acked.writes) == 0 || len(acked.reads) == 0 {
		t.Fatalf("the load acknowledged %d writes and %d reads: nothing to check", len(acked.writes), len(acked.reads))
	}
	missing := 0
	for id := range acked.writes {
		if !stored[id] {
			t.Errorf("acknowledged create Observation/%s is not stored", id)
		}
		if !written[id] {
			missing++
		}
	}
	if missing > 0 {
		t.Errorf("%d of %d acknowledged creates have no AuditEvent", missing, len(acked.writes))
	}
	for id := range written {
		if !stored[id] {
			t.Errorf("an AuditEvent names Observation/%s, which is not stored", id)
		}
	}
	missing = 0
	for id := range acked.reads {
		if !readIDs[id] {
			missing++
		}
	}
	if missing > 0 {
		t.Errorf("%d of %d acknowledged reads have no AuditEvent", missing, len(acked.reads))
	}
	t.Logf("%d acknowledged creates, %d acknowledged reads, %d Observations stored, %d create events", len(acked.writes), len(acked.reads), len(stored), len(written))
}

// each calls fn on every resource of a search, following next links.
func (s *crashServer) each(t *testing.T, path string, fn func(map[string]any)) {
	t.Helper()
	next := s.base + path
	for next != "" {
		resp, err := http.Get(next)
		if err != nil {
			t.Fatal(err)
		}
		var b struct {
			Link  []struct{ Relation, URL string }
			Entry []struct{ Resource map[string]any }
		}
		err = json.NewDecoder(resp.Body).Decode(&b)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d %v", next, resp.StatusCode, err)
		}
		for _, e := range b.Entry {
			fn(e.Resource)
		}
		next = ""
		for _, l := range b.Link {
			if l.Relation == "next" {
				next = l.URL
			}
		}
	}
}
