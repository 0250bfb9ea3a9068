package keys_test

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/smartgate/auth-server/internal/keys"
	"github.com/smartgate/auth-server/internal/store/embedded"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func newManager(t *testing.T, dir string, c *clock) *keys.Manager {
	t.Helper()
	st, err := embedded.Open(context.Background(), dir, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	kek, err := keys.LoadKEK("", dir)
	if err != nil {
		t.Fatal(err)
	}
	m, err := keys.New(st, keys.Options{
		KEK: kek, Size: 2048, TokenLifetime: 90 * time.Minute, Leeway: 5 * time.Minute,
		ReloadInterval: 15 * time.Second, Now: c.now,
	}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Ensure(context.Background()); err != nil {
		t.Fatal(err)
	}
	return m
}

func publishedKIDs(t *testing.T, m *keys.Manager) string {
	t.Helper()
	raw, err := m.JWKS(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var set struct{ Keys []struct{ Kid, D string } }
	if err := json.Unmarshal(raw, &set); err != nil {
		t.Fatal(err)
	}
	var kids []string
	for _, k := range set.Keys {
		if k.D != "" {
			t.Fatal("private exponent published")
		}
		kids = append(kids, k.Kid)
	}
	return strings.Join(kids, " ")
}

// A retired key stays published for lifetime + leeway, then drops out.
func TestRotationLifecycle(t *testing.T) {
	ctx := context.Background()
	c := &clock{t: time.Unix(1_700_000_000, 0)}
	m := newManager(t, t.TempDir(), c)
	oldKID, _, err := m.Signer(ctx)
	if err != nil {
		t.Fatal(err)
	}
	newKID, err := m.Rotate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if kid, _, _ := m.Signer(ctx); kid != newKID {
		t.Fatalf("signer %s, want the new key %s", kid, newKID)
	}
	c.t = c.t.Add(94 * time.Minute)
	if got := publishedKIDs(t, m); !strings.Contains(got, oldKID) {
		t.Fatalf("retired key dropped too early: %s", got)
	}
	c.t = c.t.Add(2 * time.Minute) // past 90m + 5m
	if got := publishedKIDs(t, m); strings.Contains(got, oldKID) || !strings.Contains(got, newKID) {
		t.Fatalf("after expiry: %s", got)
	}
	infos, err := m.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range infos {
		if i.KID == oldKID {
			t.Fatalf("expired key still listed: %+v", i)
		}
	}
}

// Another process (a second manager over the same data dir) rotates; the
// first sees it after its reload interval.
func TestRotationByAnotherProcess(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	c := &clock{t: time.Unix(1_700_000_000, 0)}
	server := newManager(t, dir, c)
	operator := newManager(t, dir, c)
	newKID, err := operator.Rotate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if kid, _, _ := server.Signer(ctx); kid == newKID {
		t.Fatal("no caching at all: the store is read per signature")
	}
	c.t = c.t.Add(16 * time.Second)
	if kid, _, _ := server.Signer(ctx); kid != newKID {
		t.Fatalf("server signs with %s after the reload interval, want %s", kid, newKID)
	}
}

// Keys persist encrypted: a restart with the same KEK signs with the same
// key; a wrong KEK is refused.
func TestPersistedEncrypted(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	c := &clock{t: time.Now()}
	kid1, key1, err := newManager(t, dir, c).Signer(ctx)
	if err != nil {
		t.Fatal(err)
	}
	kid2, key2, err := newManager(t, dir, c).Signer(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if kid1 != kid2 || !key1.Equal(key2) {
		t.Fatal("restart produced another key")
	}
	digest := sha256.Sum256([]byte("x"))
	sig, err := rsa.SignPKCS1v15(nil, key2, crypto.SHA256, digest[:])
	if err != nil || rsa.VerifyPKCS1v15(&key1.PublicKey, crypto.SHA256, digest[:], sig) != nil {
		t.Fatal("restored key does not sign verifiably")
	}

	if err := os.WriteFile(filepath.Join(dir, keys.KEKFile), []byte(strings.Repeat("A", 43)), 0o600); err != nil {
		t.Fatal(err)
	}
	st, err := embedded.Open(ctx, dir, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	kek, _ := keys.LoadKEK("", dir)
	m, err := keys.New(st, keys.Options{KEK: kek, TokenLifetime: time.Hour}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Ensure(ctx); !errors.Is(err, keys.ErrDecrypt) {
		t.Fatalf("wrong KEK: %v", err)
	}
}

func TestRevokeUnknown(t *testing.T) {
	m := newManager(t, t.TempDir(), &clock{t: time.Now()})
	if err := m.Revoke(context.Background(), "nope"); !errors.Is(err, keys.ErrUnknownKey) {
		t.Fatalf("got %v", err)
	}
}

func TestLoadKEK(t *testing.T) {
	for _, bad := range []string{"short", "!!!not base64!!!"} {
		if _, err := keys.LoadKEK(bad, t.TempDir()); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
	std := "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" // 32 zero bytes, std padded
	if k, err := keys.LoadKEK(std, t.TempDir()); err != nil || len(k) != 32 {
		t.Fatalf("std base64: %v", err)
	}
	dir := t.TempDir()
	a, err := keys.LoadKEK("", dir)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := keys.LoadKEK("", dir)
	if string(a) != string(b) {
		t.Fatal("generated KEK not persisted")
	}
	if fi, _ := os.Stat(filepath.Join(dir, keys.KEKFile)); fi.Mode().Perm() != 0o600 {
		t.Fatalf("kek mode %v", fi.Mode())
	}
}

// A key revoked by another process is never written back by a server
// that still holds it (the write-back is for a store that lost all its
// keys): revoking the signer creates its successor first, so the store
// never lists none.
func TestRevokedKeyIsNotWrittenBack(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	c := &clock{t: time.Now()}
	server := newManager(t, dir, c)
	operator := newManager(t, dir, c)
	kid, _, err := server.Signer(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := operator.Revoke(ctx, kid); err != nil {
		t.Fatal(err)
	}
	c.t = c.t.Add(16 * time.Second)
	if got := publishedKIDs(t, server); got == "" || strings.Contains(got, kid) {
		t.Fatalf("after the revocation the server publishes %q (revoked: %s)", got, kid)
	}
	infos, err := operator.List(ctx)
	if err != nil || len(infos) != 1 || infos[0].KID == kid {
		t.Fatalf("the store lists %+v, %v; want only the successor", infos, err)
	}
}
