package web

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"

	"github.com/smartgate/auth-server/internal/store"
)

// SessionCookie is the name of the browser session cookie.
const SessionCookie = "smartgate_session"

// Sessions keeps the browser session in a cookie, authenticated (HMAC)
// and encrypted (AES) by gorilla/securecookie: HttpOnly, Secure when the
// issuer is https, SameSite=Lax. A signed-in session also has a record in
// the store (store.SessionStore), named by the hash of the session id the
// cookie carries: logout deletes it, so a copy of the cookie taken before
// logout no longer signs anyone in.
type Sessions struct {
	store    *sessions.CookieStore
	lifetime time.Duration
}

// defaultSessionLifetime bounds a signed-in session when none is configured.
const defaultSessionLifetime = 8 * time.Hour

// SessionOptions configure the cookie.
type SessionOptions struct {
	// Keys are pairs (authentication key, encryption key), newest first.
	Keys     [][]byte
	Secure   bool
	Lifetime time.Duration
}

// NewSessions returns the session store.
func NewSessions(o SessionOptions) *Sessions {
	cs := sessions.NewCookieStore(o.Keys...)
	cs.Options = &sessions.Options{
		Path: "/", MaxAge: int(o.Lifetime / time.Second),
		HttpOnly: true, Secure: o.Secure, SameSite: http.SameSiteLaxMode,
	}
	cs.MaxAge(cs.Options.MaxAge)
	lifetime := o.Lifetime
	if lifetime <= 0 {
		lifetime = defaultSessionLifetime
	}
	return &Sessions{store: cs, lifetime: lifetime}
}

