//go:build unix

package e2e

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/smartgate/e2e/harness"
	"github.com/smartgate/pkg/syncbuf"
)

// makeRun is `make run` started as a user starts it, in a process group of
// its own (a terminal's foreground job), with its output kept.
type makeRun struct {
	cmd  *exec.Cmd
	out  syncbuf.Buffer
	done chan error
}

// startMakeRun runs `make run PORTS=fhir,auth` with fresh data directories
// and none of the caller's server settings (CI sets REDIS_URL and
// DATABASE_URL; make run uses the embedded stores).
func startMakeRun(t *testing.T, fhirPort, authPort int) *makeRun {
	t.Helper()
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("make is not installed")
	}
	dir := t.TempDir()
	m := &makeRun{done: make(chan error, 1)}
	m.cmd = exec.Command("make", "--no-print-directory", "run", fmt.Sprintf("PORTS=%d,%d", fhirPort, authPort))
	m.cmd.Dir = harness.RepoRoot()
	m.cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"),
		"AUTH_DATA_DIR=" + dir + "/auth", "FHIR_DATA_DIR=" + dir + "/fhir"}
	for _, k := range []string{"GOCACHE", "GOMODCACHE", "GOPATH", "GOPROXY", "GOFLAGS"} {
		if v, ok := os.LookupEnv(k); ok {
			m.cmd.Env = append(m.cmd.Env, k+"="+v)
		}
	}
	m.cmd.Stdout, m.cmd.Stderr = &m.out, &m.out
	m.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := m.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { m.done <- m.cmd.Wait() }()
	t.Cleanup(func() {
		_ = syscall.Kill(-m.cmd.Process.Pid, syscall.SIGKILL) // whatever is left
		if t.Failed() {
			t.Logf("--- make run output ---\n%s", m.out.String())
		}
	})
	return m
}

// wait returns make's exit error once it has ended.
func (m *makeRun) wait(t *testing.T, timeout time.Duration) error {
	t.Helper()
	select {
	case err := <-m.done:
		return err
	case <-time.After(timeout):
		t.Fatalf("make run still running after %s", timeout)
		return nil
	}
}

// assertGroupGone fails when any process of make's group is still alive.
func (m *makeRun) assertGroupGone(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for syscall.Kill(-m.cmd.Process.Pid, 0) == nil {
		if time.Now().After(deadline) {
			out, _ := exec.Command("ps", "-o", "pid,cmd", "-g", fmt.Sprint(m.cmd.Process.Pid)).CombinedOutput()
			t.Fatalf("processes left behind:\n%s", out)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// noErrorPrinted fails on what make or bash print when a recipe dies.
func noErrorPrinted(t *testing.T, out string) {
	t.Helper()
	for _, bad := range []string{"Segmentation fault", "make: ***", "Terminated", "Killed"} {
		if strings.Contains(out, bad) {
			t.Errorf("make run printed %q", bad)
		}
	}
}

// TestMakeRunStartsQuietlyAndStopsOnCtrlC: both servers start on
// 127.0.0.1 with no WARN or ERROR logged (the fhir-server starts beside
// the auth-server), and Ctrl-C, which a terminal sends to the whole
// foreground group, stops both with nothing printed as an error, make
// exiting 0 or by SIGINT, no process left behind.
func TestMakeRunStartsQuietlyAndStopsOnCtrlC(t *testing.T) {
	ports := harness.FreePorts(t, 2)
	fhirPort, authPort := ports[0], ports[1]
	m := startMakeRun(t, fhirPort, authPort)
	for _, url := range []string{fmt.Sprintf("http://127.0.0.1:%d/readyz", authPort), fmt.Sprintf("http://127.0.0.1:%d/readyz", fhirPort)} {
		// The first build of both servers takes minutes.
		if err := harness.WaitReady(context.Background(), url, 8*time.Minute); err != nil {
			t.Fatalf("%s: %v", url, err)
		}
	}
	for _, port := range []int{authPort, fhirPort} {
		if reachableOffLoopback(port) {
			t.Errorf("port %d answers on an address other than 127.0.0.1", port)
		}
	}
	time.Sleep(2 * time.Second) // room for a late start-up warning
	out := m.out.String()
	for _, level := range []string{"level=WARN", "level=ERROR"} {
		if strings.Contains(out, level) {
			t.Errorf("a normal start logged %s", level)
		}
	}
	if !strings.Contains(out, "building both servers") {
		t.Errorf("no line announcing the build")
	}

	if err := syscall.Kill(-m.cmd.Process.Pid, syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	err := m.wait(t, 60*time.Second)
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit) && exit.Sys().(syscall.WaitStatus).Signaled() && exit.Sys().(syscall.WaitStatus).Signal() == syscall.SIGINT:
	case errors.As(err, &exit) && exit.ExitCode() == 130:
	default:
		t.Errorf("make run after Ctrl-C: %v, want exit 0 or by SIGINT", err)
	}
	noErrorPrinted(t, m.out.String())
	if n := strings.Count(m.out.String(), `msg="shutting down"`); n != 2 {
		t.Errorf("%d servers logged shutting down, want 2", n)
	}
	m.assertGroupGone(t)
}

// TestMakeRunOnTakenPort: when a port is taken make run ends by itself,
// saying which address is taken and which variable moves it, and stops
// the other server.
func TestMakeRunOnTakenPort(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	m := startMakeRun(t, taken.Addr().(*net.TCPAddr).Port, harness.FreePort(t))
	if err := m.wait(t, 8*time.Minute); err == nil {
		t.Errorf("make run succeeded with its FHIR port taken")
	}
	out := m.out.String()
	if !strings.Contains(out, "address already in use") || !strings.Contains(out, "FHIR_LISTEN_ADDR") {
		t.Errorf("the output names neither the taken address nor FHIR_LISTEN_ADDR")
	}
	if strings.Contains(out, "Segmentation fault") {
		t.Errorf("make run printed Segmentation fault")
	}
	m.assertGroupGone(t)
}

// reachableOffLoopback reports whether port accepts connections on one of
// the machine's non-loopback addresses.
func reachableOffLoopback(port int) bool {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return false
	}
	for _, a := range addrs {
		ipn, ok := a.(*net.IPNet)
		if !ok || ipn.IP.IsLoopback() || ipn.IP.IsLinkLocalUnicast() {
			continue
		}
		c, err := net.DialTimeout("tcp", net.JoinHostPort(ipn.IP.String(), fmt.Sprint(port)), time.Second)
		if err == nil {
			c.Close()
			return true
		}
	}
	return false
}
