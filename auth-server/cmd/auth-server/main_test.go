package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/smartgate/auth-server/internal/app"
	"github.com/smartgate/auth-server/internal/config"
	"github.com/smartgate/auth-server/internal/registration"
	"github.com/smartgate/auth-server/internal/store"
)

// The operator subcommands work on the store a server uses: the embedded
// store in its data dir, and Redis (under a key prefix of this run's own).
func TestOperatorCommands(t *testing.T) {
	t.Run("embedded", func(t *testing.T) {
		t.Setenv("REDIS_URL", "")
		operatorCommands(t)
	})
	t.Run("redis", func(t *testing.T) {
		url := os.Getenv("REDIS_URL")
		if url == "" {
			if os.Getenv("SMARTGATE_REQUIRE_BACKENDS") == "1" {
				t.Fatal("REDIS_URL not set, and SMARTGATE_REQUIRE_BACKENDS=1")
			}
			t.Skip("REDIS_URL not set: skipping the operator commands on Redis (set REDIS_URL=redis://127.0.0.1:6379/0 to run them)")
		}
		prefix := "smartgate-test-ops-" + rand.Text() + ":"
		t.Setenv("AUTH_REDIS_KEY_PREFIX", prefix)
		t.Cleanup(func() { deleteRedisKeys(t, url, prefix) })
		operatorCommands(t)
	})
}

func deleteRedisKeys(t *testing.T, url, prefix string) {
	opts, err := goredis.ParseURL(url)
	if err != nil {
		t.Error(err)
		return
	}
	rdb := goredis.NewClient(opts)
	defer rdb.Close()
	ctx := context.Background()
	iter := rdb.Scan(ctx, 0, prefix+"*", 100).Iterator()
	for iter.Next(ctx) {
		rdb.Del(ctx, iter.Val())
	}
	if err := iter.Err(); err != nil {
		t.Error(err)
	}
}

func operatorCommands(t *testing.T) {
	t.Setenv("AUTH_DATA_DIR", t.TempDir())
	t.Setenv("AUTH_WEB_LOGIN_FAILURES_PER_ACCOUNT", "3")
	t.Setenv("AUTH_LOG_LEVEL", "error")
	cmd := func(args ...string) string {
		t.Helper()
		var out, errOut bytes.Buffer
		if err := run(context.Background(), args, &out, &errOut); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, errOut.String())
		}
		return out.String()
	}

	first := cmd("keys", "rotate")
	kid1 := strings.TrimSpace(strings.TrimPrefix(first, "new signing key:"))
	cmd("keys", "rotate")
	list := cmd("keys", "list")
	if !strings.Contains(list, kid1) || strings.Count(list, "retired") != 1 || strings.Count(list, "active") != 1 {
		t.Fatalf("keys list after two rotations:\n%s", list)
	}
	cmd("keys", "revoke", kid1)
	if list := cmd("keys", "list"); strings.Contains(list, kid1) {
		t.Fatalf("revoked key still listed:\n%s", list)
	}

	added := cmd("clients", "add", "-id", "ops-client", "-scopes", "system/*.read")
	secret := regexp.MustCompile(`client_secret: (\S+)`).FindStringSubmatch(added)
	if secret == nil || len(secret[1]) < 43 {
		t.Fatalf("add output:\n%s", added)
	}
	if list := cmd("clients", "list"); !strings.Contains(list, "ops-client") || strings.Contains(list, secret[1]) {
		t.Fatalf("clients list:\n%s", list)
	}
	rotated := cmd("clients", "rotate-secret", "ops-client")
	if !strings.Contains(rotated, "client_secret:") || strings.Contains(rotated, secret[1]) {
		t.Fatalf("rotate-secret:\n%s", rotated)
	}
	cmd("clients", "delete", "ops-client")
	if at := clientRevokedAt(t, "ops-client"); at.IsZero() {
		t.Fatalf("clients delete did not revoke the client's access tokens")
	}
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"clients", "delete", "ops-client"}, &out, &errOut); err == nil {
		t.Fatalf("deleting an unknown client: no error")
	}
	if iat := cmd("clients", "initial-token", "-ttl", "1h"); !regexp.MustCompile(`initial_access_token: [A-Za-z0-9_-]{43}\n`).MatchString(iat) {
		t.Fatalf("initial-token:\n%s", iat)
	}
	if list := cmd("clients", "list"); strings.Contains(list, "ops-client") {
		t.Fatalf("deleted client listed:\n%s", list)
	}

	t.Setenv("SMARTGATE_PASSWORD", "a long enough operator password")
	cmd("users", "add", "-username", "ops-user", "-role", "clinician")
	if list := cmd("users", "list"); !strings.Contains(list, "ops-user") || strings.Contains(list, "operator password") {
		t.Fatalf("users list:\n%s", list)
	}
	lockAccount(t, "ops-user")
	if list := cmd("users", "list"); !regexp.MustCompile(`ops-user .* locked\n`).MatchString(list) {
		t.Fatalf("users list does not show ops-user locked:\n%s", list)
	}
	if out := cmd("users", "unlock", "OPS-USER"); !strings.Contains(out, "unlocked: ops-user") {
		t.Fatalf("users unlock: %s", out)
	}
	if list := cmd("users", "list"); !regexp.MustCompile(`ops-user .* open\n`).MatchString(list) || !tryLogin(t, "ops-user") {
		t.Fatalf("ops-user still locked after users unlock:\n%s", list)
	}
	if err := run(context.Background(), []string{"users", "unlock", "nobody"}, &out, &errOut); err == nil {
		t.Fatal("unlocking an unknown user: no error")
	}
	cmd("users", "delete", "ops-user")
	if list := cmd("users", "list"); strings.Contains(list, "ops-user") {
		t.Fatalf("deleted user listed:\n%s", list)
	}
	portalClientsFollowTheirOwner(t, cmd)
	identityLinks(t, cmd)
	auditExport(t, cmd("audit", "export"), kid1)
}

