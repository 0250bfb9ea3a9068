// Package redistest starts real redis-server processes on loopback ports
// for tests: a Redis Cluster of several primaries, or a primary with a
// replica watched by three sentinels. Each process lives in a temporary
// directory of the test and is killed when the test ends. Without
// redis-server on the PATH the test skips, or fails when
// SMARTGATE_REQUIRE_BACKENDS=1 (as CI sets).
package redistest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// need returns redis-server's path, or skips (fails under
// SMARTGATE_REQUIRE_BACKENDS=1) when it is missing.
func need(t testing.TB) string {
	t.Helper()
	path, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("SMARTGATE_REQUIRE_BACKENDS") == "1" {
			t.Fatal("redis-server is not installed but SMARTGATE_REQUIRE_BACKENDS=1: the Sentinel and Cluster suites must run")
		}
		t.Skip("redis-server not installed: skipping the Sentinel and Cluster suites")
	}
	return path
}

// freePort returns a loopback port nobody listens on; with bus, port+10000
// (a Cluster node's bus port) is free too.
func freePort(t testing.TB, bus bool) int {
	t.Helper()
	for range 50 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if !bus {
			return port
		}
		if port+10000 > 65535 {
			continue
		}
		if b, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port+10000)); err == nil {
			b.Close()
			return port
		}
	}
	t.Fatal("no free loopback port")
	return 0
}

// Process is one running redis-server.
type Process struct {
	Addr string
	cmd  *exec.Cmd
}

// Kill stops the process at once (SIGKILL), as a crash would.
func (p *Process) Kill() {
	if p.cmd.ProcessState == nil {
		_ = p.cmd.Process.Kill()
		_ = p.cmd.Wait()
	}
}

// start runs redis-server with args in dir and waits until it answers.
func start(t testing.TB, bin, dir string, port int, args ...string) *Process {
	t.Helper()
	logf, err := os.Create(filepath.Join(dir, fmt.Sprintf("redis-%d.log", port)))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir, cmd.Stdout, cmd.Stderr = dir, logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatalf("start redis-server: %v", err)
	}
	p := &Process{Addr: "127.0.0.1:" + strconv.Itoa(port), cmd: cmd}
	t.Cleanup(func() { p.Kill(); logf.Close() })
	c := goredis.NewClient(&goredis.Options{Addr: p.Addr, MaxRetries: -1})
	defer c.Close()
	if !eventually(10*time.Second, func() bool { return c.Ping(context.Background()).Err() == nil }) {
		log, _ := os.ReadFile(logf.Name())
		t.Fatalf("redis-server on %s did not start:\n%s", p.Addr, log)
	}
	return p
}

// dataArgs are the arguments of a data node: loopback, nothing on disk.
func dataArgs(port int) []string {
	return []string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "no"}
}

// eventually polls cond every 50ms until it holds or d has passed.
func eventually(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if cond() {
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return cond()
}
