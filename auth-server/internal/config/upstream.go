package config

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// Upstream is one OpenID provider people may sign in through, an entry
// of the file named by upstream_providers_file. Its redirect URI, to be
// registered at the provider, is <issuer>/login/<id>/callback.
type Upstream struct {
	// ID names the provider in paths and in the usernames auto_create
	// makes (<id>:<sub>).
	ID string `yaml:"id"`
	// Name is shown on the sign-in button.
	Name   string `yaml:"name"`
	Issuer string `yaml:"issuer"`
	// ClientID and the secret (inline or in a file) we authenticate
	// with at the provider's token endpoint.
	ClientID         string `yaml:"client_id"`
	ClientSecret     string `yaml:"client_secret"`
	ClientSecretFile string `yaml:"client_secret_file"`
	// Scopes asked for; openid must be one of them.
	Scopes []string `yaml:"scopes"`
	// AllowedDomains, when set, admit only people whose email (with
	// email_verified true) is in one of these domains.
	AllowedDomains []string `yaml:"allowed_domains"`
	// Claims names the ID-token claims that hold the username (shown to
	// the person and to administrators), the email and the display name.
	Claims UpstreamClaims `yaml:"claims"`
	// AutoCreate makes a local user without role or patient, named
	// <id>:<sub>, for an identity not linked yet.
	AutoCreate bool `yaml:"auto_create"`
	// ACRValues are asked for (acr_values) and the ID token's acr must be
	// one of them.
	ACRValues []string `yaml:"acr_values"`
	// TokenEndpointAuthMethod is client_secret_basic (default),
	// client_secret_post or private_key_jwt (signed with PrivateKeyFile,
	// a PEM or JWK key; its kid is the JWK's or the RFC 7638 thumbprint).
	TokenEndpointAuthMethod string `yaml:"token_endpoint_auth_method"`
	PrivateKeyFile          string `yaml:"private_key_file"`
}

// UpstreamClaims maps the upstream claims we read.
type UpstreamClaims struct {
	Username string `yaml:"username"`
	Email    string `yaml:"email"`
	Name     string `yaml:"name"`
}

// Token endpoint authentication methods towards a provider.
const (
	AuthSecretBasic   = "client_secret_basic"
	AuthSecretPost    = "client_secret_post"
	AuthPrivateKeyJWT = "private_key_jwt"
)

var upstreamID = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,39}$`)

// ReadUpstreams reads and validates the providers file, filling the
// defaults and reading client_secret_file. An empty path is no providers.
func ReadUpstreams(path string) ([]Upstream, error) {
	if path == "" {
		return nil, nil
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("upstream providers: %w", err)
	}
	var list []Upstream
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(&list); err != nil {
		return nil, fmt.Errorf("upstream providers %s: %w", path, err)
	}
	var errs []error
	seen := map[string]bool{}
	for i := range list {
		u := &list[i]
		u.defaults()
		if err := u.readSecret(); err != nil {
			errs = append(errs, err)
		}
		for _, e := range u.validate() {
			errs = append(errs, fmt.Errorf("upstream providers %s: entry %d (%q): %w", path, i+1, u.ID, e))
		}
		if seen[u.ID] {
			errs = append(errs, fmt.Errorf("upstream providers %s: id %q appears twice", path, u.ID))
		}
		seen[u.ID] = true
	}
	return list, errors.Join(errs...)
}

func (u *Upstream) defaults() {
	if len(u.Scopes) == 0 {
		u.Scopes = []string{"openid", "email", "profile"}
	}
	if u.Claims.Username == "" {
		u.Claims.Username = "preferred_username"
	}
	if u.Claims.Email == "" {
		u.Claims.Email = "email"
	}
	if u.Claims.Name == "" {
		u.Claims.Name = "name"
	}
	if u.TokenEndpointAuthMethod == "" {
		u.TokenEndpointAuthMethod = AuthSecretBasic
	}
	for i, d := range u.AllowedDomains {
		u.AllowedDomains[i] = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(d), "@"))
	}
}

func (u *Upstream) readSecret() error {
	if u.ClientSecretFile == "" {
		return nil
	}
	raw, err := os.ReadFile(u.ClientSecretFile)
	if err != nil {
		return fmt.Errorf("upstream provider %q: client_secret_file: %w", u.ID, err)
	}
	u.ClientSecret = strings.TrimSpace(string(raw))
	return nil
}

func (u *Upstream) validate() []error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if !upstreamID.MatchString(u.ID) {
		bad("id %q: want 1-40 of a-z, 0-9, - and _, starting with a letter or digit", u.ID)
	}
	if strings.TrimSpace(u.Name) == "" {
		bad("name is empty")
	}
	if err := checkIssuer(u.Issuer); err != nil {
		bad("issuer: %v", err)
	}
	if u.ClientID == "" {
		bad("client_id is empty")
	}
	switch u.TokenEndpointAuthMethod {
	case AuthSecretBasic, AuthSecretPost:
		if u.ClientSecret == "" {
			bad("client_secret (or client_secret_file) is empty")
		}
		if u.PrivateKeyFile != "" {
			bad("private_key_file is only for token_endpoint_auth_method private_key_jwt")
		}
	case AuthPrivateKeyJWT:
		if u.PrivateKeyFile == "" {
			bad("private_key_jwt needs private_key_file")
		}
	default:
		bad("token_endpoint_auth_method %q: want client_secret_basic, client_secret_post or private_key_jwt", u.TokenEndpointAuthMethod)
	}
	if u.ClientSecret != "" && u.TokenEndpointAuthMethod == AuthPrivateKeyJWT {
		bad("private_key_jwt takes no client secret")
	}
	if !slices.Contains(u.Scopes, "openid") {
		bad("scopes must include openid")
	}
	for _, d := range u.AllowedDomains {
		if d == "" || strings.ContainsAny(d, "@/ ") {
			bad("allowed_domains: %q is not a domain", d)
		}
	}
	return errs
}

// checkIssuer accepts an https URL, or http on a loopback host (tests and
// local demos).
func checkIssuer(s string) error {
	if err := checkBaseURL(s); err != nil {
		return err
	}
	u, _ := url.Parse(s)
	if u.Scheme == "https" {
		return nil
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); host == "localhost" || (ip != nil && ip.IsLoopback()) {
		return nil
	}
	return fmt.Errorf("%q: want https (http only on a loopback host)", s)
}
