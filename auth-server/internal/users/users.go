package users

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/smartgate/auth-server/internal/store"
)

// ErrBadCredentials is every failed login: unknown user and wrong password
// alike, so that callers cannot tell which.
var ErrBadCredentials = errors.New("users: the username or password is incorrect")

// Service creates, lists, deletes and authenticates local users.
type Service struct {
	// Gate, when set, bounds the password checks Authenticate runs at
	// once (the server sets it; operator commands need none).
	Gate *Gate
	// Owners, when set, is told when a user is deleted or changes role,
	// so that the clients they own follow.
	Owners Owners

	store store.UserStore
	now   func() time.Time

	dummyOnce sync.Once
	dummy     string // a hash verified for unknown users (equal work)
}

// New returns a service over us.
func New(us store.UserStore, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: us, now: now}
}

// Spec describes a user to add or upsert.
type Spec struct {
	Username  string
	Password  string
	Role      string // clinician, patient or admin
	PatientID string // patient users: the linked Patient id
	FHIRUser  string // FHIR URL of the user's Practitioner or Patient
	Name      string
}

// Owners keeps the clients a user owns in step with the user
// (registration.Service): OwnerChanged disables those the user's new
// role does not allow, or all of them when role is "" (deleted).
type Owners interface {
	OwnerChanged(ctx context.Context, userID, role string) (int, error)
}

// Validate reports what is wrong with a spec.
func (s Spec) Validate() error {
	var errs []error
	if strings.TrimSpace(s.Username) == "" || strings.ContainsAny(s.Username, " \t\r\n") {
		errs = append(errs, errors.New("username must be non-empty without spaces"))
	}
	if len(s.Password) < 12 {
		errs = append(errs, errors.New("password must be at least 12 characters"))
	}
	if err := validateRole(s.Role, s.PatientID); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// validateRole checks a role and its linked patient.
func validateRole(role, patientID string) error {
	switch role {
	case store.RoleClinician, store.RoleAdmin:
	case store.RolePatient:
		if patientID == "" {
			return errors.New("a patient user needs a linked patient id")
		}
	default:
		return fmt.Errorf("role %q: want clinician, patient or admin", role)
	}
	return nil
}

// Add creates a user; store.ErrConflict when the username is taken.
func (s *Service) Add(ctx context.Context, spec Spec) (*store.User, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	u := &store.User{
		ID: "u-" + rand.Text()[:16], Username: spec.Username, PasswordHash: HashPassword(spec.Password),
		Role: spec.Role, PatientID: spec.PatientID, FHIRUser: spec.FHIRUser, Name: spec.Name,
		CreatedAt: now, UpdatedAt: now,
	}
	if err := s.store.CreateUser(ctx, u); err != nil {
		return nil, err
	}
	return u, nil
}

// Upsert creates the user or, when the username exists, replaces its
// password, role and links (the demo loader).
func (s *Service) Upsert(ctx context.Context, spec Spec) (*store.User, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	u, err := s.store.GetUserByUsername(ctx, spec.Username)
	if errors.Is(err, store.ErrNotFound) {
		added, addErr := s.Add(ctx, spec)
		if !errors.Is(addErr, store.ErrConflict) {
			return added, addErr
		}
		// Another replica starting at the same moment created it: update theirs.
		u, err = s.store.GetUserByUsername(ctx, spec.Username)
	}
	if err != nil {
		return nil, err
	}
	if !VerifyPassword(u.PasswordHash, spec.Password) {
		u.PasswordHash = HashPassword(spec.Password)
	}
	u.Role, u.PatientID, u.FHIRUser, u.Name = spec.Role, spec.PatientID, spec.FHIRUser, spec.Name
	u.UpdatedAt = s.now().UTC()
	if err := s.store.UpdateUser(ctx, u); err != nil {
		return nil, err
	}
	return u, s.roleChanged(ctx, u)
}

// SetRole gives the user a new role (with its linked patient and FHIR
// user); the clients they own that the new role does not allow are
// disabled. Repeating it retries what failed.
func (s *Service) SetRole(ctx context.Context, username, role, patientID, fhirUser string) (*store.User, error) {
	if err := validateRole(role, patientID); err != nil {
		return nil, err
	}
	u, err := s.store.GetUserByUsername(ctx, username)
	if err != nil {
		return nil, err
	}
	u.Role, u.PatientID, u.FHIRUser = role, patientID, fhirUser
	u.UpdatedAt = s.now().UTC()
	if err := s.store.UpdateUser(ctx, u); err != nil {
		return nil, err
	}
	return u, s.roleChanged(ctx, u)
}

// roleChanged disables what the user's role no longer allows.
func (s *Service) roleChanged(ctx context.Context, u *store.User) error {
	if s.Owners == nil {
		return nil
	}
	if _, err := s.Owners.OwnerChanged(ctx, u.ID, u.Role); err != nil {
		return fmt.Errorf("users: disable the clients the role no longer allows: %w", err)
	}
	return nil
}

// Authenticate returns the user whose username and password match, or
// ErrBadCredentials; ErrBusy when the Gate has no slot for the check. An
// unknown username costs the same hash as a wrong password.
func (s *Service) Authenticate(ctx context.Context, username, password string) (*store.User, error) {
	u, err := s.store.GetUserByUsername(ctx, username)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	hash := ""
	if u != nil {
		hash = u.PasswordHash
	} else {
		s.dummyOnce.Do(func() { s.dummy = HashPassword(rand.Text()) })
		hash = s.dummy
	}
	var ok bool
	if err := s.Gate.run(ctx, func() { ok = VerifyPassword(hash, password) }); err != nil {
		return nil, err
	}
	if u == nil || !ok || u.Disabled() {
		return nil, ErrBadCredentials
	}
	return u, nil
}

// List returns every user, ordered by username.
func (s *Service) List(ctx context.Context) ([]*store.User, error) {
	return s.store.ListUsers(ctx)
}

// Delete removes the user with this username, first disabling the
// clients they own (so that a failure leaves the user for a retry) and,
// when the store keeps browser sessions and identity links, ends the
// user's sessions and removes their links. (A
// session of a deleted user signs no one in anyway: the pages look the
// user up.)
func (s *Service) Delete(ctx context.Context, username string) error {
	u, err := s.store.GetUserByUsername(ctx, username)
	if err != nil {
		return err
	}
	if s.Owners != nil {
		if _, err := s.Owners.OwnerChanged(ctx, u.ID, ""); err != nil {
			return fmt.Errorf("users: disable the user's clients: %w", err)
		}
	}
	if err := s.store.DeleteUser(ctx, u.ID); err != nil {
		return err
	}
	if ss, ok := s.store.(store.SessionStore); ok {
		if err := ss.DeleteSessionsByUser(ctx, u.ID); err != nil {
			return fmt.Errorf("user deleted, but ending their sessions failed: %w", err)
		}
	}
	if is, ok := s.store.(store.IdentityStore); ok {
		// A link to a deleted user signs no one in; remove it so that the
		// identity can be linked anew.
		links, err := is.ListIdentityLinks(ctx, u.ID)
		for _, l := range links {
			if err != nil {
				break
			}
			if err = is.DeleteIdentityLink(ctx, l.Provider, l.Subject); errors.Is(err, store.ErrNotFound) {
				err = nil
			}
		}
		if err != nil {
			return fmt.Errorf("user deleted, but removing their linked identities failed: %w", err)
		}
	}
	return nil
}
