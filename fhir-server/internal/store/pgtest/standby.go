package pgtest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"testing"
)

// Replicated is a PostgreSQL primary and a hot standby streaming from
// it, both owned by one test: their own clusters (initdb, pg_basebackup
// with standby.signal), data directories and loopback ports. The
// machine's shared PostgreSQL is not touched.
type Replicated struct {
	PrimaryURL, StandbyURL string
}

// StartReplicated creates and starts the two clusters and stops and
// deletes them when the test ends. Without PostgreSQL's server programs
// the test skips, or fails when SMARTGATE_REQUIRE_BACKENDS=1 (CI).
func StartReplicated(t testing.TB) *Replicated {
	t.Helper()
	bin := serverBin(t)
	dir, err := os.MkdirTemp("", "smartgate-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	owner := ownDir(t, dir)
	primary, standby := filepath.Join(dir, "primary"), filepath.Join(dir, "standby")
	pPort, sPort := port(t), port(t)
	run(t, owner, filepath.Join(bin, "initdb"), "-D", primary, "-U", "postgres", "-A", "trust", "--no-sync")
	hba := "host replication postgres 127.0.0.1/32 trust\n"
	f, err := os.OpenFile(filepath.Join(primary, "pg_hba.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.WriteString(hba)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	common := "-c listen_addresses=127.0.0.1 -c unix_socket_directories=" + dir + " -c fsync=off -c full_page_writes=off"
	startCluster(t, owner, bin, primary, pPort, common+" -c wal_level=replica -c max_wal_senders=4")
	run(t, owner, filepath.Join(bin, "pg_basebackup"), "-h", "127.0.0.1", "-p", strconv.Itoa(pPort), "-U", "postgres",
		"-D", standby, "-R", "-X", "stream", "--no-sync")
	startCluster(t, owner, bin, standby, sPort, common+" -c hot_standby=on")
	url := func(p int) string {
		return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", p)
	}
	return &Replicated{PrimaryURL: url(pPort), StandbyURL: url(sPort)}
}

// serverBin finds PostgreSQL's server programs (Debian keeps them out of
// the PATH).
func serverBin(t testing.TB) string {
	t.Helper()
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(matches) == 0 {
		if p, err := exec.LookPath("initdb"); err == nil {
			matches = []string{p}
		}
	}
	if len(matches) == 0 {
		if os.Getenv("SMARTGATE_REQUIRE_BACKENDS") == "1" {
			t.Fatal("PostgreSQL's initdb is not installed but SMARTGATE_REQUIRE_BACKENDS=1: the read-replica test must run")
		}
		t.Skip("initdb not installed: skipping the read-replica test")
	}
	return filepath.Dir(matches[len(matches)-1])
}

// ownDir gives dir to the postgres user when running as root (PostgreSQL
// refuses to run as root) and returns the user to run its programs as,
// or "" to run them as ourselves.
func ownDir(t testing.TB, dir string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		return ""
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		t.Fatalf("running as root needs the postgres user: %v", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(dir, uid, gid); err != nil {
		t.Fatal(err)
	}
	return "postgres"
}

func startCluster(t testing.TB, owner, bin, data string, port int, opts string) {
	t.Helper()
	pgctl := filepath.Join(bin, "pg_ctl")
	run(t, owner, pgctl, "-D", data, "-l", data+".log", "-w", "-t", "60",
		"-o", "-p "+strconv.Itoa(port)+" "+opts, "start")
	t.Cleanup(func() { _ = command(owner, pgctl, "-D", data, "-m", "immediate", "-w", "stop").Run() })
}

func run(t testing.TB, owner, prog string, args ...string) {
	t.Helper()
	if out, err := command(owner, prog, args...).CombinedOutput(); err != nil {
		logs, _ := filepath.Glob(filepath.Join(filepath.Dir(args[1]), "*.log"))
		var tail string
		for _, l := range logs {
			b, _ := os.ReadFile(l)
			tail += "\n" + l + ":\n" + string(b)
		}
		t.Fatalf("%s %v: %v\n%s%s", filepath.Base(prog), args, err, out, tail)
	}
}

func command(owner, prog string, args ...string) *exec.Cmd {
	if owner == "" {
		return exec.Command(prog, args...)
	}
	return exec.Command("runuser", append([]string{"-u", owner, "--", prog}, args...)...)
}

// port returns a loopback port that was free a moment ago.
func port(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