// SessionKeys returns the configured key pairs, decoded; with none
// configured it reads dataDir/session-keys, generating it (0600) on first
// use, so cookies survive a restart.
func SessionKeys(configured [][]byte, dataDir string) ([][]byte, error) {
	if len(configured) > 0 {
		return configured, nil
	}
	path := filepath.Join(dataDir, "session-keys")
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		pair := []string{
			base64.RawURLEncoding.EncodeToString(securecookie.GenerateRandomKey(64)),
			base64.RawURLEncoding.EncodeToString(securecookie.GenerateRandomKey(32)),
		}
		if err := os.MkdirAll(dataDir, 0o700); err != nil {
			return nil, err
		}
		raw = []byte(strings.Join(pair, "\n") + "\n")
		if err := os.WriteFile(path, raw, 0o600); err != nil {
			return nil, fmt.Errorf("session keys: %w", err)
		}
	} else if err != nil {
		return nil, fmt.Errorf("session keys: %w", err)
	}
	var keys [][]byte
	for _, line := range strings.Fields(string(raw)) {
		k, err := base64.RawURLEncoding.DecodeString(line)
		if err != nil {
			return nil, fmt.Errorf("session keys: %s: not base64url", path)
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 || len(keys)%2 != 0 {
		return nil, fmt.Errorf("session keys: %s: want pairs of keys", path)
	}
	return keys, nil
}

// session is one browser's state, read from and written to the cookie.
type session struct {
	raw *sessions.Session
}

// Keys of the session values (all strings).
const (
	keySID      = "sid"       // random id (130 bits), new at every login; names the server-side record
	keyCSRF     = "csrf"      // the CSRF token of this session's forms
	keyUser     = "uid"       // the logged-in user's id
	keyAuthTime = "auth_time" // unix seconds of the login
	keyFlow     = "flow"      // the authorization in progress (JSON)
)

// load reads the session; a missing, expired or forged cookie gives a new
// empty session (never an error to the user).
func (s *Sessions) load(r *http.Request) *session {
	sess, err := s.store.Get(r, SessionCookie)
	if err != nil {
		sess, _ = s.store.New(r, SessionCookie)
		sess.IsNew = true
		sess.Values = map[any]any{}
	}
	return &session{raw: sess}
}

func (s *session) get(k string) string {
	v, _ := s.raw.Values[k].(string)
	return v
}

func (s *session) set(k, v string) {
	if v == "" {
		delete(s.raw.Values, k)
		return
	}
	s.raw.Values[k] = v
}

// csrf returns the session's CSRF token, creating it when absent.
func (s *session) csrf() string {
	if t := s.get(keyCSRF); t != "" {
		return t
	}
	t := rand.Text() + rand.Text()
	s.set(keyCSRF, t)
	return t
}

// userID is the logged-in user, or "".
func (s *session) userID() string { return s.get(keyUser) }

func (s *session) authTime() time.Time {
	n, _ := strconv.ParseInt(s.get(keyAuthTime), 10, 64)
	return time.Unix(n, 0)
}

// startSession signs userID in: a new session id is recorded in the store
// (expiring after the session lifetime), the previous session of this
// browser, if any, is ended, and the cookie's values are renewed. On error
// the session is left as it was.
func (h *Handler) startSession(ctx context.Context, s *session, userID string) error {
	sid := rand.Text() // 26 base32 characters: 130 random bits
	now := h.Now()
	rec := &store.Session{IDHash: store.HashToken(sid), UserID: userID, CreatedAt: now, ExpiresAt: now.Add(h.Sessions.lifetime)}
	if err := h.Store.CreateSession(ctx, rec); err != nil {
		return err
	}
	if old := s.get(keySID); old != "" {
		if err := h.Store.DeleteSession(ctx, store.HashToken(old)); err != nil {
			h.Log.WarnContext(ctx, "end previous session", "err", err)
		}
	}
	s.renew(userID, sid, now)
	return nil
}

// endSession deletes the session's store record (logout); the cookie is
// expired by destroy.
func (h *Handler) endSession(ctx context.Context, s *session) error {
	if sid := s.get(keySID); sid != "" {
		return h.Store.DeleteSession(ctx, store.HashToken(sid))
	}
	return nil
}

// sessionUserID is the user the session is signed in as: the cookie's
// user id, confirmed by an unexpired store record of its session id for
// the same user; "" otherwise (signed out, logged out elsewhere with this
// cookie, expired, or the user deleted).
func (h *Handler) sessionUserID(ctx context.Context, s *session) string {
	id, sid := s.userID(), s.get(keySID)
	if id == "" || sid == "" {
		return ""
	}
	rec, err := h.Store.GetSession(ctx, store.HashToken(sid))
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			h.Log.ErrorContext(ctx, "session lookup", "err", err)
		}
		return ""
	}
	if rec.UserID != id {
		return ""
	}
	return id
}

// renew replaces every value by a fresh session for userID with session
// id sid (at login: nothing an attacker planted before survives, the
// session id and the CSRF token are new). Only the authorization in
// progress is carried.
func (s *session) renew(userID, sid string, now time.Time) {
	flow := s.get(keyFlow)
	s.raw.Values = map[any]any{}
	s.set(keySID, sid)
	s.set(keyUser, userID)
	s.set(keyAuthTime, strconv.FormatInt(now.Unix(), 10))
	s.set(keyFlow, flow)
	s.csrf()
}

// flow is the authorization in progress.
func (s *session) flow() *flowState {
	raw := s.get(keyFlow)
	if raw == "" {
		return nil
	}
	var f flowState
	if json.Unmarshal([]byte(raw), &f) != nil {
		return nil
	}
	return &f
}

func (s *session) setFlow(f *flowState) {
	if f == nil {
		s.set(keyFlow, "")
		return
	}
	b, _ := json.Marshal(f)
	s.set(keyFlow, string(b))
}

func (s *session) save(r *http.Request, w http.ResponseWriter) error {
	return s.raw.Save(r, w)
}

// destroy expires the cookie (logout).
func (s *session) destroy(r *http.Request, w http.ResponseWriter) error {
	s.raw.Values = map[any]any{}
	s.raw.Options.MaxAge = -1
	return s.raw.Save(r, w)
}