// auditExport checks the NDJSON of "audit export": one event a line,
// oldest first, the key rotations and client changes of the commands
// above among them.
func auditExport(t *testing.T, ndjson, kid string) {
	t.Helper()
	var seqs []int64
	types := map[string]bool{}
	for line := range strings.Lines(ndjson) {
		var e store.Event
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("audit export: not NDJSON: %q: %v", line, err)
		}
		seqs = append(seqs, e.Seq)
		types[e.Type+" "+e.Target] = true
	}
	if !slices.IsSorted(seqs) || len(seqs) == 0 {
		t.Errorf("audit export: seqs %v, want oldest first", seqs)
	}
	if !types["key.rotated key:"+kid] {
		t.Errorf("audit export lacks the rotation of %s: %v", kid, types)
	}
	disabled := false
	for k := range types {
		disabled = disabled || strings.HasPrefix(k, "client.disabled ")
	}
	if !disabled {
		t.Errorf("audit export lacks the client disabled with its owner: %v", types)
	}
}

// "users link" and "users unlink" create and remove the link of an
// upstream identity; a link needs a configured provider, and deleting the
// user removes its links.
func identityLinks(t *testing.T, cmd func(args ...string) string) {
	providers := filepath.Join(t.TempDir(), "providers.yaml")
	os.WriteFile(providers, []byte("- id: example\n  name: Example Health ID\n  issuer: https://id.example.org\n  client_id: c\n  client_secret: s\n"), 0o600)
	t.Setenv("AUTH_UPSTREAM_PROVIDERS_FILE", providers)
	fails := func(args ...string) {
		t.Helper()
		var out, errOut bytes.Buffer
		if err := run(context.Background(), args, &out, &errOut); err == nil {
			t.Fatalf("%v: no error\n%s", args, out.String())
		}
	}
	cmd("users", "add", "-username", "ops-linked", "-role", "clinician")
	cmd("users", "add", "-username", "ops-other", "-role", "clinician")
	if out := cmd("users", "link", "ops-linked", "example", "sub-123"); !strings.Contains(out, "linked example sub-123 to ops-linked") {
		t.Fatalf("users link: %s", out)
	}
	cmd("users", "link", "ops-linked", "example", "sub-123")  // again: no error
	fails("users", "link", "ops-other", "example", "sub-123") // the identity is taken
	fails("users", "link", "ops-linked", "exmaple", "sub-9")  // no such provider
	fails("users", "link", "nobody", "example", "sub-9")
	if out := cmd("users", "links", "ops-linked"); !regexp.MustCompile(`example\s+sub-123\s`).MatchString(out) {
		t.Fatalf("users links:\n%s", out)
	}
	fails("users", "unlink", "ops-other", "example", "sub-123") // not theirs
	cmd("users", "unlink", "ops-linked", "example", "sub-123")
	if out := cmd("users", "links", "ops-linked"); strings.Contains(out, "sub-123") {
		t.Fatalf("unlinked identity still listed:\n%s", out)
	}
	fails("users", "unlink", "ops-linked", "example", "sub-123")
	cmd("users", "link", "ops-other", "example", "sub-123") // free again
	cmd("users", "delete", "ops-other")
	cmd("users", "link", "ops-linked", "example", "sub-123") // the deleted user's link went with it
	cmd("users", "delete", "ops-linked")
}

