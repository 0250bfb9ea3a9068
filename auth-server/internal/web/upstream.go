package web

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"github.com/smartgate/auth-server/internal/events"
	"github.com/smartgate/auth-server/internal/store"
	"github.com/smartgate/auth-server/internal/upstream"
)

// Identities links upstream identities to local users (users.Identities).
type Identities interface {
	UserOf(ctx context.Context, provider, subject string) (*store.User, error)
	Create(ctx context.Context, provider, subject, name string) (*store.User, error)
	LinkUser(ctx context.Context, userID, provider, subject string) error
	UnlinkUser(ctx context.Context, userID, provider, subject string) error
	Links(ctx context.Context, userID string) ([]*store.IdentityLink, error)
}

// Session values of a sign-in through a provider (JSON).
const (
	keyUpstream = "upstream" // the upstream.Pending sent to the provider
	keyLinking  = "linking"  // a verified identity waiting for the user to confirm the link
	keySignedIn = "idp"      // the provider the session signed in through (for logout)
)

// providerButton is one "Sign in with ..." link of the login page.
type providerButton struct {
	ID, Name, Href string
}

// providerButtons are the login page's provider links; next is the
// local page to go to after sign-in.
func (h *Handler) providerButtons(next string) []providerButton {
	var out []providerButton
	for _, p := range h.Upstreams.List() {
		href := h.link(LoginPath + "/" + p.ID())
		if next != "" {
			href += "?" + url.Values{"next": {next}}.Encode()
		}
		out = append(out, providerButton{ID: p.ID(), Name: p.Name(), Href: href})
	}
	return out
}

// pendingSignIn is what the session keeps while the browser is at the
// provider.
type pendingSignIn struct {
	upstream.Pending
	Next string `json:"next,omitempty"`
}

func (s *session) upstream() *pendingSignIn {
	var p pendingSignIn
	if raw := s.get(keyUpstream); raw == "" || json.Unmarshal([]byte(raw), &p) != nil {
		return nil
	}
	return &p
}

func (s *session) setJSON(key string, v any) {
	b, _ := json.Marshal(v)
	s.set(key, string(b))
}

// upstreamLogin is GET /login/<provider>: a plain link (no JavaScript)
// that sends the browser to the provider. The authorization in progress,
// if any, stays in the session.
func (h *Handler) upstreamLogin(c *gin.Context) {
	s := h.Sessions.load(c.Request)
	h.beginUpstream(c, s, c.Param("provider"), localNext(c.Query("next")), "")
}

// beginUpstream sends the browser to the provider with a fresh state,
// nonce and PKCE verifier bound to this session; linkFor is the user who
// asked to link the identity ("" for a sign-in).
func (h *Handler) beginUpstream(c *gin.Context, s *session, id, next, linkFor string) {
	p := h.Upstreams.Get(id)
	if p == nil {
		h.errorPage(c, s, http.StatusNotFound, "Unknown sign-in provider", "There is no sign-in provider by that name here.", "")
		return
	}
	to, pend, err := p.Begin(c.Request.Context())
	if err != nil {
		h.Log.WarnContext(c.Request.Context(), "upstream provider unreachable", "provider", id, "err", err)
		h.providerDown(c, s, p.Name())
		return
	}
	pend.LinkFor = linkFor
	s.setJSON(keyUpstream, pendingSignIn{Pending: *pend, Next: next})
	h.redirect(c, s, to)
}

// afterLogout is where logout sends the browser: the provider's
// end-session endpoint when the session signed in through one that has
// it (it then comes back to the login page), else the login page.
func (h *Handler) afterLogout(provider string) string {
	if p := h.Upstreams.Get(provider); p != nil {
		if u := p.LogoutURL(h.link(LoginPath)); u != "" {
			return u
		}
	}
	return h.link(LoginPath)
}

func (h *Handler) providerDown(c *gin.Context, s *session, name string) {
	h.errorPage(c, s, http.StatusServiceUnavailable, name+" is unreachable",
		"Signing in with "+name+" is not possible right now: it does not answer. Try again in a moment, or sign in with your username and password.", "")
}

