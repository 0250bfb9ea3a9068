package oauth

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/go-oauth2/oauth2/v4"
	"github.com/go-oauth2/oauth2/v4/models"
	"github.com/lestrrat-go/jwx/v2/jwt"

	"github.com/smartgate/auth-server/internal/clients"
	"github.com/smartgate/auth-server/internal/store"
)

// UserTokenStore is what the user-facing grants keep.
type UserTokenStore interface {
	store.AuthCodeStore
	store.RefreshTokenStore
	store.RevocationStore
	store.UserStore
}

// UserTokensOptions configure the user-facing grants.
type UserTokensOptions struct {
	Issuer            string
	Lifetime          time.Duration // access tokens and id_tokens
	RefreshLifetime   time.Duration
	RefreshGrace      time.Duration // 0: any reuse revokes the family
	SmartStyleURL     string
	NeedPatientBanner bool
}

// UserTokens issues and revokes the tokens of a user's authorization: the
// access token (through the engine's JWT generator, so every access token
// has one shape), the refresh token and the id_token. The grants in
// grant_code.go and grant_refresh.go use it.
type UserTokens struct {
	store  UserTokenStore
	gen    *AccessGenerator
	signer Signer
	opts   UserTokensOptions
	log    *slog.Logger
	now    func() time.Time
}

// NewUserTokens wires the user-facing token issuer.
func NewUserTokens(st UserTokenStore, signer Signer, audience string, opts UserTokensOptions, log *slog.Logger, now func() time.Time) *UserTokens {
	if now == nil {
		now = time.Now
	}
	return &UserTokens{store: st, gen: NewAccessGenerator(signer, opts.Issuer, audience), signer: signer, opts: opts, log: log, now: now}
}

// issueRequest is one issuance: from a code, or from a refresh token.
type issueRequest struct {
	client        *store.Client
	user          *store.User
	scopes        []string // of the access token
	refreshScopes []string // of the refresh token (never wider than granted)
	launch        map[string]string
	nonce         string
	authTime      time.Time
	family        string // refresh family to continue; empty starts one
}

// issued is what a grant answers plus what it must remember.
type issued struct {
	body      map[string]any
	accessJTI string
	family    string
	keepUntil time.Time
}

func (u *UserTokens) issue(ctx context.Context, in issueRequest) (*issued, error) {
	user := in.user
	now := u.now()
	ext := map[string]string{}
	if p := in.launch["patient"]; p != "" {
		ext[ExtPatient] = p
	}
	if user.FHIRUser != "" && (has(in.scopes, "fhirUser") || has(in.scopes, "openid")) {
		ext[ExtFHIRUser] = user.FHIRUser
	}
	access, jti, err := u.access(ctx, in.client, user.ID, strings.Join(in.scopes, " "), ext, now)
	if err != nil {
		return nil, err
	}
	out := &issued{accessJTI: jti, keepUntil: now.Add(u.opts.Lifetime)}
	body := map[string]any{
		"access_token": access, "token_type": "Bearer",
		"expires_in": int64(u.opts.Lifetime / time.Second), "scope": strings.Join(in.scopes, " "),
	}
	if p := in.launch["patient"]; p != "" {
		body["patient"] = p
		body["need_patient_banner"] = u.opts.NeedPatientBanner
	}
	if u.opts.SmartStyleURL != "" {
		body["smart_style_url"] = u.opts.SmartStyleURL
	}
	if has(in.refreshScopes, "offline_access") || has(in.refreshScopes, "online_access") {
		raw := rand.Text() + rand.Text()
		family := in.family
		if family == "" {
			family = rand.Text()
		}
		rt := &store.RefreshToken{
			TokenHash: HashToken(raw), FamilyID: family, ClientID: in.client.ID, UserID: user.ID,
			Scopes: in.refreshScopes, Launch: in.launch, AccessJTI: jti, AuthTime: in.authTime,
			IssuedAt: now, ExpiresAt: now.Add(u.opts.RefreshLifetime),
		}
		if err := u.store.CreateRefreshToken(ctx, rt); err != nil {
			return nil, fmt.Errorf("refresh token: %w", err)
		}
		body["refresh_token"] = raw
		out.family = family
		out.keepUntil = rt.ExpiresAt
	}
	if has(in.scopes, "openid") {
		idt, err := signIDToken(ctx, u.signer, idTokenClaims{
			Issuer: u.opts.Issuer, Client: in.client.ID, User: user, Scopes: in.scopes,
			Nonce: in.nonce, AuthTime: in.authTime, IssuedAt: now, Lifetime: u.opts.Lifetime,
		})
		if err != nil {
			return nil, err
		}
		body["id_token"] = idt
	}
	out.body = body
	return out, nil
}

// access signs an access token through the engine's generator and
// returns it with its jti.
func (u *UserTokens) access(ctx context.Context, c *store.Client, userID, scope string, ext map[string]string, now time.Time) (string, string, error) {
	ti := models.NewToken()
	ti.SetClientID(c.ID)
	ti.SetUserID(userID)
	ti.SetScope(scope)
	ti.SetAccessCreateAt(now)
	ti.SetAccessExpiresIn(u.opts.Lifetime)
	e := ti.GetExtension()
	if e == nil {
		e = map[string][]string{}
	}
	for k, v := range ext {
		e.Set(k, v)
	}
	ti.SetExtension(e)
	tok, _, err := u.gen.Token(ctx, &oauth2.GenerateBasic{
		Client: &clients.Info{Client: c, Authenticated: true}, UserID: userID, CreateAt: now, TokenInfo: ti,
	}, false)
	if err != nil {
		return "", "", err
	}
	// Our own token, just signed: read its jti back without re-verifying.
	parsed, err := jwt.ParseInsecure([]byte(tok))
	if err != nil {
		return "", "", fmt.Errorf("access token: %w", err)
	}
	return tok, parsed.JwtID(), nil
}

// SelfToken is an access token the auth server signs for itself (as
// clientID, e.g. for the patient picker's FHIR search), with its expiry.
func (u *UserTokens) SelfToken(ctx context.Context, clientID, scope string) (string, time.Time, error) {
	now := u.now()
	tok, _, err := u.access(ctx, &store.Client{ID: clientID}, "", scope, nil, now)
	return tok, now.Add(u.opts.Lifetime), err
}

// revokeRefreshed puts the access tokens issued beside refresh tokens on
// the revocation list.
func (u *UserTokens) revokeRefreshed(ctx context.Context, rts []*store.RefreshToken) error {
	for _, rt := range rts {
		if rt.AccessJTI == "" {
			continue
		}
		// The access token was signed at rt.IssuedAt. Compaction is left
		// to /revoke, the one path a client drives at will.
		r := store.RevokedToken{JTI: rt.AccessJTI, ClientID: rt.ClientID, IssuedAt: rt.IssuedAt, ExpiresAt: rt.IssuedAt.Add(u.opts.Lifetime)}
		if err := u.store.RevokeToken(ctx, r, 0); err != nil {
			return err
		}
	}
	return nil
}

// RevokeUserClient revokes every refresh token the user granted the
// client (and the access tokens issued beside them): the manage page's
// "revoke access".
func (u *UserTokens) RevokeUserClient(ctx context.Context, userID, clientID string) error {
	rts, err := u.store.RevokeRefreshTokensByUserClient(ctx, userID, clientID)
	if err != nil {
		return err
	}
	return u.revokeRefreshed(ctx, rts)
}