// A user's portal client is disabled (its tokens revoked) when the user
// loses the role that allowed its scopes or is deleted, and "clients
// reassign" enables it under a new owner whose role allows them, with a
// new secret.
func portalClientsFollowTheirOwner(t *testing.T, cmd func(args ...string) string) {
	cmd("users", "add", "-username", "ops-doc", "-role", "clinician")
	id := portalClient(t, "ops-doc")
	if out := cmd("users", "set-role", "-patient", "4", "ops-doc", "patient"); !strings.Contains(out, "ops-doc is now patient") {
		t.Fatalf("users set-role: %s", out)
	}
	if list := cmd("clients", "list"); !strings.Contains(list, "disabled: its owner's role (patient) does not allow user/Patient.read") {
		t.Fatalf("clients list after the owner became a patient:\n%s", list)
	}
	if clientRevokedAt(t, id).IsZero() {
		t.Fatal("disabling did not revoke the client's access tokens")
	}
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"clients", "reassign", id, "ops-doc"}, &out, &errOut); err == nil {
		t.Fatal("re-assigned to a patient: no error")
	}
	cmd("users", "add", "-username", "ops-next", "-role", "clinician")
	if out := cmd("clients", "reassign", id, "ops-next"); !regexp.MustCompile(`client_secret: \S{43}`).MatchString(out) {
		t.Fatalf("clients reassign printed no new secret:\n%s", out)
	}
	if list := cmd("clients", "list"); !regexp.MustCompile(id + ` .* enabled `).MatchString(list) {
		t.Fatalf("clients list after the re-assignment:\n%s", list)
	}
	cmd("users", "delete", "ops-next")
	if list := cmd("clients", "list"); !strings.Contains(list, "disabled: its owner was deleted") {
		t.Fatalf("clients list after deleting the owner:\n%s", list)
	}
	cmd("users", "delete", "ops-doc")
}

// portalClient registers a client for username as the portal does.
func portalClient(t *testing.T, username string) string {
	t.Helper()
	cfg, st := openStore(t)
	u, err := st.GetUserByUsername(t.Context(), username)
	if err != nil {
		t.Fatal(err)
	}
	reg, err := app.RegistrationService(cfg, st, slog.New(slog.DiscardHandler)).Register(t.Context(),
		registration.Metadata{GrantTypes: []string{"client_credentials"}, TokenEndpointAuthMethod: "client_secret_basic", Scope: "user/Patient.read"},
		registration.Allowance{Scopes: cfg.Registration.PortalScopes[u.Role], Via: registration.ViaPortal, Owner: u.ID})
	if err != nil {
		t.Fatal(err)
	}
	return reg.Client.ID
}

