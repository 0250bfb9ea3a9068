package embedded_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/smartgate/auth-server/internal/store"
	"github.com/smartgate/auth-server/internal/store/embedded"
)

// TestTwoOpensShareDirectory is the operator-subcommand case: a second
// Open of the same directory, while the first stays open, sees and makes
// writes the first sees.
func TestTwoOpensShareDirectory(t *testing.T) {
	dir := t.TempDir()
	a, err := embedded.Open(t.Context(), dir, time.Now)
	if err != nil {
		t.Fatalf("Open a: %v", err)
	}
	defer a.Close()
	b, err := embedded.Open(t.Context(), dir, time.Now)
	if err != nil {
		t.Fatalf("Open b: %v", err)
	}
	defer b.Close()

	if err := a.CreateKey(t.Context(), &store.SigningKey{ID: "k1", Algorithm: "RS256", CreatedAt: time.Now()}); err != nil {
		t.Fatalf("CreateKey via a: %v", err)
	}
	keys, err := b.ListKeys(t.Context())
	if err != nil || len(keys) != 1 || keys[0].ID != "k1" {
		t.Fatalf("b.ListKeys = %v, %v; want k1 written by a", keys, err)
	}
	if err := b.CreateClient(t.Context(), &store.Client{ID: "c1"}); err != nil {
		t.Fatalf("CreateClient via b: %v", err)
	}
	if _, err := a.GetClient(t.Context(), "c1"); err != nil {
		t.Fatalf("a.GetClient of b's client: %v", err)
	}
	if err := a.CreateClient(t.Context(), &store.Client{ID: "c1"}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("a.CreateClient of b's id = %v, want ErrConflict", err)
	}
}

// TestSecondProcess runs this test binary again as a separate process that
// writes into the directory the parent holds open.
func TestSecondProcess(t *testing.T) {
	if dir := os.Getenv("EMBEDDED_CHILD_DIR"); dir != "" {
		s, err := embedded.Open(t.Context(), dir, time.Now)
		if err != nil {
			t.Fatalf("child Open: %v", err)
		}
		defer s.Close()
		for i := range 20 {
			if err := s.CreateClient(t.Context(), &store.Client{ID: fmt.Sprint("child-", i)}); err != nil {
				t.Fatalf("child CreateClient: %v", err)
			}
		}
		return
	}
	dir := t.TempDir()
	s, err := embedded.Open(t.Context(), dir, time.Now)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestSecondProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), "EMBEDDED_CHILD_DIR="+dir)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start child: %v", err)
	}
	// Write concurrently with the child.
	for i := range 20 {
		if err := s.CreateClient(t.Context(), &store.Client{ID: fmt.Sprint("parent-", i)}); err != nil {
			t.Fatalf("parent CreateClient: %v", err)
		}
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("child process failed: %v\n%s", err, out.Bytes())
	}
	list, err := s.ListClients(t.Context())
	if err != nil || len(list) != 40 {
		t.Fatalf("ListClients = %d clients, %v; want 40 (20 from each process)", len(list), err)
	}
}

func TestFilePermissions(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data", "auth")
	s, err := embedded.Open(t.Context(), dir, time.Now)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	for path, want := range map[string]os.FileMode{dir: 0o700, filepath.Join(dir, embedded.FileName): 0o600} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatalf("stat: %v", err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s mode = %o, want %o", path, got, want)
		}
	}
}
