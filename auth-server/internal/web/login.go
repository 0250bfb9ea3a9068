package web

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/smartgate/auth-server/internal/store"
	"github.com/smartgate/auth-server/internal/users"
)

type loginData struct {
	ClientName string
	Next       string
	Username   string
}

// Messages of the login page. A wrong password and an unknown user read
// the same.
const (
	msgBadLogin = "The username or password is incorrect."
	msgTooMany  = "Too many failed sign-in attempts. Wait %d minutes, then try again."
)

// loginPage is GET /login: the sign-in form outside an authorization
// (for the manage page).
func (h *Handler) loginPage(c *gin.Context) {
	s := h.Sessions.load(c.Request)
	h.render(c, s, http.StatusOK, "login", "Sign in", view{Data: loginData{Next: localNext(c.Query("next"))}})
}

// login is POST /login. Failed attempts are counted per username and per
// source address; over either limit the form answers 429 without
// checking the password. Success starts a new session (no fixation).
func (h *Handler) login(c *gin.Context) {
	s := h.Sessions.load(c.Request)
	if err := c.Request.ParseForm(); err != nil || !h.checkCSRF(c.Request, s) {
		h.errorPage(c, s, http.StatusForbidden, "This form has expired",
			"The sign-in form was not sent from this page, or it has expired. Reload the page and try again.", "")
		return
	}
	form := c.Request.PostForm
	username, password := strings.TrimSpace(form.Get("username")), form.Get("password")
	data := loginData{Next: localNext(form.Get("next")), Username: username}
	if f := s.flow(); f != nil {
		if cl, err := h.Store.GetClient(c.Request.Context(), f.Req.ClientID); err == nil {
			data.ClientName = displayName(cl)
		}
	}
	account, addr := "user:"+store.UsernameKey(username), "addr:"+c.ClientIP()
	wait1, blocked1 := h.perAccount.Blocked(account)
	wait2, blocked2 := h.perAddress.Blocked(addr)
	if blocked1 || blocked2 {
		minutes := int(math.Ceil(max(wait1, wait2).Minutes()))
		c.Header("Retry-After", fmt.Sprint(int(math.Ceil(max(wait1, wait2).Seconds()))))
		h.render(c, s, http.StatusTooManyRequests, "login", "Sign in", view{Error: fmt.Sprintf(msgTooMany, max(minutes, 1)), Data: data})
		return
	}
	u, err := h.Users.Authenticate(c.Request.Context(), username, password)
	if errors.Is(err, users.ErrBadCredentials) {
		h.perAccount.Fail(account)
		h.perAddress.Fail(addr)
		h.render(c, s, http.StatusUnauthorized, "login", "Sign in", view{Error: msgBadLogin, Data: data})
		return
	}
	if err != nil {
		h.Log.ErrorContext(c.Request.Context(), "login", "err", err)
		h.render(c, s, http.StatusServiceUnavailable, "login", "Sign in", view{Error: "Sign-in is temporarily unavailable. Try again in a moment.", Data: data})
		return
	}
	if err := h.startSession(c.Request.Context(), s, u.ID); err != nil {
		h.Log.ErrorContext(c.Request.Context(), "start session", "err", err)
		h.render(c, s, http.StatusServiceUnavailable, "login", "Sign in", view{Error: "Sign-in is temporarily unavailable. Try again in a moment.", Data: data})
		return
	}
	h.Log.InfoContext(c.Request.Context(), "user signed in", "user_id", u.ID)
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
// in), and the session cookie is expired.
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
	if err := s.destroy(c.Request, c.Writer); err != nil {
		h.Log.ErrorContext(c.Request.Context(), "logout", "err", err)
	}
	securityHeaders(c.Writer)
	c.Redirect(http.StatusSeeOther, h.link(LoginPath))
}

// localNext keeps only our own pages as a place to go after sign-in (no
// open redirect).
func localNext(next string) string {
	if next == ManagePath || portalNext(next) {
		return next
	}
	return ""
}
