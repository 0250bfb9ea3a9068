package oauth

import (
	"net/http"
	"net/url"
)

// queryParams are the only parameters the token endpoint takes from the
// URL (the seed's example request puts them there). Everything else,
// notably client_secret, code, code_verifier, refresh_token, username and
// password, must come in the body.
var queryParams = []string{"grant_type", "scope", "client_id"}

// restrictParams replaces r.Form, which the engine reads through
// FormValue, with the body parameters plus the permitted query parameters.
// A parameter given twice, or in both places with different values, is an
// invalid_request (RFC 6749 section 3.2).
func restrictParams(r *http.Request) error {
	if r.PostForm == nil {
		if err := r.ParseForm(); err != nil {
			return ErrInvalidRequest.WithDescription("malformed form body")
		}
	}
	form := url.Values{}
	for k, vs := range r.PostForm {
		if len(vs) > 1 {
			return ErrInvalidRequest.WithDescription("parameter " + k + " is repeated")
		}
		form[k] = vs
	}
	q := r.URL.Query()
	if q.Has("client_secret") {
		return ErrInvalidRequest.WithDescription("client_secret must not be sent in the URL")
	}
	for _, k := range queryParams {
		vs, ok := q[k]
		if !ok {
			continue
		}
		if len(vs) > 1 {
			return ErrInvalidRequest.WithDescription("parameter " + k + " is repeated")
		}
		if body, ok := form[k]; ok && body[0] != vs[0] {
			return ErrInvalidRequest.WithDescription("parameter " + k + " differs between URL and body")
		}
		form[k] = vs
	}
	r.Form = form
	return nil
}
