package upstream

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"golang.org/x/oauth2"

	"github.com/smartgate/auth-server/internal/config"
)

// Provider is one upstream OpenID provider.
type Provider struct {
	cfg         config.Upstream
	redirectURI string
	client      *http.Client
	signer      jwk.Key // private_key_jwt only
	log         *slog.Logger
	now         func() time.Time

	mu sync.Mutex
	md *metadata // nil until a discovery succeeded
}

// metadata is what discovery found.
type metadata struct {
	provider *oidc.Provider
	verifier *oidc.IDTokenVerifier
	// issParam: the provider says it sends iss with every authorization
	// response (RFC 9207), so one without it is refused.
	issParam bool
	// assertionAlgs are its token_endpoint_auth_signing_alg_values_supported.
	assertionAlgs []string
	// endSession is its end_session_endpoint (RP-initiated logout), or "".
	endSession string
}

// ID is the provider's id (in paths).
func (p *Provider) ID() string { return p.cfg.ID }

// Name is shown on its button.
func (p *Provider) Name() string { return p.cfg.Name }

// AutoCreate reports whether unknown identities get a new local user.
func (p *Provider) AutoCreate() bool { return p.cfg.AutoCreate }

// discover fetches the provider's metadata and keeps it.
func (p *Provider) discover(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(oidc.ClientContext(ctx, p.client), discoveryTimeout)
	defer cancel()
	op, err := oidc.NewProvider(ctx, p.cfg.Issuer)
	if err != nil {
		return fmt.Errorf("%w: discovery: %v", ErrUnavailable, err)
	}
	var extra struct {
		IssParam      bool     `json:"authorization_response_iss_parameter_supported"`
		AssertionAlgs []string `json:"token_endpoint_auth_signing_alg_values_supported"`
		EndSession    string   `json:"end_session_endpoint"`
	}
	if err := op.Claims(&extra); err != nil {
		return fmt.Errorf("%w: discovery: %v", ErrUnavailable, err)
	}
	// The verifier fetches the JWKS with p.client, on a context that
	// outlives this request.
	keyCtx := oidc.ClientContext(context.WithoutCancel(ctx), p.client)
	md := &metadata{
		provider:      op,
		verifier:      op.VerifierContext(keyCtx, &oidc.Config{ClientID: p.cfg.ClientID, Now: p.now}),
		issParam:      extra.IssParam,
		assertionAlgs: extra.AssertionAlgs,
		endSession:    extra.EndSession,
	}
	p.mu.Lock()
	p.md = md
	p.mu.Unlock()
	return nil
}

// metadata returns what the last discovery found, discovering first when
// none has succeeded yet.
func (p *Provider) metadata(ctx context.Context) (*metadata, error) {
	p.mu.Lock()
	md := p.md
	p.mu.Unlock()
	if md != nil {
		return md, nil
	}
	if err := p.discover(ctx); err != nil {
		return nil, err
	}
	return p.metadata(ctx)
}

// oauth2Config is the code flow's configuration at the provider.
func (p *Provider) oauth2Config(md *metadata) *oauth2.Config {
	ep := md.provider.Endpoint()
	switch p.cfg.TokenEndpointAuthMethod {
	case config.AuthSecretPost, config.AuthPrivateKeyJWT:
		ep.AuthStyle = oauth2.AuthStyleInParams
	default:
		ep.AuthStyle = oauth2.AuthStyleInHeader
	}
	c := &oauth2.Config{ClientID: p.cfg.ClientID, Endpoint: ep, RedirectURL: p.redirectURI, Scopes: p.cfg.Scopes}
	if p.cfg.TokenEndpointAuthMethod != config.AuthPrivateKeyJWT {
		c.ClientSecret = p.cfg.ClientSecret
	}
	return c
}

// LogoutURL is where to send the browser after a local logout so that
// the provider ends its session too (OpenID Connect RP-Initiated Logout,
// identifying us by client_id), coming back to postLogout; "" when the
// provider advertises no end_session_endpoint or was never discovered.
func (p *Provider) LogoutURL(postLogout string) string {
	p.mu.Lock()
	md := p.md
	p.mu.Unlock()
	if md == nil || md.endSession == "" {
		return ""
	}
	u, err := url.Parse(md.endSession)
	if err != nil {
		return ""
	}
	q := u.Query()
	q.Set("client_id", p.cfg.ClientID)
	q.Set("post_logout_redirect_uri", postLogout)
	u.RawQuery = q.Encode()
	return u.String()
}

