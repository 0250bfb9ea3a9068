// Package launch keeps the launch contexts of the SMART EHR launch. A
// trusted EHR (a confidential client listed in launch_context_clients, or
// the demo EHR page) creates one for an app with the patient, encounter
// and resources it has open, each checked against the FHIR server; the
// app redeems it once, at /authorize, within its lifetime.
package launch

import (
	"context"
	"crypto/rand"
	"errors"
	"slices"
	"time"

	"github.com/smartgate/auth-server/internal/clients"
	"github.com/smartgate/auth-server/internal/fhirdir"
	"github.com/smartgate/auth-server/internal/oauth"
	"github.com/smartgate/auth-server/internal/store"
)

// DefaultLifetime is how long a launch may wait to be redeemed.
const DefaultLifetime = 5 * time.Minute

// Scope is the scope an app must hold, and ask for, to be launched.
const Scope = "launch"

// Directory checks a launch's patient and encounter on the FHIR server
// (fhirdir.FHIRDirectory).
type Directory interface {
	Get(ctx context.Context, id string) (*fhirdir.Patient, error)
	Encounter(ctx context.Context, id string) (*fhirdir.Encounter, error)
}

// Store is what launches are checked against and kept in.
type Store interface {
	store.LaunchStore
	store.ClientStore
	store.UserStore
}

// Service creates and redeems launches.
type Service struct {
	store    Store
	dir      Directory
	lifetime time.Duration
	now      func() time.Time
}

// New returns the service; launches live lifetime (DefaultLifetime when
// not positive).
func New(st Store, dir Directory, lifetime time.Duration, now func() time.Time) *Service {
	if lifetime <= 0 {
		lifetime = DefaultLifetime
	}
	if now == nil {
		now = time.Now
	}
	return &Service{store: st, dir: dir, lifetime: lifetime, now: now}
}

// Request is a launch to create: the body of POST /launch-context.
type Request struct {
	ClientID          string              `json:"client_id"`
	Patient           string              `json:"patient"`
	Encounter         string              `json:"encounter,omitempty"`
	FHIRContext       []store.FHIRContext `json:"fhirContext,omitempty"`
	Intent            string              `json:"intent,omitempty"`
	NeedPatientBanner *bool               `json:"need_patient_banner,omitempty"`
	// User, a username, is the only user who may redeem the launch.
	User string `json:"user,omitempty"`
}

func (r Request) context() store.LaunchContext {
	return store.LaunchContext{
		Patient: r.Patient, Encounter: r.Encounter, FHIRContext: r.FHIRContext,
		Intent: r.Intent, NeedPatientBanner: r.NeedPatientBanner,
	}
}

// Created is the answer to a created launch.
type Created struct {
	Launch    string `json:"launch"`
	ExpiresIn int64  `json:"expires_in"`
}

// Create checks r and stores it as a launch created by createdBy (the EHR
// client's id). Bad input is an *oauth.Error invalid_request; the FHIR
// server out of reach is temporarily_unavailable.
func (s *Service) Create(ctx context.Context, createdBy string, r Request) (*Created, error) {
	if err := checkShape(r); err != nil {
		return nil, err
	}
	app, err := clients.EnabledOnly{ClientStore: s.store}.GetClient(ctx, r.ClientID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, invalid("client_id names no registered application")
	case err != nil:
		return nil, err
	case !clients.HasGrant(app, "authorization_code") || !slices.Contains(app.Scopes, Scope):
		return nil, invalid("the application is not registered for the EHR launch (authorization_code and the launch scope)")
	}
	l := &store.Launch{ClientID: app.ID, CreatedBy: createdBy, Context: r.context()}
	if r.User != "" {
		u, err := s.store.GetUserByUsername(ctx, r.User)
		switch {
		case errors.Is(err, store.ErrNotFound):
			return nil, invalid("user names no user of this server")
		case err != nil:
			return nil, err
		case !MaySee(u, r.Patient):
			return nil, invalid("that user may not open this patient's record")
		}
		l.UserID = u.ID
	}
	if l.PatientName, err = s.checkRecords(ctx, r.Patient, r.Encounter); err != nil {
		return nil, err
	}
	id := rand.Text() // 130 random bits
	now := s.now()
	l.IDHash, l.CreatedAt, l.ExpiresAt = store.HashToken(id), now.UTC(), now.Add(s.lifetime).UTC()
	if err := s.store.CreateLaunch(ctx, l); err != nil {
		return nil, err
	}
	return &Created{Launch: id, ExpiresIn: int64(s.lifetime / time.Second)}, nil
}

// checkRecords confirms that the patient exists and the encounter, when
// given, exists and is the patient's; it returns the patient's name.
func (s *Service) checkRecords(ctx context.Context, patient, encounter string) (string, error) {
	p, err := s.dir.Get(ctx, patient)
	switch {
	case errors.Is(err, fhirdir.ErrNotFound):
		return "", invalid("patient " + patient + " does not exist on the FHIR server")
	case err != nil:
		return "", unavailable(err)
	}
	if encounter == "" {
		return p.Name, nil
	}
	e, err := s.dir.Encounter(ctx, encounter)
	switch {
	case errors.Is(err, fhirdir.ErrNotFound):
		return "", invalid("encounter " + encounter + " does not exist on the FHIR server")
	case err != nil:
		return "", unavailable(err)
	case e.Patient != patient:
		return "", invalid("encounter " + encounter + " is not an encounter of patient " + patient)
	}
	return p.Name, nil
}

// Redeem consumes the launch id for clientID: store.ErrNotFound when it
// is unknown, expired, already used or another client's (left alone).
func (s *Service) Redeem(ctx context.Context, id, clientID string) (*store.Launch, error) {
	if id == "" || len(id) > 64 {
		return nil, store.ErrNotFound
	}
	return s.store.ConsumeLaunch(ctx, store.HashToken(id), clientID)
}

// MaySee reports whether u may have patient in context: a patient user
// only their own linked patient; clinicians and admins any patient (as
// the patient picker offers them any).
func MaySee(u *store.User, patient string) bool {
	if u.Role == store.RolePatient {
		return u.PatientID != "" && u.PatientID == patient
	}
	return true
}

func invalid(d string) error { return oauth.ErrInvalidRequest.WithDescription(d) }

// unavailableErr keeps the cause for the log while the client sees
// temporarily_unavailable.
type unavailableErr struct{ cause error }

func (e unavailableErr) Error() string { return "FHIR server unavailable: " + e.cause.Error() }
func (e unavailableErr) Unwrap() []error {
	return []error{e.cause, oauth.ErrTemporarilyUnavailable.WithDescription("the FHIR server cannot be reached to check the launch; retry later")}
}

func unavailable(err error) error { return unavailableErr{err} }
