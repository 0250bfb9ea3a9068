package clients_test

import (
	"context"
	"errors"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/smartgate/auth-server/internal/clients"
	"github.com/smartgate/auth-server/internal/store"
	"github.com/smartgate/auth-server/internal/store/embedded"
)

func TestSecretHashing(t *testing.T) {
	s := clients.GenerateSecret()
	if len(s) != 43 || strings.ContainsAny(s, "+/=") {
		t.Fatalf("secret %q: want 256 bits base64url", s)
	}
	h := clients.HashSecret(s)
	if strings.Contains(h, s) {
		t.Fatal("hash contains the secret")
	}
	cases := []struct {
		hash, secret string
		want         bool
	}{
		{h, s, true},
		{h, s + "x", false},
		{h, "", false},
		{"", "", false}, // a public client accepts no secret, not any secret
		{"", s, false},
		{"plain:" + s, s, false},
	}
	for _, c := range cases {
		if got := clients.VerifySecret(c.hash, c.secret); got != c.want {
			t.Errorf("VerifySecret(%q, %q) = %v", c.hash, c.secret, got)
		}
	}
}

func demoFile() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "config", "clients.yaml")
}

func TestDemoClients(t *testing.T) {
	ctx := context.Background()
	st, err := embedded.Open(ctx, t.TempDir(), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	f, err := clients.ReadDemoFile(demoFile())
	if err != nil {
		t.Fatal(err)
	}
	enabled := 0
	for _, d := range f.Clients {
		if !d.Disabled {
			enabled++
		}
	}
	reg := clients.NewRegistry(st, nil)
	for range 2 { // loading twice is an upsert, not a conflict
		if n, err := reg.LoadDemo(ctx, f); err != nil || n != enabled {
			t.Fatalf("loaded %d of %d: %v", n, enabled, err)
		}
	}
	for _, id := range []string{"a24a4d9f-c264-4af7-a8e5-248c24a6b707", "ed73b2cb-abd0-4f75-b9a2-5f9c0535b82c", "256fcc31-97bd-47d4-acbf-12409676ad5a", "patient-access"} {
		if _, err := st.GetClient(ctx, id); err != nil {
			t.Errorf("seed client %s: %v", id, err)
		}
	}
	c, err := st.GetClient(ctx, "demo-system")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(c.SecretHash, "demo-system-secret") || !clients.VerifySecret(c.SecretHash, "demo-system-secret") {
		t.Fatal("secret not stored as a verifiable hash")
	}
	disabled := &clients.DemoFile{Clients: []clients.DemoClient{{ID: "off", Disabled: true, Secret: "x"}}}
	if n, err := reg.LoadDemo(ctx, disabled); err != nil || n != 0 {
		t.Fatalf("disabled entry: %d %v", n, err)
	}
	if _, err := st.GetClient(ctx, "off"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("disabled client loaded: %v", err)
	}
}

func TestRegistry(t *testing.T) {
	ctx := context.Background()
	st, err := embedded.Open(ctx, t.TempDir(), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	reg := clients.NewRegistry(st, nil)
	c, secret, err := reg.Add(ctx, clients.Spec{Scopes: []string{"system/*.read"}})
	if err != nil {
		t.Fatal(err)
	}
	if c.ID == "" || !clients.HasGrant(c, "client_credentials") || clients.HasGrant(c, "password") {
		t.Fatalf("client %+v", c)
	}
	newSecret, err := reg.RotateSecret(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := st.GetClient(ctx, c.ID)
	if clients.VerifySecret(got.SecretHash, secret) || !clients.VerifySecret(got.SecretHash, newSecret) {
		t.Fatal("rotation did not replace the secret")
	}
}

// Generated client ids never start with '-' (the operator commands would
// read one as a flag) or '_'.
func TestGeneratedIDsStartWithALetterOrDigit(t *testing.T) {
	for range 20000 {
		id := clients.GenerateID()
		if len(id) != 22 || id[0] == '-' || id[0] == '_' {
			t.Fatalf("client id %q", id)
		}
	}
}
