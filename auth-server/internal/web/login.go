package web

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/smartgate/auth-server/internal/events"
	"github.com/smartgate/auth-server/internal/store"
	"github.com/smartgate/auth-server/internal/users"
)

type loginData struct {
	ClientName string
	Next       string
	Username   string
	Providers  []providerButton
}

// Messages of the login page. A wrong password and an unknown user read
// the same, and so does every refusal of the throttle.
const (
	msgBadLogin = "The username or password is incorrect."
	msgUnavail  = "Sign-in is temporarily unavailable. Try again in a moment."
)

// loginPage is GET /login: the sign-in form outside an authorization
// (for the manage page).
func (h *Handler) loginPage(c *gin.Context) {
	s := h.Sessions.load(c.Request)
	next := localNext(c.Query("next"))
	h.render(c, s, http.StatusOK, "login", "Sign in", view{Data: loginData{Next: next, Providers: h.providerButtons(next)}})
}

// login is POST /login. The throttle decides first whether the password
// may be checked at all (else 429 with Retry-After, the password
// unchecked) and counts the attempt as a failure until it turns out
// right; the check itself waits for one of the server's password-check
// slots (else 429). Success starts a new session (no fixation).
func (h *Handler) login(c *gin.Context) {
	s := h.Sessions.load(c.Request)
	if err := c.Request.ParseForm(); err != nil || !h.checkCSRF(c.Request, s) {
		h.errorPage(c, s, http.StatusForbidden, "This form has expired",
			"The sign-in form was not sent from this page, or it has expired. Reload the page and try again.", "")
		return
	}
	form := c.Request.PostForm
	username, password := strings.TrimSpace(form.Get("username")), form.Get("password")
	next := localNext(form.Get("next"))
	data := loginData{Next: next, Username: username, Providers: h.providerButtons(next)}
	if f := s.flow(); f != nil {
		if cl, err := h.Store.GetClient(c.Request.Context(), f.Req.ClientID); err == nil {
			data.ClientName = displayName(cl)
		}
	}
	ctx, addr := c.Request.Context(), c.ClientIP()
	refusal, err := h.Throttle.Reserve(ctx, username, addr)
	if err != nil {
		h.Log.ErrorContext(ctx, "login throttle", "err", err)
		h.render(c, s, http.StatusServiceUnavailable, "login", "Sign in", view{Error: msgUnavail, Data: data})
		return
	}
	if refusal != nil {
		h.loginEvent(c, events.LoginThrottled, username, refusal.Reason)
		h.tooMany(c, s, data, refusal.Reason, refusal.Wait)
		return
	}
	u, err := h.Users.Authenticate(ctx, username, password)
	switch {
	case errors.Is(err, users.ErrBusy):
		h.tooMany(c, s, data, reasonBusy, time.Second)
		return
	case errors.Is(err, users.ErrBadCredentials):
		h.loginEvent(c, events.LoginFailed, username, "")
		h.render(c, s, http.StatusUnauthorized, "login", "Sign in", view{Error: msgBadLogin, Data: data})
		return
	case err != nil:
		h.Log.ErrorContext(ctx, "login", "err", err)
		h.render(c, s, http.StatusServiceUnavailable, "login", "Sign in", view{Error: msgUnavail, Data: data})
		return
	}
	if err := h.Throttle.Succeeded(ctx, username, addr); err != nil {
		// The attempt stays counted as a failure; the sign-in stands.
		h.Log.WarnContext(ctx, "login throttle: record success", "err", err)
	}
	if err := h.startSession(c.Request.Context(), s, u.ID); err != nil {
		h.Log.ErrorContext(c.Request.Context(), "start session", "err", err)
		h.render(c, s, http.StatusServiceUnavailable, "login", "Sign in", view{Error: msgUnavail, Data: data})
		return
	}
	h.Log.InfoContext(c.Request.Context(), "user signed in", "user_id", u.ID)
	h.loginEvent(c, events.LoginSucceeded, u.Username, "")
	switch {
	case s.flow() != nil:
		h.redirect(c, s, h.link(ContinuePath))
	case data.Next != "":
		h.redirect(c, s, h.link(data.Next))
	default:
		h.redirect(c, s, h.link(ManagePath))
	}
}

// logout is POST /logout: the session's store record is deleted, which
// ends the session on the server (a copy of the cookie no longer signs
// in), and the session cookie is expired. A session that signed in
// through a provider with an end-session endpoint goes on to end the
// provider's session too.
func (h *Handler) logout(c *gin.Context) {
	s := h.Sessions.load(c.Request)
	if err := c.Request.ParseForm(); err != nil || !h.checkCSRF(c.Request, s) {
		h.errorPage(c, s, http.StatusForbidden, "This form has expired", "Reload the page and try again.", "")
		return
	}
	if err := h.endSession(c.Request.Context(), s); err != nil {
		// The session still lives on the server: keep the cookie, so
		// that signing out can be tried again.
		h.Log.ErrorContext(c.Request.Context(), "end session", "err", err)
		h.errorPage(c, s, http.StatusServiceUnavailable, "Sign-out did not complete",
			"Signing out is temporarily unavailable. Try again in a moment.", "")
		return
	}
	provider := s.get(keySignedIn)
	if err := s.destroy(c.Request, c.Writer); err != nil {
		h.Log.ErrorContext(c.Request.Context(), "logout", "err", err)
	}
	securityHeaders(c.Writer)
	c.Redirect(http.StatusSeeOther, h.afterLogout(provider))
}

// localNext keeps only our own pages as a place to go after sign-in (no
// open redirect).
func localNext(next string) string {
	if next == ManagePath || next == EHRPath || portalNext(next) || adminNextRe.MatchString(next) {
		return next
	}
	return ""
}

// loginEvent records a sign-in attempt as a security event.
func (h *Handler) loginEvent(c *gin.Context, typ, username, detail string) {
	outcome := store.OutcomeFailure
	if typ == events.LoginSucceeded {
		outcome = store.OutcomeSuccess
	}
	h.Events.Record(c.Request.Context(), store.Event{Type: typ, Outcome: outcome, Actor: username, Address: c.ClientIP(), Detail: detail})
}
