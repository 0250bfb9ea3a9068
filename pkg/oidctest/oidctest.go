// Package oidctest runs a real OpenID provider for tests: zitadel/oidc's
// example OP (its op package over the in-memory example storage, with the
// example's username-and-password login page) on a loopback port, with
// the users and the one web client a test gives it. Tests sign in through
// its pages over HTTP (Login) or in a browser, stop it to see a provider
// go down, and may rewrite its token responses to play a network
// attacker (TamperTokens).
package oidctest

import (
	"bytes"
	"context"
	"crypto/subtle"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/text/language"
)

// User is a person the provider knows; Subject is its sub.
type User struct {
	Subject, Username, Password string
	GivenName, FamilyName       string
	Email                       string
	EmailVerified               bool
}

// Options configure the provider's one client and its users.
type Options struct {
	ClientID, ClientSecret string
	RedirectURIs           []string
	// PostLogoutRedirectURIs are where its end_session_endpoint may send
	// the browser back to.
	PostLogoutRedirectURIs []string
	Users                  []User
	// Addr is where it listens (default 127.0.0.1:0, a free port); give
	// the address of a stopped provider to start it again there.
	Addr string
}

// Provider is a running OP.
type Provider struct {
	// Issuer is its base URL (http://127.0.0.1:port).
	Issuer string
	srv    *httptest.Server

	mu     sync.Mutex
	client Options // the client's id, secret and redirect URIs
	tamper func(tokenResponse []byte) []byte
	tokens []string // raw ID tokens it issued, in order
}

// TokenPath is the provider's token endpoint path.
const TokenPath = "/oauth/token"

// Start runs a provider on a loopback port until the test ends.
func Start(t testing.TB, o Options) *Provider {
	t.Helper()
	addr := o.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	p := &Provider{Issuer: "http://" + ln.Addr().String(), client: Options{ClientID: o.ClientID, ClientSecret: o.ClientSecret,
		RedirectURIs: o.RedirectURIs, PostLogoutRedirectURIs: o.PostLogoutRedirectURIs}}
	users := userStore{}
	for _, u := range o.Users {
		users[u.Subject] = &storage.User{
			ID: u.Subject, Username: u.Username, Password: u.Password,
			FirstName: u.GivenName, LastName: u.FamilyName,
			Email: u.Email, EmailVerified: u.EmailVerified, PreferredLanguage: language.English,
		}
	}
	st := opStorage{Storage: storage.NewStorageWithClients(users, map[string]*storage.Client{}), p: p}
	router := exampleop.SetupServer(p.Issuer, st, nil, false)
	p.srv = &httptest.Server{Listener: ln, Config: &http.Server{Handler: p.intercept(router)}}
	p.srv.Start()
	t.Cleanup(p.Stop)
	return p
}

// AllowRedirect registers one more redirect URI of the client (for a
// client whose address is known only once the provider runs).
func (p *Provider) AllowRedirect(uri string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.client.RedirectURIs = append(p.client.RedirectURIs, uri)
}

// AllowPostLogoutRedirect registers one more post-logout redirect URI.
func (p *Provider) AllowPostLogoutRedirect(uri string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.client.PostLogoutRedirectURIs = append(p.client.PostLogoutRedirectURIs, uri)
}

// Stop closes the provider: it no longer answers (idempotent).
func (p *Provider) Stop() {
	p.srv.CloseClientConnections()
	p.srv.Close()
}

// TamperTokens makes f rewrite every token response body from now on
// (nil: stop).
func (p *Provider) TamperTokens(f func(tokenResponse []byte) []byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.tamper = f
}

// IDTokens returns the raw ID tokens the provider issued so far.
func (p *Provider) IDTokens() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.tokens...)
}

var idTokenField = regexp.MustCompile(`"id_token":"([^"]+)"`)