// upstreamCallback is GET /login/<provider>/callback, where the provider
// sends the browser back. The pending sign-in is used once, whatever
// happens; Finish checks state, iss, the code and the ID token.
func (h *Handler) upstreamCallback(c *gin.Context) {
	s := h.Sessions.load(c.Request)
	ctx := c.Request.Context()
	pend := s.upstream()
	s.set(keyUpstream, "")
	p := h.Upstreams.Get(c.Param("provider"))
	if p == nil {
		h.errorPage(c, s, http.StatusNotFound, "Unknown sign-in provider", "There is no sign-in provider by that name here.", "")
		return
	}
	var pending *upstream.Pending
	if pend != nil {
		pending = &pend.Pending
	}
	id, err := p.Finish(ctx, pending, c.Request.URL.Query())
	switch {
	case errors.Is(err, upstream.ErrUnavailable):
		h.Log.WarnContext(ctx, "upstream provider unreachable", "provider", p.ID(), "err", err)
		h.providerDown(c, s, p.Name())
		return
	case errors.Is(err, upstream.ErrDenied):
		h.Log.InfoContext(ctx, "upstream sign-in not completed", "provider", p.ID(), "err", err)
		h.errorPage(c, s, http.StatusForbidden, "You were not signed in",
			p.Name()+" did not sign you in. Start again, or sign in with your username and password.", "")
		return
	case err != nil:
		h.Log.WarnContext(ctx, "upstream sign-in refused", "provider", p.ID(), "err", err)
		h.errorPage(c, s, http.StatusBadRequest, "This sign-in could not be verified",
			"The answer from "+p.Name()+" does not belong to a sign-in started in this browser, or failed verification. Nobody was signed in. Start again from the sign-in page.", "")
		return
	}
	if !p.Admits(id) {
		h.Log.InfoContext(ctx, "upstream identity outside the allowed domains", "provider", p.ID())
		h.errorPage(c, s, http.StatusForbidden, "This account may not sign in here",
			"Only accounts with a verified email address of the allowed organisations may sign in with "+p.Name()+".", "")
		return
	}
	if pend.LinkFor != "" {
		h.askToLink(c, s, pend.LinkFor, id, p.Name())
		return
	}
	user, err := h.Identities.UserOf(ctx, id.Provider, id.Subject)
	if errors.Is(err, store.ErrNotFound) && p.AutoCreate() {
		user, err = h.Identities.Create(ctx, id.Provider, id.Subject, id.Name)
		if err == nil {
			h.Log.InfoContext(ctx, "user created for an upstream identity", "user_id", user.ID, "provider", id.Provider)
		}
	}
	switch {
	case errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrConflict):
		h.Log.InfoContext(ctx, "upstream identity not linked", "provider", id.Provider)
		h.errorPage(c, s, http.StatusForbidden, "This account is not known here",
			"You signed in with "+p.Name()+" as "+id.Label()+", but that account is not linked to an account here. "+
				"Ask an administrator to link it, giving them the provider and subject below, or sign in with your username and password and link it from the page that lists your apps.",
			id.Provider+" "+id.Subject)
		return
	case err != nil:
		h.Log.ErrorContext(ctx, "upstream identity lookup", "err", err)
		h.errorPage(c, s, http.StatusServiceUnavailable, "Temporarily unavailable", "Signing in is temporarily unavailable. Try again in a moment.", "")
		return
	case user.Disabled():
		h.loginEvent(c, events.LoginFailed, user.Username, "disabled; through "+id.Provider)
		h.errorPage(c, s, http.StatusForbidden, "This account is disabled",
			"An administrator has disabled the account linked to your "+p.Name()+" identity.", "")
		return
	}
	if err := h.startSession(ctx, s, user.ID); err != nil {
		h.Log.ErrorContext(ctx, "start session", "err", err)
		h.errorPage(c, s, http.StatusServiceUnavailable, "Temporarily unavailable", "Signing in is temporarily unavailable. Try again in a moment.", "")
		return
	}
	s.set(keySignedIn, id.Provider)
	h.Log.InfoContext(ctx, "user signed in", "user_id", user.ID, "provider", id.Provider)
	h.loginEvent(c, events.LoginSucceeded, user.Username, "through "+id.Provider)
	switch {
	case s.flow() != nil:
		h.redirect(c, s, h.link(ContinuePath))
	case pend.Next != "":
		h.redirect(c, s, h.link(pend.Next))
	default:
		h.redirect(c, s, h.link(ManagePath))
	}
}
