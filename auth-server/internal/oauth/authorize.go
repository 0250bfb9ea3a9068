package oauth

import (
	"context"
	"errors"
	"net/url"
	"strings"

	"github.com/smartgate/pkg/smart"

	"github.com/smartgate/auth-server/internal/clients"
	"github.com/smartgate/auth-server/internal/store"
)

// Authorization-endpoint errors that RFC 6749 section 4.1.2.1 adds.
var (
	ErrUnsupportedResponseType = &Error{Code: "unsupported_response_type", Status: 400}
	ErrLoginRequired           = &Error{Code: "login_required", Status: 400}
)

// AuthorizeRequest is a validated request to /authorize (SMART standalone
// launch). It is kept in the browser session while the user logs in,
// picks a patient and consents, so it serialises as JSON.
type AuthorizeRequest struct {
	ClientID      string   `json:"client_id"`
	RedirectURI   string   `json:"redirect_uri"`
	State         string   `json:"state"`
	Scopes        []string `json:"scopes"`
	CodeChallenge string   `json:"code_challenge"`
	Nonce         string   `json:"nonce,omitempty"`
}

// Has reports whether scope was requested.
func (r *AuthorizeRequest) Has(scope string) bool {
	for _, s := range r.Scopes {
		if s == scope {
			return true
		}
	}
	return false
}

// AuthorizeError is a refused authorization request. When RedirectURI is
// empty the client or its redirect URI could not be trusted and the error
// must be shown on our own page, never redirected (no open redirect).
// Otherwise it goes back to the client with state (section 4.1.2.1).
type AuthorizeError struct {
	Err         *Error
	RedirectURI string
	State       string
}

func (e *AuthorizeError) Error() string { return e.Err.Error() }

// Location is the redirect carrying the error back to the client.
func (e *AuthorizeError) Location() string {
	v := url.Values{"error": {e.Err.Code}}
	if e.Err.Description != "" {
		v.Set("error_description", e.Err.Description)
	}
	if e.State != "" {
		v.Set("state", e.State)
	}
	return appendQuery(e.RedirectURI, v)
}

// SuccessLocation is the redirect carrying a code back to the client.
func (r *AuthorizeRequest) SuccessLocation(code string) string {
	v := url.Values{"code": {code}}
	if r.State != "" {
		v.Set("state", r.State)
	}
	return appendQuery(r.RedirectURI, v)
}

// Refuse returns an error that redirects to this request's client.
func (r *AuthorizeRequest) Refuse(e *Error) *AuthorizeError {
	return &AuthorizeError{Err: e, RedirectURI: r.RedirectURI, State: r.State}
}

func appendQuery(base string, v url.Values) string {
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + v.Encode()
}

// ParseAuthorize validates the parameters of GET or POST /authorize
// (authorize-post) in the order that decides where errors go: first the
// client and the redirect URI (errors on our page), then everything else
// (errors redirected with state). audience is the FHIR base URL that aud
// must name.
func ParseAuthorize(ctx context.Context, cs store.ClientStore, p url.Values, audience string) (*AuthorizeRequest, error) {
	page := func(d string) error { return &AuthorizeError{Err: ErrInvalidRequest.WithDescription(d)} }
	for k, vs := range p {
		if len(vs) > 1 {
			return nil, page("parameter " + k + " is repeated")
		}
	}
	clientID := p.Get("client_id")
	if clientID == "" {
		return nil, page("client_id is missing")
	}
	c, err := cs.GetClient(ctx, clientID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, page("this application is not registered here")
	}
	if err != nil {
		return nil, err
	}
	uri := p.Get("redirect_uri")
	if uri == "" {
		return nil, page("redirect_uri is missing")
	}
	if !RedirectURIRegistered(c, uri) {
		return nil, page("the redirect_uri is not one the application registered")
	}

	req := &AuthorizeRequest{ClientID: c.ID, RedirectURI: uri, State: p.Get("state"), Nonce: p.Get("nonce")}
	refuse := func(e *Error, d string) error { return req.Refuse(e.WithDescription(d)) }
	switch {
	case p.Get("response_type") != "code":
		return nil, refuse(ErrUnsupportedResponseType, "response_type must be code")
	case !clients.HasGrant(c, "authorization_code"):
		return nil, refuse(ErrUnauthorizedClient, "the client is not registered for the authorization code flow")
	case req.State == "":
		return nil, refuse(ErrInvalidRequest, "state is required")
	case p.Has("request") || p.Has("request_uri"):
		return nil, refuse(ErrInvalidRequest, "request objects are not supported")
	case p.Get("code_challenge_method") != PKCEMethodS256:
		return nil, refuse(ErrInvalidRequest, "PKCE is required with code_challenge_method=S256 (plain is not accepted)")
	case !ValidCodeChallenge(p.Get("code_challenge")):
		return nil, refuse(ErrInvalidRequest, "code_challenge must be a base64url SHA-256 digest")
	case strings.TrimRight(p.Get("aud"), "/") != strings.TrimRight(audience, "/"):
		return nil, refuse(ErrInvalidRequest, "aud must be the FHIR server's base URL "+audience)
	}
	req.CodeChallenge = p.Get("code_challenge")
	req.Scopes = dedupe(strings.Fields(p.Get("scope")))
	if len(req.Scopes) == 0 {
		return nil, refuse(ErrInvalidScope, "scope is required")
	}
	if missing := smart.Uncovered(c.Scopes, req.Scopes); len(missing) > 0 {
		return nil, refuse(ErrInvalidScope, "scope not permitted for this client: "+strings.Join(missing, " "))
	}
	if p.Get("prompt") == "none" {
		return nil, refuse(ErrLoginRequired, "prompt=none is not supported: the user must log in and consent")
	}
	return req, nil
}
