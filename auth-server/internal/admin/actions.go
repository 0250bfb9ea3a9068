package admin

import (
	"context"
	"errors"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/smartgate/auth-server/internal/events"
	"github.com/smartgate/auth-server/internal/registration"
	"github.com/smartgate/auth-server/internal/store"
	"github.com/smartgate/auth-server/internal/users"
)

// actions are the destructive changes, by the name in their URL; the
// event recorded is "admin." and the name with dots (admin.user.delete).
var actions = map[string]*action{
	"user-delete": {Title: "Delete user", Verb: "Delete the user", target: userTarget(
		"The user is deleted: their sessions end, their linked identities are removed and the clients they registered are disabled."),
		do: func(c *gin.Context, h *Handler, t *target) (string, error) {
			if t.user.ID == admin(c).ID {
				return "", errSelf
			}
			if err := h.Users.Delete(c.Request.Context(), t.user.Username); err != nil && !errors.Is(err, store.ErrNotFound) {
				return "", err
			}
			return Path + "/users?done=user-deleted", nil
		}},
	"user-disable": {Title: "Disable user", Verb: "Disable the user", target: userTarget(
		"The user can no longer sign in; their sessions end, the apps they approved lose access (refresh and access tokens revoked) and the clients they registered are disabled."),
		do: func(c *gin.Context, h *Handler, t *target) (string, error) {
			if t.user.ID == admin(c).ID {
				return "", errSelf
			}
			return userPath(t.user.ID) + "?done=user-disabled", h.disableUser(c.Request.Context(), t.user)
		}},
	"user-enable": {Title: "Enable user", Verb: "Enable the user", target: userTarget(
		"The user may sign in again. The clients they registered stay disabled until you enable them."),
		do: func(c *gin.Context, h *Handler, t *target) (string, error) {
			u := *t.user
			u.DisabledAt, u.UpdatedAt = time.Time{}, h.Now().UTC()
			return userPath(u.ID) + "?done=user-enabled", h.Store.UpdateUser(c.Request.Context(), &u)
		}},
	"user-password": {Title: "Reset password", Verb: "Set the new password", NewPassword: true, target: userTarget(
		"The user's password is replaced by the one you give (at least 12 characters) and their sessions end."),
		do: func(c *gin.Context, h *Handler, t *target) (string, error) {
			pw := c.Request.PostForm.Get("new_password")
			if len(pw) < 12 {
				return "", badInput("The new password must be at least 12 characters.")
			}
			ctx := c.Request.Context()
			u := *t.user
			u.PasswordHash, u.UpdatedAt = users.HashPassword(pw), h.Now().UTC()
			if err := h.Store.UpdateUser(ctx, &u); err != nil {
				return "", err
			}
			return userPath(u.ID) + "?done=user-password", h.Store.DeleteSessionsByUser(ctx, u.ID)
		}},
	"user-link": {Title: "Issue a set-password link", Verb: "Issue the link", target: userTarget(
		"A one-time link (valid 24 hours) lets the user choose a new password; it is shown to you once, to hand over. The current password stops working and the user's sessions end."),
		do: func(c *gin.Context, h *Handler, t *target) (string, error) {
			link, err := h.issueLink(c.Request.Context(), t.user)
			if err != nil {
				return "", err
			}
			browser(c).SetValue(keyLink, t.user.ID+" "+link)
			return userPath(t.user.ID) + "/link", nil
		}},
	"identity-unlink": {Title: "Unlink identity", Verb: "Unlink", target: func(ctx context.Context, h *Handler, id, arg string) (*target, error) {
		t, err := userTarget("The identity can no longer sign in as this user.")(ctx, h, id, arg)
		if err != nil {
			return nil, err
		}
		provider, subject, _ := cut(arg)
		t.Label += " ← " + provider + " " + subject
		return t, nil
	}, do: func(c *gin.Context, h *Handler, t *target) (string, error) {
		provider, subject, _ := cut(t.arg)
		err := h.Identities.UnlinkUser(c.Request.Context(), t.user.ID, provider, subject)
		if errors.Is(err, store.ErrNotFound) {
			return "", badInput("That identity is not linked to this user.")
		}
		return userPath(t.user.ID) + "?done=identity-unlinked", err
	}},
	"grant-revoke": {Title: "Revoke app access", Verb: "Revoke", target: func(ctx context.Context, h *Handler, id, arg string) (*target, error) {
		t, err := userTarget("The app loses what the user approved: its refresh tokens and the access tokens issued with them stop working, and it must ask the user again.")(ctx, h, id, arg)
		if err != nil {
			return nil, err
		}
		if _, err := h.Store.GetConsent(ctx, id, arg); err != nil {
			return nil, err
		}
		t.Label += " → app " + arg
		t.Event += " client:" + arg
		return t, nil
	}, do: func(c *gin.Context, h *Handler, t *target) (string, error) {
		return userPath(t.user.ID) + "?done=grant-revoked", h.revokeGrant(c.Request.Context(), t.user.ID, t.arg)
	}},
	"family-revoke": {Title: "Revoke a refresh-token family", Verb: "Revoke", target: func(ctx context.Context, h *Handler, id, arg string) (*target, error) {
		t, err := userTarget("The app's refresh tokens of this sign-in stop working, with the access tokens issued beside them; its other sign-ins keep theirs.")(ctx, h, id, arg)
		if err != nil {
			return nil, err
		}
		clientID, family, _ := cut(arg)
		rts, err := h.Store.ListRefreshTokensByUserClient(ctx, id, clientID)
		if err != nil {
			return nil, err
		}
		for _, rt := range rts {
			if rt.FamilyID == family {
				t.Label += " → app " + clientID + ", refresh-token family " + family
				t.Event += " client:" + clientID
				return t, nil
			}
		}
		return nil, store.ErrNotFound
	}, do: func(c *gin.Context, h *Handler, t *target) (string, error) {
		_, family, _ := cut(t.arg)
		return userPath(t.user.ID) + "?done=family-revoked", h.Revoker.RevokeFamily(c.Request.Context(), family)
	}},
	"grants-revoke": {Title: "Revoke every app's access", Verb: "Revoke all", target: userTarget(
		"Every app the user approved loses access: refresh tokens and the access tokens issued with them stop working."),
		do: func(c *gin.Context, h *Handler, t *target) (string, error) {
			return userPath(t.user.ID) + "?done=grants-revoked", h.revokeGrants(c.Request.Context(), t.user.ID)
		}},
	"session-end": {Title: "End session", Verb: "End the session", target: func(ctx context.Context, h *Handler, id, arg string) (*target, error) {
		t, err := userTarget("That browser is signed out at once.")(ctx, h, id, arg)
		if err != nil {
			return nil, err
		}
		s, err := h.Store.GetSession(ctx, arg)
		if err == nil && s.UserID != id {
			err = store.ErrNotFound
		}
		return t, err
	}, do: func(c *gin.Context, h *Handler, t *target) (string, error) {
		return userPath(t.user.ID) + "?done=session-ended", h.Store.DeleteSession(c.Request.Context(), t.arg)
	}},
	"client-disable": {Title: "Disable client", Verb: "Disable the client", target: clientTarget(
		"The client's access and refresh tokens are revoked and it gets no new ones until enabled."),
		do: func(c *gin.Context, h *Handler, t *target) (string, error) {
			if t.client.Disabled() {
				return "", badInput("The client is already disabled.")
			}
			return clientPath(t.client.ID) + "?done=client-disabled",
				h.Registration.Disable(c.Request.Context(), t.client, "disabled by an administrator")
		}},
	"client-enable": {Title: "Enable client", Verb: "Enable the client", target: clientTarget(
		"The client may get tokens again with its current credentials."),
		do: func(c *gin.Context, h *Handler, t *target) (string, error) {
			return clientPath(t.client.ID) + "?done=client-enabled", h.Registration.Enable(c.Request.Context(), t.client)
		}},
	"client-secret": {Title: "Rotate client secret", Verb: "Rotate the secret", target: clientTarget(
		"A new secret is issued and shown once; the current secret stops working at once."),
		do: func(c *gin.Context, h *Handler, t *target) (string, error) {
			if !registration.NeedsSecret(t.client.TokenEndpointAuthMethod) {
				return "", badInput("This client does not authenticate with a secret.")
			}
			secret, err := h.Registration.RotateSecret(c.Request.Context(), t.client)
			if err != nil {
				return "", err
			}
			browser(c).SetValue(keySecret, t.client.ID+" "+secret)
			return clientPath(t.client.ID) + "/secret", nil
		}},
	"client-delete": {Title: "Delete client", Verb: "Delete the client", target: clientTarget(
		"The client is deleted; its tokens are revoked and every user's approval of it is forgotten."),
		do: func(c *gin.Context, h *Handler, t *target) (string, error) {
			ctx := c.Request.Context()
			if err := h.Registration.Delete(ctx, t.client); err != nil {
				return "", err
			}
			return Path + "/clients?done=client-deleted", nil
		}},
	"key-rotate": {Title: "Rotate the signing key", Verb: "Rotate now", target: func(context.Context, *Handler, string, string) (*target, error) {
		return &target{Label: "the signing key", Event: "keys", Back: Path + "/keys",
			Describe: "A new key signs every new token. The current key signs no more but stays published until the tokens it signed have expired."}, nil
	}, do: func(c *gin.Context, h *Handler, t *target) (string, error) {
		kid, err := h.Keys.Rotate(c.Request.Context())
		if err == nil {
			h.Events.Record(c.Request.Context(), store.Event{Type: events.KeyRotated, Actor: admin(c).Username, Target: "key:" + kid, Address: clientIP(c)})
		}
		return Path + "/keys?done=key-rotated", err
	}},
	"key-retire": {Title: "Retire a key early", Verb: "Retire the key", target: func(ctx context.Context, h *Handler, id, _ string) (*target, error) {
		list, err := h.Keys.List(ctx)
		if err != nil {
			return nil, err
		}
		for _, k := range list {
			if k.KID == id {
				return &target{Label: "key " + id, Event: "key:" + id, Back: Path + "/keys", id: id,
					Describe: "The key is removed from the key set at once (a new key is made first when it signs new tokens). Tokens it signed stop being accepted by the FHIR server by " +
						h.Now().Add(h.KeyRetireDelay).UTC().Format("15:04:05 MST") + " at the latest (its key-set refresh)."}, nil
			}
		}
		return nil, store.ErrNotFound
	}, do: func(c *gin.Context, h *Handler, t *target) (string, error) {
		err := h.Keys.Revoke(c.Request.Context(), t.id)
		if err == nil {
			h.Events.Record(c.Request.Context(), store.Event{Type: events.KeyRetired, Actor: admin(c).Username, Target: t.Event, Address: clientIP(c)})
		}
		return Path + "/keys?done=key-retired", err
	}},
}

