// Package events records the auth-server's security events (sign-ins,
// failed sign-ins, throttling, registrations, changes to clients, users
// and keys, admin actions) in the store's durable event log.
package events

import (
	"context"
	"log/slog"
	"time"

	"github.com/smartgate/auth-server/internal/store"
)

// Event types.
const (
	LoginSucceeded   = "login.succeeded"
	LoginFailed      = "login.failed"
	LoginThrottled   = "login.throttled"
	ClientRegistered = "client.registered"
	KeyRotated       = "key.rotated"
	KeyRetired       = "key.retired"
	// AdminPrefix starts the type of every admin console action
	// (admin.user.deleted, admin.client.disabled, ...).
	AdminPrefix = "admin."
)

// Recorder appends events; a nil Recorder records nothing.
type Recorder struct {
	store store.EventStore
	log   *slog.Logger
	now   func() time.Time
}

// New returns a recorder over st.
func New(st store.EventStore, log *slog.Logger, now func() time.Time) *Recorder {
	if now == nil {
		now = time.Now
	}
	return &Recorder{store: st, log: log, now: now}
}

// Record appends e, stamped now. A store failure is logged, never
// returned: the action it records has already happened.
func (r *Recorder) Record(ctx context.Context, e store.Event) {
	if r == nil {
		return
	}
	if e.At.IsZero() {
		e.At = r.now().UTC()
	}
	if e.Outcome == "" {
		e.Outcome = store.OutcomeSuccess
	}
	if err := r.store.AppendEvent(context.WithoutCancel(ctx), &e); err != nil {
		r.log.ErrorContext(ctx, "security event not recorded", "type", e.Type, "err", err)
	}
}

// List returns a page of events, newest first (before: see
// store.EventStore.ListEvents).
func (r *Recorder) List(ctx context.Context, before int64, limit int) ([]*store.Event, error) {
	return r.store.ListEvents(ctx, before, limit)
}
