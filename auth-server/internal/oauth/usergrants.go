package oauth

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/smartgate/pkg/token"

	"github.com/smartgate/auth-server/internal/refresh"
	"github.com/smartgate/auth-server/internal/store"
)

// The grants a user authorizes, beside the engine's client_credentials.
// go-oauth2's own authorization-code and refresh paths cannot carry the
// launch context's binding, the code tombstone, refresh-family reuse
// detection or refresh client binding without replacing most of their
// steps, so these grants are ours; they share the endpoint's client
// authentication, the error values and the Minter with the engine.
const (
	GrantAuthorizationCode = "authorization_code"
	GrantRefreshToken      = "refresh_token"
)

// UserGrantStore is what the user grants read and write besides the
// refresh families.
type UserGrantStore interface {
	store.AuthCodeStore
	store.RevocationStore
	store.UserStore
}

// UserGrantOptions configure the user grants.
type UserGrantOptions struct {
	RefreshGrace      time.Duration // 0: any reuse revokes the family
	SmartStyleURL     string
	NeedPatientBanner bool
}

// UserGrants are the authorization_code and refresh_token grants and what
// they share: the issue of a user's tokens (access token, refresh token,
// id_token).
type UserGrants struct {
	store    UserGrantStore
	minter   *Minter
	families *refresh.Families
	opts     UserGrantOptions
	log      *slog.Logger
	now      func() time.Time
}

// NewUserGrants wires the user grants.
func NewUserGrants(st UserGrantStore, minter *Minter, families *refresh.Families, opts UserGrantOptions, log *slog.Logger, now func() time.Time) *UserGrants {
	if now == nil {
		now = time.Now
	}
	return &UserGrants{store: st, minter: minter, families: families, opts: opts, log: log, now: now}
}

// AuthorizationCode is grant_type=authorization_code (grant_code.go).
func (u *UserGrants) AuthorizationCode() Grant { return authorizationCode{u} }

// RefreshToken is grant_type=refresh_token (grant_refresh.go).
func (u *UserGrants) RefreshToken() Grant { return refreshTokenGrant{u} }

// issueRequest is one issuance: from a code, or from a refresh token.
type issueRequest struct {
	client        *store.Client
	user          *store.User
	scopes        []string // of the access token
	refreshScopes []string // of the refresh token (never wider than granted)
	launch        *store.LaunchContext
	nonce         string
	authTime      time.Time
	family        string // refresh family to continue; empty starts one
}

// userTokens is what a user grant answers plus what it must remember.
type userTokens struct {
	Issued
	accessJTI string
	family    string
	keepUntil time.Time
}

func (u *UserGrants) issue(ctx context.Context, in issueRequest) (*userTokens, error) {
	user, scope := in.user, strings.Join(in.scopes, " ")
	now := u.now()
	claims := token.Claims{Subject: user.ID, ClientID: in.client.ID, Scope: scope, IssuedAt: now.Unix()}
	if in.launch != nil {
		claims.Patient = in.launch.Patient
	}
	if user.FHIRUser != "" && (has(in.scopes, "fhirUser") || has(in.scopes, "openid")) {
		claims.FHIRUser = user.FHIRUser
	}
	access, claims, err := u.minter.Mint(ctx, claims)
	if err != nil {
		return nil, err
	}
	out := &userTokens{
		Issued: Issued{
			AccessToken: access, ExpiresIn: u.minter.Lifetime(), Scope: scope,
			NeedPatientBanner: u.opts.NeedPatientBanner, SmartStyleURL: u.opts.SmartStyleURL,
		},
		accessJTI: claims.ID, keepUntil: now.Add(u.minter.Lifetime()),
	}
	out.withLaunch(in.launch)
	if has(in.refreshScopes, "offline_access") || has(in.refreshScopes, "online_access") {
		raw, rt, err := u.families.Issue(ctx, store.RefreshToken{
			FamilyID: in.family, ClientID: in.client.ID, UserID: user.ID, Scopes: in.refreshScopes,
			Launch: in.launch, AccessJTI: claims.ID, AuthTime: in.authTime, IssuedAt: now,
		})
		if err != nil {
			return nil, err
		}
		out.RefreshToken, out.family, out.keepUntil = raw, rt.FamilyID, rt.ExpiresAt
	}
	if has(in.scopes, "openid") {
		out.IDToken, err = u.minter.IDToken(ctx, idTokenClaims{
			Issuer: u.minter.issuer, Client: in.client.ID, User: user, Scopes: in.scopes,
			Nonce: in.nonce, AuthTime: in.authTime, IssuedAt: now, Lifetime: u.minter.Lifetime(),
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}