// errSelf refuses to lock the signed-in admin out of their own console
// (another admin, or the operator command, can).
var errSelf = badInput("You cannot do this to your own account; another admin can.")

// cut splits an identity argument "provider subject".
func cut(arg string) (string, string, bool) {
	for i := range len(arg) {
		if arg[i] == ' ' {
			return arg[:i], arg[i+1:], true
		}
	}
	return arg, "", false
}

func userTarget(describe string) func(ctx context.Context, h *Handler, id, arg string) (*target, error) {
	return func(ctx context.Context, h *Handler, id, arg string) (*target, error) {
		u, err := h.Store.GetUser(ctx, id)
		if err != nil {
			return nil, err
		}
		return &target{Label: "user " + u.Username, Event: "user:" + u.Username, Describe: describe,
			Back: userPath(u.ID), user: u, id: id, arg: arg}, nil
	}
}

func clientTarget(describe string) func(ctx context.Context, h *Handler, id, arg string) (*target, error) {
	return func(ctx context.Context, h *Handler, id, arg string) (*target, error) {
		cl, err := h.Store.GetClient(ctx, id)
		if err != nil {
			return nil, err
		}
		return &target{Label: "client " + cl.ID, Event: "client:" + cl.ID, Describe: describe,
			Back: clientPath(cl.ID), client: cl, id: id, arg: arg}, nil
	}
}

