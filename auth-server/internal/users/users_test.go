package users_test

import (
	"context"
	"errors"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/smartgate/auth-server/internal/store"
	"github.com/smartgate/auth-server/internal/store/embedded"
	"github.com/smartgate/auth-server/internal/users"
)

func TestPasswordHash(t *testing.T) {
	h := users.HashPassword("correct horse battery")
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q is not an argon2id PHC string", h)
	}
	if h == users.HashPassword("correct horse battery") {
		t.Fatal("two hashes of one password are equal: no salt")
	}
	cases := []struct {
		hash, password string
		want           bool
	}{
		{h, "correct horse battery", true},
		{h, "correct horse batterY", false},
		{h, "", false},
		{"", "", false},
		{"$argon2id$v=19$m=19456,t=2,p=1$bad", "x", false},
		{strings.Replace(h, "m=19456", "m=4294967295", 1), "correct horse battery", false}, // no memory bomb from a stored hash
	}
	for i, c := range cases {
		if got := users.VerifyPassword(c.hash, c.password); got != c.want {
			t.Errorf("case %d: got %v, want %v", i, got, c.want)
		}
	}
}

func TestServiceAndDemoUsers(t *testing.T) {
	ctx := context.Background()
	st, err := embedded.Open(ctx, t.TempDir(), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	svc := users.New(st, nil)
	_, file, _, _ := runtime.Caller(0)
	f, err := users.ReadDemoFile(filepath.Join(filepath.Dir(file), "..", "..", "..", "config", "users.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for range 2 { // loading twice upserts
		if n, err := svc.LoadDemo(ctx, f, "http://fhir.test/STU3"); err != nil || n != 3 {
			t.Fatalf("LoadDemo: %d %v", n, err)
		}
	}
	u, err := svc.Authenticate(ctx, "Demo-Patient", "demo-patient-password")
	if err != nil || u.Role != store.RolePatient || u.PatientID != "4" || u.FHIRUser != "http://fhir.test/STU3/Patient/4" {
		t.Fatalf("demo-patient: %+v %v", u, err)
	}
	c, err := svc.Authenticate(ctx, "demo-clinician", "demo-clinician-password")
	if err != nil || c.Role != store.RoleClinician || c.FHIRUser != "http://fhir.test/STU3/Practitioner/prac-1" {
		t.Fatalf("demo-clinician: %+v %v", c, err)
	}
	if a, err := svc.Authenticate(ctx, "demo-admin", "demo-admin-password"); err != nil || a.Role != store.RoleAdmin {
		t.Fatalf("demo-admin: %+v %v", a, err)
	}
	for _, bad := range [][2]string{{"demo-patient", "demo-clinician-password"}, {"nobody", "demo-patient-password"}, {"", ""}} {
		if _, err := svc.Authenticate(ctx, bad[0], bad[1]); !errors.Is(err, users.ErrBadCredentials) {
			t.Errorf("%q: got %v, want ErrBadCredentials", bad[0], err)
		}
	}
	if _, err := svc.Add(ctx, users.Spec{Username: "DEMO-patient", Password: "another-password", Role: store.RoleClinician}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("duplicate username: %v", err)
	}
	for _, bad := range []users.Spec{
		{Username: "x", Password: "short", Role: store.RoleClinician},
		{Username: "p", Password: "long-enough-password", Role: store.RolePatient},
		{Username: "a b", Password: "long-enough-password", Role: store.RoleClinician},
		{Username: "r", Password: "long-enough-password", Role: "root"},
	} {
		if _, err := svc.Add(ctx, bad); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
	if err := svc.Delete(ctx, "demo-clinician"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Authenticate(ctx, "demo-clinician", "demo-clinician-password"); !errors.Is(err, users.ErrBadCredentials) {
		t.Fatalf("deleted user still signs in: %v", err)
	}
}
