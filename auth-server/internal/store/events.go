package store

import (
	"context"
	"time"
)

// Event is one security event the auth-server records durably: sign-ins
// and failed sign-ins, throttling, registrations, changes to clients,
// users and keys, and every action of the admin console (who did what to
// whom). Events are never updated; the admin console shows them and
// "auth-server audit export" writes them as NDJSON.
type Event struct {
	// Seq is assigned by the store on append: increasing, unique.
	Seq     int64     `json:"seq"`
	At      time.Time `json:"at"`
	Type    string    `json:"type"`              // e.g. login.failed, key.rotated, admin.user.deleted
	Outcome string    `json:"outcome"`           // success or failure
	Actor   string    `json:"actor,omitempty"`   // who acted: a username or a client id
	Target  string    `json:"target,omitempty"`  // what it acted on: user:NAME, client:ID, key:KID
	Address string    `json:"address,omitempty"` // the caller's IP address
	Detail  string    `json:"detail,omitempty"`
}

// Event outcomes.
const (
	OutcomeSuccess = "success"
	OutcomeFailure = "failure"
)

// EventStore keeps the security events.
type EventStore interface {
	// AppendEvent stores e and sets e.Seq.
	AppendEvent(ctx context.Context, e *Event) error
	// ListEvents returns up to limit events whose Seq is below before
	// (before <= 0: from the newest), newest first.
	ListEvents(ctx context.Context, before int64, limit int) ([]*Event, error)
}
