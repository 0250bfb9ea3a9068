package store

import (
	"context"
	"strings"
	"time"
)

// User roles.
const (
	RoleClinician = "clinician" // may grant user/ scopes
	RolePatient   = "patient"   // linked to one Patient
	RoleAdmin     = "admin"     // sees and manages every client
)

// User is a local login. The password itself is never stored:
// PasswordHash holds an encoded argon2id or bcrypt hash.
type User struct {
	ID           string    `json:"id"`
	Username     string    `json:"username"` // unique, compared case-insensitively
	PasswordHash string    `json:"password_hash"`
	Role         string    `json:"role"`
	PatientID    string    `json:"patient_id,omitempty"` // e.g. "4" for Patient/4 (patient users)
	FHIRUser     string    `json:"fhir_user,omitempty"`  // FHIR URL of the user's Practitioner or Patient
	Name         string    `json:"name,omitempty"`       // display name (profile claims)
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
	// DisabledAt is set while an administrator has disabled the user:
	// no sign-in, and no grant or refresh in their name.
	DisabledAt time.Time `json:"disabled_at,omitzero"`
	// SetPasswordHash is the hash of the one-time set-password link an
	// administrator issued (HashToken), valid until SetPasswordUntil.
	SetPasswordHash  string    `json:"set_password_hash,omitempty"`
	SetPasswordUntil time.Time `json:"set_password_until,omitzero"`
}

// Disabled reports whether the user is disabled.
func (u *User) Disabled() bool { return !u.DisabledAt.IsZero() }

// UsernameKey is the form in which usernames are compared and indexed.
func UsernameKey(username string) string { return strings.ToLower(username) }

// UserStore keeps local users.
type UserStore interface {
	// GetUser returns ErrNotFound for an unknown id.
	GetUser(ctx context.Context, id string) (*User, error)
	// GetUserByUsername matches case-insensitively; ErrNotFound when none.
	GetUserByUsername(ctx context.Context, username string) (*User, error)
	// CreateUser returns ErrConflict when the id or the username (in any
	// case) exists.
	CreateUser(ctx context.Context, u *User) error
	// UpdateUser replaces a user; ErrNotFound when absent, ErrConflict
	// when the new username belongs to another user.
	UpdateUser(ctx context.Context, u *User) error
	// DeleteUser returns ErrNotFound when absent.
	DeleteUser(ctx context.Context, id string) error
	// ListUsers returns every user ordered by UsernameKey.
	ListUsers(ctx context.Context) ([]*User, error)
}
