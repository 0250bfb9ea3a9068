package users

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"github.com/smartgate/auth-server/internal/store"
)

// IdentityStore is what Identities needs: users and their links.
type IdentityStore interface {
	store.UserStore
	store.IdentityStore
}

// Identities links identities at upstream OpenID providers (provider id
// and subject) to local users. Only a link signs anyone in: an email
// address is never matched to a user.
type Identities struct {
	store IdentityStore
	now   func() time.Time
}

// NewIdentities returns the links over st.
func NewIdentities(st IdentityStore, now func() time.Time) *Identities {
	if now == nil {
		now = time.Now
	}
	return &Identities{store: st, now: now}
}

// ErrLinkedElsewhere: the identity is linked to another user.
var ErrLinkedElsewhere = errors.New("users: the identity is linked to another account")

// Link links the identity to the user with username (store.ErrNotFound
// when there is none). Linking it again to the same user is no error;
// ErrLinkedElsewhere when another user holds it.
func (s *Identities) Link(ctx context.Context, username, provider, subject string) (*store.User, error) {
	if provider == "" || subject == "" {
		return nil, errors.New("users: provider and subject must not be empty")
	}
	u, err := s.store.GetUserByUsername(ctx, username)
	if err != nil {
		return nil, err
	}
	return u, s.linkUser(ctx, u.ID, provider, subject)
}

func (s *Identities) linkUser(ctx context.Context, userID, provider, subject string) error {
	err := s.store.CreateIdentityLink(ctx, &store.IdentityLink{Provider: provider, Subject: subject, UserID: userID, CreatedAt: s.now().UTC()})
	if !errors.Is(err, store.ErrConflict) {
		return err
	}
	l, err := s.store.GetIdentityLink(ctx, provider, subject)
	switch {
	case err != nil:
		return err
	case l.UserID != userID:
		return ErrLinkedElsewhere
	}
	return nil
}

// LinkUser links the identity to the user with id (the /manage page).
func (s *Identities) LinkUser(ctx context.Context, userID, provider, subject string) error {
	return s.linkUser(ctx, userID, provider, subject)
}

// Unlink removes the identity's link to the user with username;
// store.ErrNotFound when the user has no such link.
func (s *Identities) Unlink(ctx context.Context, username, provider, subject string) error {
	u, err := s.store.GetUserByUsername(ctx, username)
	if err != nil {
		return err
	}
	return s.UnlinkUser(ctx, u.ID, provider, subject)
}

// UnlinkUser removes the identity's link to the user with id;
// store.ErrNotFound when the user has no such link.
func (s *Identities) UnlinkUser(ctx context.Context, userID, provider, subject string) error {
	l, err := s.store.GetIdentityLink(ctx, provider, subject)
	if err != nil {
		return err
	}
	if l.UserID != userID {
		return store.ErrNotFound
	}
	return s.store.DeleteIdentityLink(ctx, provider, subject)
}

// Links lists the user's linked identities.
func (s *Identities) Links(ctx context.Context, userID string) ([]*store.IdentityLink, error) {
	return s.store.ListIdentityLinks(ctx, userID)
}

// UserOf returns the user the identity is linked to; store.ErrNotFound
// when it is not linked (or its user is gone).
func (s *Identities) UserOf(ctx context.Context, provider, subject string) (*store.User, error) {
	l, err := s.store.GetIdentityLink(ctx, provider, subject)
	if err != nil {
		return nil, err
	}
	return s.store.GetUser(ctx, l.UserID)
}

// AutoCreateName is the username made for an identity: <provider>:<subject>.
func AutoCreateName(provider, subject string) string { return provider + ":" + subject }

// Create makes a local user for an unlinked identity, named by
// AutoCreateName, with no role, no patient and no password (so it may
// register and launch nothing until an administrator gives it a role),
// and links the identity to it. When another request linked the identity
// meanwhile, that link's user is returned; store.ErrConflict when the
// username is taken by a user the identity is not linked to.
func (s *Identities) Create(ctx context.Context, provider, subject, name string) (*store.User, error) {
	now := s.now().UTC()
	u := &store.User{ID: "u-" + rand.Text()[:16], Username: AutoCreateName(provider, subject), Name: name, CreatedAt: now, UpdatedAt: now}
	if err := s.store.CreateUser(ctx, u); err != nil {
		if errors.Is(err, store.ErrConflict) {
			if other, err := s.UserOf(ctx, provider, subject); err == nil {
				return other, nil
			}
		}
		return nil, err
	}
	if err := s.linkUser(ctx, u.ID, provider, subject); err != nil {
		// Never leave a user behind that nothing signs in to.
		if delErr := s.store.DeleteUser(context.WithoutCancel(ctx), u.ID); delErr != nil {
			err = errors.Join(err, fmt.Errorf("remove the user just made: %w", delErr))
		}
		if errors.Is(err, ErrLinkedElsewhere) {
			return s.UserOf(ctx, provider, subject)
		}
		return nil, err
	}
	return u, nil
}
