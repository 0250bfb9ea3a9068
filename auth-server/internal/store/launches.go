package store

import (
	"context"
	"time"
)

// LaunchContext is what a launch puts in context: carried from the
// authorization to the code, the access token's patient claim, the token
// response and every refresh of it. A standalone launch sets Patient only.
type LaunchContext struct {
	Patient     string        `json:"patient,omitempty"`
	Encounter   string        `json:"encounter,omitempty"`
	FHIRContext []FHIRContext `json:"fhirContext,omitempty"`
	Intent      string        `json:"intent,omitempty"`
	// NeedPatientBanner, when set, overrides the server's default.
	NeedPatientBanner *bool `json:"need_patient_banner,omitempty"`
}

// FHIRContext is one entry of SMART's fhirContext array: a resource (by
// reference, canonical URL or identifier) the app should open, with
// optional type and role.
type FHIRContext struct {
	Reference  string          `json:"reference,omitempty"`
	Canonical  string          `json:"canonical,omitempty"`
	Identifier *FHIRIdentifier `json:"identifier,omitempty"`
	Type       string          `json:"type,omitempty"`
	Role       string          `json:"role,omitempty"`
}

// FHIRIdentifier is the part of a FHIR Identifier a fhirContext entry
// names a resource by.
type FHIRIdentifier struct {
	System string `json:"system,omitempty"`
	Value  string `json:"value,omitempty"`
}

// Launch is a launch context a trusted EHR created for one app, waiting
// to be redeemed once at /authorize. It is keyed by a hash of its id (the
// id itself is never stored).
type Launch struct {
	IDHash    string `json:"id_hash"`
	ClientID  string `json:"client_id"`  // the app that may redeem it
	CreatedBy string `json:"created_by"` // the EHR client (or the demo EHR page)
	// UserID, when set, is the only user who may redeem it.
	UserID  string        `json:"user_id,omitempty"`
	Context LaunchContext `json:"context"`
	// PatientName is the patient's name as the FHIR server had it, for
	// the consent page.
	PatientName string    `json:"patient_name,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	ExpiresAt   time.Time `json:"expires_at"`
}

// LaunchStore keeps launches until they are redeemed or expire.
type LaunchStore interface {
	// CreateLaunch returns ErrConflict when the hash exists.
	CreateLaunch(ctx context.Context, l *Launch) error
	// ConsumeLaunch deletes and returns the launch, atomically, when it is
	// unexpired and for clientID; only one of concurrent calls gets it.
	// An unknown, expired or already consumed launch, and one for another
	// client, give ErrNotFound; another client's launch is left as it was.
	ConsumeLaunch(ctx context.Context, idHash, clientID string) (*Launch, error)
}
