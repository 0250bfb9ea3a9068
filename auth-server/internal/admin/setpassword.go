package admin

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/smartgate/auth-server/internal/store"
	"github.com/smartgate/auth-server/internal/users"
	"github.com/smartgate/auth-server/internal/web"
)

// A one-time set-password link lets a person choose their password
// without the administrator ever knowing it: the link names the user and
// carries a random token (260 bits) of which the user record keeps only
// the hash, valid for SetPasswordLifetime and used once. Issuing one
// replaces the current password by a random one nobody knows.

// SetPasswordPath is the public page a set-password link opens.
const SetPasswordPath = "/set-password"

// SetPasswordLifetime is how long a set-password link works.
const SetPasswordLifetime = 24 * time.Hour

// keyLink keeps, in the admin's session, a link just issued ("userID
// link") until the user page shows it once.
const keyLink = "admin_link"

// issueLink gives u a new set-password link and returns it.
func (h *Handler) issueLink(ctx context.Context, u *store.User) (string, error) {
	raw := rand.Text() + rand.Text()
	now := h.Now().UTC()
	updated := *u
	updated.PasswordHash = users.HashPassword(rand.Text() + rand.Text())
	updated.SetPasswordHash, updated.SetPasswordUntil, updated.UpdatedAt = store.HashToken(raw), now.Add(SetPasswordLifetime), now
	if err := h.Store.UpdateUser(ctx, &updated); err != nil {
		return "", err
	}
	if err := h.Store.DeleteSessionsByUser(ctx, u.ID); err != nil {
		return "", err
	}
	return h.Issuer + SetPasswordPath + "?t=" + u.ID + "." + raw, nil
}

// linkUser returns the user a set-password token names, when the token
// is theirs and unexpired.
func (h *Handler) linkUser(ctx context.Context, token string) (*store.User, error) {
	id, raw, ok := strings.Cut(token, ".")
	if !ok || id == "" || raw == "" {
		return nil, store.ErrNotFound
	}
	u, err := h.Store.GetUser(ctx, id)
	if err != nil {
		return nil, err
	}
	if u.SetPasswordHash == "" || !h.Now().Before(u.SetPasswordUntil) ||
		subtle.ConstantTimeCompare([]byte(u.SetPasswordHash), []byte(store.HashToken(raw))) != 1 {
		return nil, store.ErrNotFound
	}
	return u, nil
}

type setPasswordView struct {
	Product, Title, Static, Base, CSRF, Token, Error, Username string
	Done                                                       bool
}

func (h *Handler) renderSetPassword(c *gin.Context, b *web.Browser, status int, v setPasswordView) {
	v.Product, v.Title, v.Static, v.Base, v.CSRF = web.ProductName, "Choose your password", h.Sessions.StaticURL(), h.Issuer, b.CSRF()
	if err := b.Save(c); err != nil {
		h.Log.ErrorContext(c.Request.Context(), "admin: session save", "err", err)
	}
	web.SecurityHeaders(c.Writer)
	c.Status(status)
	c.Header("Content-Type", "text/html; charset=utf-8")
	if err := h.pages["setpassword"].ExecuteTemplate(c.Writer, "public", v); err != nil {
		h.Log.ErrorContext(c.Request.Context(), "admin: render set-password", "err", err)
	}
}

// setPasswordPage is GET /set-password?t=: the form, when the link is valid.
func (h *Handler) setPasswordPage(c *gin.Context) {
	b := h.Sessions.Browser(c)
	token := c.Query("t")
	u, err := h.linkUser(c.Request.Context(), token)
	if err != nil {
		h.linkRefused(c, b, err)
		return
	}
	h.renderSetPassword(c, b, http.StatusOK, setPasswordView{Token: token, Username: u.Username})
}

func (h *Handler) linkRefused(c *gin.Context, b *web.Browser, err error) {
	if !errors.Is(err, store.ErrNotFound) {
		h.Log.ErrorContext(c.Request.Context(), "admin: set-password link", "err", err)
		c.Header("Retry-After", "5")
		h.renderSetPassword(c, b, http.StatusServiceUnavailable, setPasswordView{Error: "This cannot be done right now. Try again in a moment."})
		return
	}
	h.renderSetPassword(c, b, http.StatusNotFound, setPasswordView{
		Error: "This link is not valid: it was used already, it has expired, or a newer one was issued. Ask your administrator for a new one."})
}

// setPassword is POST /set-password: the new password, once per link.
func (h *Handler) setPassword(c *gin.Context) {
	b := h.Sessions.Browser(c)
	if err := c.Request.ParseForm(); err != nil || !b.CheckCSRF(c.Request) {
		h.renderSetPassword(c, b, http.StatusForbidden, setPasswordView{Error: "This form has expired. Open the link again."})
		return
	}
	f := c.Request.PostForm
	token := f.Get("t")
	ctx := c.Request.Context()
	u, err := h.linkUser(ctx, token)
	if err != nil {
		h.linkRefused(c, b, err)
		return
	}
	pw := f.Get("password")
	if len(pw) < 12 || pw != f.Get("password2") {
		h.renderSetPassword(c, b, http.StatusBadRequest, setPasswordView{Token: token, Username: u.Username,
			Error: "Give the same password twice, at least 12 characters."})
		return
	}
	updated := *u
	updated.PasswordHash, updated.SetPasswordHash, updated.SetPasswordUntil = users.HashPassword(pw), "", time.Time{}
	updated.UpdatedAt = h.Now().UTC()
	if err := h.Store.UpdateUser(ctx, &updated); err != nil {
		h.linkRefused(c, b, err)
		return
	}
	h.Events.Record(ctx, store.Event{Type: "user.password_set", Actor: u.Username, Target: "user:" + u.Username, Address: c.ClientIP(),
		Detail: "through a set-password link"})
	h.renderSetPassword(c, b, http.StatusOK, setPasswordView{Done: true, Username: u.Username})
}

// linkPage is GET /admin/users/:id/link: the link just issued, once.
func (h *Handler) linkPage(c *gin.Context) {
	u := h.targetUser(c)
	if u == nil {
		return
	}
	b := browser(c)
	id, link, _ := cut(b.Value(keyLink))
	if id != u.ID {
		link = ""
	} else {
		b.SetValue(keyLink, "")
	}
	h.render(c, b, http.StatusOK, "link", "Set-password link", page{Data: map[string]any{"User": u, "Link": link,
		"Hours": int(SetPasswordLifetime.Hours())}})
}
