package registration

import (
	"net/http"

	"github.com/smartgate/auth-server/internal/oauth"
)

// The errors of RFC 7591 section 3.2.2 and RFC 7592 section 3, as the
// auth-server's error values (rendered by oauth.WriteError).
var (
	ErrInvalidRedirectURI = &oauth.Error{Code: "invalid_redirect_uri", Status: http.StatusBadRequest}
	ErrInvalidMetadata    = &oauth.Error{Code: "invalid_client_metadata", Status: http.StatusBadRequest}
	ErrInvalidToken       = &oauth.Error{Code: "invalid_token", Description: "the access token is missing, unknown or expired", Status: http.StatusUnauthorized}
)

// BearerChallenge is the WWW-Authenticate value of a 401 from the
// registration endpoints (RFC 6750 section 3).
func BearerChallenge() string {
	return `Bearer realm="` + oauth.Realm + `", error="invalid_token"`
}

func invalidMetadata(desc string) error    { return ErrInvalidMetadata.WithDescription(desc) }
func invalidRedirectURI(desc string) error { return ErrInvalidRedirectURI.WithDescription(desc) }
