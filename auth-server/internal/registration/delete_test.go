package registration_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/smartgate/auth-server/internal/registration"
	"github.com/smartgate/auth-server/internal/store"
	"github.com/smartgate/auth-server/internal/store/embedded"
)

// Deleting a client revokes the tokens issued up to 5 s after the
// deletion too: a token request that authenticated the client just before
// may sign a moment later, and its token must not outlive the client.
func TestDeleteRevokesTokensInFlight(t *testing.T) {
	ctx := context.Background()
	st, err := embedded.Open(ctx, t.TempDir(), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	now := time.Now().Truncate(time.Second)
	svc := registration.New(st, registration.Options{TokenValidity: time.Hour},
		slog.New(slog.NewTextHandler(io.Discard, nil)), func() time.Time { return now })
	c := &store.Client{ID: "leaving", Name: "Leaving", SecretHash: "x", CreatedAt: now, UpdatedAt: now}
	if err := st.CreateClient(ctx, c); err != nil {
		t.Fatal(err)
	}
	if err := svc.Delete(ctx, c); err != nil {
		t.Fatal(err)
	}
	got, err := st.ClientRevokedAt(ctx, "leaving")
	if err != nil {
		t.Fatal(err)
	}
	if want := now.Add(5 * time.Second); !got.Equal(want) {
		t.Errorf("tokens revoked up to %s, want %s (the deletion plus 5 s)", got, want)
	}
	if _, err := st.GetClient(ctx, "leaving"); err == nil {
		t.Error("the client is still there")
	}
}