// openStore opens the store the commands use, as they do.
func openStore(t *testing.T) (config.Config, store.Store) {
	t.Helper()
	cfg, err := config.Load(defaultConfig, true)
	if err != nil {
		t.Fatal(err)
	}
	st, _, err := app.OpenStore(t.Context(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return cfg, st
}

// lockAccount fails sign-ins of username from many addresses until the
// account is locked to the addresses it signed in from before.
func lockAccount(t *testing.T, username string) {
	t.Helper()
	cfg, st := openStore(t)
	logins := app.LoginThrottle(cfg, st)
	for i := range cfg.Web.Login.FailuresPerAccount {
		if r, err := logins.Reserve(t.Context(), username, fmt.Sprintf("203.0.113.%d", i)); err != nil || r != nil {
			t.Fatalf("failure %d: %v %+v", i+1, err, r)
		}
	}
	if tryLogin(t, username) {
		t.Fatal("the account did not lock")
	}
}

// tryLogin reports whether a sign-in of username from a new address may
// check its password.
func tryLogin(t *testing.T, username string) bool {
	t.Helper()
	cfg, st := openStore(t)
	r, err := app.LoginThrottle(cfg, st).Reserve(t.Context(), username, "198.51.100.1")
	if err != nil {
		t.Fatal(err)
	}
	return r == nil
}

// clientRevokedAt reads the revoked-client entry from the store the
// commands use.
func clientRevokedAt(t *testing.T, id string) time.Time {
	t.Helper()
	cfg, err := config.Load(defaultConfig, true)
	if err != nil {
		t.Fatal(err)
	}
	st, _, err := app.OpenStore(t.Context(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	at, err := st.ClientRevokedAt(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return at
}

func TestHelpAndErrors(t *testing.T) {
	t.Setenv("REDIS_URL", "")
	for _, args := range [][]string{{"keys", "-help"}, {"clients", "--help"}, {"help"}} {
		var out, errOut bytes.Buffer
		if err := run(context.Background(), args, &out, &errOut); err != nil || !strings.Contains(out.String(), "usage") {
			t.Errorf("%v: %v %q", args, err, out.String())
		}
	}
	for _, args := range [][]string{{"frobnicate"}, {"keys", "explode"}, {"clients", "delete"}} {
		t.Setenv("AUTH_DATA_DIR", t.TempDir())
		var out, errOut bytes.Buffer
		if err := run(context.Background(), args, &out, &errOut); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}

// -h, -help, --help and help list every command with its line, on stdout,
// and succeed; help COMMAND prints that command's usage.
func TestHelpListsCommands(t *testing.T) {
	for _, args := range [][]string{{"-h"}, {"-help"}, {"--help"}, {"help"}} {
		var out, errOut bytes.Buffer
		if err := run(context.Background(), args, &out, &errOut); err != nil {
			t.Errorf("%v: %v", args, err)
		}
		for _, want := range []string{"usage: auth-server", "  serve ", "  keys ", "  clients ", "  users ", "  audit ", "  healthcheck ", "help [COMMAND]"} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("%v: no %q in\n%s", args, want, out.String())
			}
		}
	}
	for _, tc := range []struct{ cmd, want string }{
		{"serve", "usage: auth-server [serve] [-config FILE]"},
		{"keys", "auth-server keys rotate"},
		{"clients", "auth-server clients add"},
		{"users", "auth-server users add"},
		{"healthcheck", "auth-server healthcheck"},
	} {
		var out, errOut bytes.Buffer
		if err := run(context.Background(), []string{"help", tc.cmd}, &out, &errOut); err != nil {
			t.Errorf("help %s: %v", tc.cmd, err)
		}
		if got := out.String() + errOut.String(); !strings.Contains(got, tc.want) {
			t.Errorf("help %s: no %q in\n%s", tc.cmd, tc.want, got)
		}
	}
}