// Pending is a sign-in sent to the provider: kept in the browser's
// session until the callback, which must match it.
type Pending struct {
	Provider string `json:"provider"`
	State    string `json:"state"`
	Nonce    string `json:"nonce"`
	Verifier string `json:"verifier"`
	// LinkFor is the local user who asked to link this identity to their
	// account ("" for a sign-in).
	LinkFor string `json:"link_for,omitempty"`
}

// Begin starts a sign-in: it discovers the provider again (so a provider
// that is down is reported here, not by a dead page at the provider) and
// returns where to send the browser and what to keep for the callback.
func (p *Provider) Begin(ctx context.Context) (string, *Pending, error) {
	if err := p.discover(ctx); err != nil {
		return "", nil, err
	}
	md, err := p.metadata(ctx)
	if err != nil {
		return "", nil, err
	}
	pend := &Pending{Provider: p.cfg.ID, State: rand.Text() + rand.Text(), Nonce: rand.Text() + rand.Text(), Verifier: oauth2.GenerateVerifier()}
	opts := []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(pend.Verifier), oidc.Nonce(pend.Nonce)}
	if len(p.cfg.ACRValues) > 0 {
		opts = append(opts, oauth2.SetAuthURLParam("acr_values", strings.Join(p.cfg.ACRValues, " ")))
	}
	return p.oauth2Config(md).AuthCodeURL(pend.State, opts...), pend, nil
}

// Identity is a person the provider vouched for.
type Identity struct {
	Provider      string
	Subject       string
	Username      string // the configured username claim, for display
	Email         string
	EmailVerified bool
	Name          string
}

// Label names the identity for people: its username, email or subject.
func (id *Identity) Label() string {
	for _, s := range []string{id.Username, id.Email} {
		if s != "" {
			return s
		}
	}
	return id.Subject
}

