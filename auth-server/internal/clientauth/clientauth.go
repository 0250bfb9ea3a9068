// Package clientauth authenticates OAuth2 clients at the token,
// introspection and revocation endpoints, in our HTTP layer and before
// go-oauth2 sees the request: client_secret_basic (RFC 6749 section 2.3.1,
// form-urlencoded id and secret) and client_secret_post. The authenticated
// client travels on in the request context.
package clientauth

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/smartgate/auth-server/internal/clients"
	"github.com/smartgate/auth-server/internal/store"
)

// Failure kinds. ErrMalformed, ErrMultipleMethods and ErrSecretInURL are
// request mistakes (invalid_request); ErrBadBasic and ErrInvalidClient are
// failed authentications (401 invalid_client); ErrNoCredentials means none
// were given.
var (
	ErrNoCredentials   = errors.New("no client credentials")
	ErrMalformed       = errors.New("malformed client credentials")
	ErrMultipleMethods = errors.New("more than one client authentication method used")
	ErrSecretInURL     = errors.New("client_secret must not be sent in the URL")
	ErrBadBasic        = errors.New("malformed Basic authorization header")
	ErrInvalidClient   = errors.New("client authentication failed")
)

// The kinds of ErrInvalidClient Authenticate returns, for metrics and
// logs only: the client's answer is the same invalid_client either way.
var (
	ErrUnknownClient = fmt.Errorf("%w: unknown client", ErrInvalidClient)
	ErrBadSecret     = fmt.Errorf("%w: wrong secret", ErrInvalidClient)
	ErrWrongMethod   = fmt.Errorf("%w: not the registered authentication method", ErrInvalidClient)
)

// Method names as in RFC 7591 token_endpoint_auth_method.
const (
	MethodBasic = "client_secret_basic"
	MethodPost  = "client_secret_post"
)

// Credentials are what a request presents, before checking.
type Credentials struct {
	ClientID string
	Secret   string
	Method   string
}

// Extract reads the client credentials of a request whose form has been
// parsed (r.ParseForm). The secret is accepted only from the Authorization
// header or the request body, never the query string.
func Extract(r *http.Request) (Credentials, error) {
	if r.URL.Query().Has("client_secret") {
		return Credentials{}, ErrSecretInURL
	}
	header := r.Header.Get("Authorization")
	postID, postSecret := r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	if header != "" {
		if postSecret != "" {
			return Credentials{}, ErrMultipleMethods
		}
		id, secret, err := parseBasic(header)
		if err != nil {
			return Credentials{}, err
		}
		// A client_id parameter beside Basic must name the same client.
		if qid := formClientID(r); qid != "" && qid != id {
			return Credentials{}, ErrMalformed
		}
		return Credentials{ClientID: id, Secret: secret, Method: MethodBasic}, nil
	}
	if postSecret != "" {
		if postID == "" {
			return Credentials{}, ErrMalformed
		}
		return Credentials{ClientID: postID, Secret: postSecret, Method: MethodPost}, nil
	}
	return Credentials{ClientID: formClientID(r)}, ErrNoCredentials
}

// formClientID is client_id from the body, or else from the query (the
// seed's example request puts it there).
func formClientID(r *http.Request) string {
	if id := r.PostForm.Get("client_id"); id != "" {
		return id
	}
	return r.URL.Query().Get("client_id")
}

// parseBasic decodes "Basic base64(urlenc(id):urlenc(secret))".
func parseBasic(header string) (string, string, error) {
	scheme, payload, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Basic") {
		return "", "", ErrBadBasic
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(payload))
	if err != nil {
		return "", "", ErrBadBasic
	}
	encID, encSecret, ok := strings.Cut(string(raw), ":")
	if !ok {
		return "", "", ErrBadBasic
	}
	id, err1 := url.QueryUnescape(encID)
	secret, err2 := url.QueryUnescape(encSecret)
	if err1 != nil || err2 != nil || id == "" {
		return "", "", ErrBadBasic
	}
	return id, secret, nil
}

// Authenticate checks credentials against the store. Every failure,
// unknown client included, is ErrInvalidClient (no oracle for ids). A
// client that declares its token_endpoint_auth_method (every RFC 7591,
// portal and operator registration does) must use that one (RFC 7591
// section 2): a secret meant for Basic is refused in the body and the
// other way round. Clients that declare none (the seed clients of
// config/clients.yaml) may use either.
func Authenticate(ctx context.Context, cs store.ClientStore, cr Credentials) (*store.Client, error) {
	c, err := cs.GetClient(ctx, cr.ClientID)
	if errors.Is(err, store.ErrNotFound) {
		clients.VerifySecret(clients.HashSecret("x"), cr.Secret) // similar work either way
		return nil, ErrUnknownClient
	}
	if err != nil {
		return nil, err
	}
	if !clients.VerifySecret(c.SecretHash, cr.Secret) {
		return nil, ErrBadSecret
	}
	if c.TokenEndpointAuthMethod != "" && c.TokenEndpointAuthMethod != cr.Method {
		return nil, ErrWrongMethod
	}
	return c, nil
}

type ctxKey struct{}

// WithClient returns ctx carrying the authenticated client.
func WithClient(ctx context.Context, c *store.Client) context.Context {
	return context.WithValue(ctx, ctxKey{}, c)
}

// FromContext returns the client authenticated for this request, if any.
func FromContext(ctx context.Context) (*store.Client, bool) {
	c, ok := ctx.Value(ctxKey{}).(*store.Client)
	return c, ok && c != nil
}
