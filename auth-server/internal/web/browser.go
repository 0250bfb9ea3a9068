package web

import (
	"net/http"
	"regexp"

	"github.com/gin-gonic/gin"

	"github.com/smartgate/auth-server/internal/store"
)

// Browser is a request's browser session as the pages of other packages
// (the admin console) see it: who is signed in, the CSRF token of its
// forms, and values of their own kept in the encrypted cookie.
type Browser struct {
	h *Handler
	s *session
	// User is the signed-in user; nil when no one is (or the user is
	// disabled or gone).
	User *store.User
}

// Browser reads the request's session.
func (h *Handler) Browser(c *gin.Context) *Browser {
	s := h.Sessions.load(c.Request)
	return &Browser{h: h, s: s, User: h.currentUser(c, s)}
}

// SessionIDHash names the session's store record ("" when signed out).
func (b *Browser) SessionIDHash() string {
	if sid := b.s.get(keySID); sid != "" {
		return store.HashToken(sid)
	}
	return ""
}

// CSRF is the token the session's forms carry (field CSRFField).
func (b *Browser) CSRF() string { return b.s.csrf() }

// CheckCSRF reports whether a parsed form post carries the session's
// CSRF token and, when the browser sends an Origin, comes from ours.
func (b *Browser) CheckCSRF(r *http.Request) bool { return b.h.checkCSRF(r, b.s) }

// Value and SetValue read and write a value of the caller's own under
// key (kept apart from the pages' values; "" deletes it).
func (b *Browser) Value(key string) string    { return b.s.get("x:" + key) }
func (b *Browser) SetValue(key, value string) { b.s.set("x:"+key, value) }

// Save writes the cookie; call it before the response is written.
func (b *Browser) Save(c *gin.Context) error { return b.s.save(c.Request, c.Writer) }

// StaticURL is where the pages' stylesheet and scripts are served.
func (h *Handler) StaticURL() string { return h.issuer + StaticPath }

// SecurityHeaders sets the headers every page carries (no caching, no
// framing, a Content-Security-Policy without scripts).
func SecurityHeaders(w http.ResponseWriter) { securityHeaders(w) }

// AdminPath is the admin console; signing in may return to its pages.
const AdminPath = "/admin"

var adminNextRe = regexp.MustCompile(`^/admin(/[A-Za-z0-9._~-]+)*$`)