// Finish checks the provider's callback (query) against pend, redeems
// the code with the PKCE verifier and verifies the ID token: signature
// against the provider's JWKS, iss, aud, exp (go-oidc), then nonce, azp
// and acr. Errors wrap ErrInvalid, ErrDenied or ErrUnavailable.
func (p *Provider) Finish(ctx context.Context, pend *Pending, query url.Values) (*Identity, error) {
	if pend == nil || pend.Provider != p.cfg.ID || !same(query.Get("state"), pend.State) {
		return nil, fmt.Errorf("%w: state does not match this browser's sign-in", ErrInvalid)
	}
	md, err := p.metadata(ctx)
	if err != nil {
		return nil, err
	}
	if iss, sent := query["iss"]; sent && (len(iss) != 1 || iss[0] != p.cfg.Issuer) {
		return nil, fmt.Errorf("%w: iss %q is not the provider's issuer", ErrInvalid, query.Get("iss"))
	} else if !sent && md.issParam {
		return nil, fmt.Errorf("%w: iss missing though the provider always sends it", ErrInvalid)
	}
	if e := query.Get("error"); e != "" {
		return nil, fmt.Errorf("%w: %s: %s", ErrDenied, e, query.Get("error_description"))
	}
	code := query.Get("code")
	if code == "" {
		return nil, fmt.Errorf("%w: no code", ErrInvalid)
	}
	opts := []oauth2.AuthCodeOption{oauth2.VerifierOption(pend.Verifier)}
	if p.cfg.TokenEndpointAuthMethod == config.AuthPrivateKeyJWT {
		assertion, err := p.clientAssertion(md)
		if err != nil {
			return nil, err
		}
		opts = append(opts,
			oauth2.SetAuthURLParam("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"),
			oauth2.SetAuthURLParam("client_assertion", assertion))
	}
	tok, err := p.oauth2Config(md).Exchange(oidc.ClientContext(ctx, p.client), code, opts...)
	if err != nil {
		if re := (*oauth2.RetrieveError)(nil); errors.As(err, &re) && re.Response != nil && re.Response.StatusCode < 500 {
			return nil, fmt.Errorf("%w: the provider refused the code: %s", ErrInvalid, re.ErrorCode)
		}
		return nil, fmt.Errorf("%w: token endpoint: %v", ErrUnavailable, err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return nil, fmt.Errorf("%w: no ID token", ErrInvalid)
	}
	subject, claims, err := p.verify(ctx, md, raw, pend.Nonce)
	if err != nil {
		return nil, err
	}
	if err := p.addUserInfo(ctx, md, tok, subject, claims); err != nil {
		return nil, err
	}
	return p.identity(subject, claims), nil
}

// verify checks an ID token and returns its subject and claims.
func (p *Provider) verify(ctx context.Context, md *metadata, raw, nonce string) (string, map[string]any, error) {
	idt, err := md.verifier.Verify(oidc.ClientContext(ctx, p.client), raw)
	if err != nil {
		if strings.Contains(err.Error(), "fetching keys") {
			return "", nil, fmt.Errorf("%w: JWKS: %v", ErrUnavailable, err)
		}
		return "", nil, fmt.Errorf("%w: ID token: %v", ErrInvalid, err)
	}
	if !same(idt.Nonce, nonce) {
		return "", nil, fmt.Errorf("%w: ID token nonce does not match this sign-in", ErrInvalid)
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		return "", nil, fmt.Errorf("%w: ID token claims: %v", ErrInvalid, err)
	}
	azp, _ := claims["azp"].(string)
	if (azp != "" || len(idt.Audience) > 1) && azp != p.cfg.ClientID {
		return "", nil, fmt.Errorf("%w: ID token azp %q is not our client id", ErrInvalid, azp)
	}
	if len(p.cfg.ACRValues) > 0 {
		if acr, _ := claims["acr"].(string); !slices.Contains(p.cfg.ACRValues, acr) {
			return "", nil, fmt.Errorf("%w: ID token acr %q is not one asked for", ErrInvalid, acr)
		}
	}
	if idt.Subject == "" {
		return "", nil, fmt.Errorf("%w: ID token without sub", ErrInvalid)
	}
	return idt.Subject, claims, nil
}

// addUserInfo adds the claims the ID token lacks from the provider's
// userinfo endpoint (many providers, NHS login among them, put email and
// name there only). Its sub must be the ID token's (OpenID Connect Core
// 5.3.2); the ID token's own claims win.
func (p *Provider) addUserInfo(ctx context.Context, md *metadata, tok *oauth2.Token, subject string, claims map[string]any) error {
	missing := false
	for _, c := range []string{p.cfg.Claims.Username, p.cfg.Claims.Email, p.cfg.Claims.Name} {
		if _, ok := claims[c]; !ok {
			missing = true
		}
	}
	if !missing || md.provider.UserInfoEndpoint() == "" {
		return nil
	}
	ui, err := md.provider.UserInfo(oidc.ClientContext(ctx, p.client), oauth2.StaticTokenSource(tok))
	if err != nil {
		return fmt.Errorf("%w: userinfo: %v", ErrUnavailable, err)
	}
	if ui.Subject != subject {
		return fmt.Errorf("%w: userinfo sub is not the ID token's", ErrInvalid)
	}
	var extra map[string]any
	if err := ui.Claims(&extra); err != nil {
		return fmt.Errorf("%w: userinfo claims: %v", ErrInvalid, err)
	}
	for k, v := range extra {
		if _, ok := claims[k]; !ok {
			claims[k] = v
		}
	}
	return nil
}

// identity reads the configured claims.
func (p *Provider) identity(subject string, claims map[string]any) *Identity {
	id := &Identity{
		Provider: p.cfg.ID, Subject: subject,
		Username: claimString(claims, p.cfg.Claims.Username),
		Email:    claimString(claims, p.cfg.Claims.Email),
		Name:     claimString(claims, p.cfg.Claims.Name),
	}
	switch v := claims["email_verified"].(type) {
	case bool:
		id.EmailVerified = v
	case string: // some providers send "true"
		id.EmailVerified = v == "true"
	}
	return id
}

// Admits reports whether the provider's allowed_domains let id in: with
// domains configured, only a verified email in one of them does.
func (p *Provider) Admits(id *Identity) bool {
	if len(p.cfg.AllowedDomains) == 0 {
		return true
	}
	at := strings.LastIndexByte(id.Email, '@')
	return id.EmailVerified && at > 0 && slices.Contains(p.cfg.AllowedDomains, strings.ToLower(id.Email[at+1:]))
}

func claimString(claims map[string]any, name string) string {
	s, _ := claims[name].(string)
	return s
}

// same compares two secrets in constant time; empty never matches.
func same(got, want string) bool {
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}