// intercept records the token endpoint's ID tokens and applies the tamper
// function to its responses.
func (p *Provider) intercept(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != TokenPath {
			next.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		body := rec.Body.Bytes()
		p.mu.Lock()
		if m := idTokenField.FindSubmatch(body); m != nil {
			p.tokens = append(p.tokens, string(m[1]))
		}
		if p.tamper != nil {
			body = p.tamper(body)
		}
		p.mu.Unlock()
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.Header().Del("Content-Length")
		w.WriteHeader(rec.Code)
		w.Write(body)
	})
}

// Login follows authURL (the provider's authorization request a client
// sent the browser to) with client, signs in on the provider's login page
// as username with password, and returns the URL the provider sends the
// browser back to (the client's redirect URI with code and state).
// client must not follow redirects.
func (p *Provider) Login(client *http.Client, authURL, username, password string) (string, error) {
	loc, err := p.follow(client, authURL)
	if err != nil {
		return "", err
	}
	u, err := url.Parse(loc)
	if err != nil {
		return "", err
	}
	id := u.Query().Get("authRequestID")
	if id == "" {
		return "", fmt.Errorf("oidctest: the provider sent the browser to %s, not its login page", loc)
	}
	form := url.Values{"id": {id}, "username": {username}, "password": {password}}
	resp, err := client.Post(p.Issuer+"/login/username", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		return "", fmt.Errorf("oidctest: login as %s: %d %s", username, resp.StatusCode, bytes.TrimSpace(body))
	}
	return p.follow(client, resolve(p.Issuer, resp.Header.Get("Location")))
}

// follow requests u and each redirect while it stays at the provider;
// it returns the first location outside it, or the login page.
func (p *Provider) follow(client *http.Client, u string) (string, error) {
	for range 10 {
		if !strings.HasPrefix(u, p.Issuer+"/") || strings.HasPrefix(u, p.Issuer+"/login/username") {
			return u, nil
		}
		resp, err := client.Get(u)
		if err != nil {
			return "", err
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode < 300 || resp.StatusCode > 399 {
			return "", fmt.Errorf("oidctest: %s answered %d: %s", u, resp.StatusCode, bytes.TrimSpace(body))
		}
		u = resolve(p.Issuer, resp.Header.Get("Location"))
	}
	return "", fmt.Errorf("oidctest: too many redirects")
}

func resolve(base, loc string) string {
	b, _ := url.Parse(base + "/")
	r, err := b.Parse(loc)
	if err != nil {
		return loc
	}
	return r.String()
}

// opStorage is the example storage with the client taken from the
// Provider, so that its redirect URIs may change while it runs.
type opStorage struct {
	*storage.Storage
	p *Provider
}

func (s opStorage) GetClientByClientID(_ context.Context, id string) (op.Client, error) {
	s.p.mu.Lock()
	defer s.p.mu.Unlock()
	c := s.p.client
	if id != c.ClientID {
		return nil, fmt.Errorf("client not found")
	}
	return opClient{Client: storage.WebClient(c.ClientID, c.ClientSecret, c.RedirectURIs...), postLogout: c.PostLogoutRedirectURIs}, nil
}

// opClient is the example's web client with post-logout redirect URIs.
type opClient struct {
	*storage.Client
	postLogout []string
}

func (c opClient) PostLogoutRedirectURIs() []string { return c.postLogout }

func (s opStorage) AuthorizeClientIDSecret(_ context.Context, id, secret string) error {
	s.p.mu.Lock()
	defer s.p.mu.Unlock()
	if id != s.p.client.ClientID || subtle.ConstantTimeCompare([]byte(secret), []byte(s.p.client.ClientSecret)) != 1 {
		return fmt.Errorf("invalid client")
	}
	return nil
}

// userStore is the example storage's UserStore over the test's users.
type userStore map[string]*storage.User

func (u userStore) GetUserByID(id string) *storage.User { return u[id] }

func (u userStore) GetUserByUsername(username string) *storage.User {
	for _, x := range u {
		if x.Username == username {
			return x
		}
	}
	return nil
}

func (u userStore) ExampleClientID() string { return storage.ServiceUserID }
