package web

import (
	"crypto/subtle"
	"net/http"
	"net/url"
)

// CSRFField is the hidden form field carrying the CSRF token.
const CSRFField = "csrf_token"

// checkCSRF accepts a POST only when its form token equals the session's
// (synchronizer token) and, when the browser sends an Origin, that origin
// is ours. SameSite=Lax already keeps the cookie off cross-site POSTs;
// this holds without relying on it.
func (h *Handler) checkCSRF(r *http.Request, s *session) bool {
	if o := r.Header.Get("Origin"); o != "" && o != "null" && o != h.origin() {
		return false
	}
	want := s.get(keyCSRF)
	got := r.PostForm.Get(CSRFField)
	return want != "" && subtle.ConstantTimeCompare([]byte(want), []byte(got)) == 1
}

// origin is the issuer's scheme://host.
func (h *Handler) origin() string {
	u, err := url.Parse(h.issuer)
	if err != nil {
		return ""
	}
	return u.Scheme + "://" + u.Host
}