// disableUser marks the user disabled, ends their sessions, revokes
// what they granted and disables the clients they own (whose tokens are
// revoked with them). Repeating it retries what failed.
func (h *Handler) disableUser(ctx context.Context, u *store.User) error {
	if !u.Disabled() {
		d := *u
		d.DisabledAt, d.UpdatedAt = h.Now().UTC(), h.Now().UTC()
		if err := h.Store.UpdateUser(ctx, &d); err != nil {
			return err
		}
	}
	if err := h.Store.DeleteSessionsByUser(ctx, u.ID); err != nil {
		return err
	}
	if err := h.revokeGrants(ctx, u.ID); err != nil {
		return err
	}
	all, err := h.Store.ListClients(ctx)
	if err != nil {
		return err
	}
	for _, cl := range all {
		if cl.Owner == u.ID && !cl.Disabled() {
			if err := h.Registration.Disable(ctx, cl, "its owner was disabled"); err != nil {
				return err
			}
		}
	}
	return nil
}

// revokeGrant revokes the user's refresh tokens for the client (and the
// access tokens issued with them) and forgets the approval.
func (h *Handler) revokeGrant(ctx context.Context, userID, clientID string) error {
	if err := h.Revoker.RevokeUserClient(ctx, userID, clientID); err != nil {
		return err
	}
	if err := h.Store.DeleteConsent(ctx, userID, clientID); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	return nil
}

func (h *Handler) revokeGrants(ctx context.Context, userID string) error {
	consents, err := h.Store.ListConsents(ctx, userID)
	if err != nil {
		return err
	}
	for _, cs := range consents {
		if err := h.revokeGrant(ctx, userID, cs.ClientID); err != nil {
			return err
		}
	}
	return nil
}
