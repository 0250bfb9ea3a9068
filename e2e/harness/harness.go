// Package harness builds the two real server binaries once and starts them
// on loopback ports with their own data directories, so end-to-end tests
// drive the programs exactly as an operator runs them.
package harness

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// Binaries are the paths of the built auth-server and fhir-server.
type Binaries struct {
	AuthServer string
	FHIRServer string
}

var (
	buildOnce sync.Once
	built     Binaries
	buildErr  error
)

// RepoRoot is the workspace root (the directory holding go.work).
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// Build compiles both binaries once per test process.
func Build(t testing.TB) Binaries {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "smartgate-e2e-bin-")
		if err != nil {
			buildErr = err
			return
		}
		cmd := exec.Command("go", "build", "-o", dir+string(os.PathSeparator),
			"./auth-server/cmd/auth-server", "./fhir-server/cmd/fhir-server")
		cmd.Dir = RepoRoot()
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
			return
		}
		built = Binaries{
			AuthServer: filepath.Join(dir, "auth-server"),
			FHIRServer: filepath.Join(dir, "fhir-server"),
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return built
}

// FreePort returns a loopback port that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	return FreePorts(t, 1)[0]
}

// FreePorts returns n distinct loopback ports that were free a moment
// ago. They are held open together while chosen: two FreePort calls in a
// row may return the same port, and two servers then meet on it.
func FreePorts(t testing.TB, n int) []int {
	t.Helper()
	ports := make([]int, n)
	for i := range ports {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		ports[i] = l.Addr().(*net.TCPAddr).Port
	}
	return ports
}

// Process is one running server.
type Process struct {
	Name string
	URL  string // base URL of the listener, e.g. http://127.0.0.1:1234
	Env  []string
	Args []string
	bin  string
	cmd  *exec.Cmd
	log  *bytes.Buffer
	mu   sync.Mutex
}

// Start runs bin with env (added to a minimal environment) from the repo
// root and waits until url+"/readyz" answers 200.
func Start(t testing.TB, name, bin, url string, env []string, args ...string) *Process {
	t.Helper()
	p := &Process{Name: name, URL: url, Env: env, Args: args, bin: bin}
	p.start(t)
	t.Cleanup(func() {
		p.Stop()
		if t.Failed() {
			t.Logf("--- %s log ---\n%s", name, p.Log())
		}
	})
	return p
}

func (p *Process) start(t testing.TB) {
	t.Helper()
	p.mu.Lock()
	p.log = &bytes.Buffer{}
	cmd := exec.Command(p.bin, p.Args...)
	cmd.Dir = RepoRoot()
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}, p.Env...)
	cmd.Stdout = lockedWriter{p}
	cmd.Stderr = lockedWriter{p}
	p.cmd = cmd
	p.mu.Unlock()
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", p.Name, err)
	}
	if err := WaitReady(context.Background(), p.URL+"/readyz", 30*time.Second); err != nil {
		t.Fatalf("%s not ready: %v\n%s", p.Name, err, p.Log())
	}
}

type lockedWriter struct{ p *Process }

func (w lockedWriter) Write(b []byte) (int, error) {
	w.p.mu.Lock()
	defer w.p.mu.Unlock()
	return w.p.log.Write(b)
}

// Log returns what the process printed so far.
func (p *Process) Log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.log.String()
}

// Stop ends the process (SIGTERM, then SIGKILL after 10 s).
func (p *Process) Stop() {
	if p.cmd == nil || p.cmd.Process == nil || p.cmd.ProcessState != nil {
		return
	}
	_ = p.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-done
	}
}

// Restart stops the process and starts it again with the same settings.
func (p *Process) Restart(t testing.TB) {
	t.Helper()
	p.Stop()
	p.start(t)
}

// WaitReady polls url until it answers 200 or the timeout passes.
func WaitReady(ctx context.Context, url string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	var last string
	for time.Now().Before(deadline) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			last = resp.Status
		} else {
			last = err.Error()
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("timed out after %s (last: %s)", timeout, strings.TrimSpace(last))
}
