package token

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// DefaultPollInterval is how often RevocationFeed polls by default.
const DefaultPollInterval = 10 * time.Second

// maxFeedBytes bounds the revocation feed document.
const maxFeedBytes = 16 << 20

// Revoked is one entry of the revocation feed.
type Revoked struct {
	// ID is the jti of the revoked access token.
	ID string `json:"jti"`
	// Expiry is the token's exp, seconds since the Unix epoch.
	Expiry int64 `json:"exp"`
}

// RevokedClient is one entry of the feed's revoked_clients: a deleted
// client, every token of which issued at or before Before is revoked.
type RevokedClient struct {
	ClientID string `json:"client_id"`
	// Before is when the client was deleted, seconds since the Unix epoch;
	// tokens with iat <= Before are revoked.
	Before int64 `json:"before"`
	// Expiry is when no such token can be valid any more, seconds since
	// the Unix epoch.
	Expiry int64 `json:"exp"`
}

// FeedDocument is the JSON the auth server serves at GET /revocations.
type FeedDocument struct {
	Revoked []Revoked `json:"revoked"`
	// RevokedClients is absent from the feeds of older auth servers.
	RevokedClients []RevokedClient `json:"revoked_clients"`
}

// FeedConfig configures NewRevocationFeed. URL is required.
type FeedConfig struct {
	// URL of the feed (the auth server's /revocations).
	URL string
	// Authorize sets the credential on each poll request, e.g. with
	// req.SetBasicAuth or an Authorization: Bearer header. Nil sends none.
	Authorize func(req *http.Request)
	// Interval between polls (default 10 s).
	Interval time.Duration
	// HTTPClient polls the feed (default: a client with a 10 s timeout).
	HTTPClient *http.Client
	// Logger receives poll failures (default: discard).
	Logger *slog.Logger
}

// BasicAuth returns a FeedConfig.Authorize that sends HTTP Basic
// credentials (client_secret_basic: id and secret form-urlencoded).
func BasicAuth(id, secret string) func(*http.Request) {
	return func(req *http.Request) { req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret)) }
}

// RevocationFeed polls the auth server's revocation feed and answers
// Revoked from the last lists it fetched. While the feed cannot be
// reached it keeps the last list and reports the failure through Healthy. It is safe for concurrent use.
type RevocationFeed struct {
	cfg FeedConfig

	mu      sync.RWMutex
	revoked map[string]int64 // jti -> exp
	clients map[string]int64 // client_id -> before
	loaded  bool
	lastErr error
}

// NewRevocationFeed makes a feed client. Call Run to poll.
func NewRevocationFeed(cfg FeedConfig) (*RevocationFeed, error) {
	if cfg.URL == "" {
		return nil, errors.New("revocation feed: URL is required")
	}
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultPollInterval
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &RevocationFeed{cfg: cfg, revoked: map[string]int64{}, clients: map[string]int64{}}, nil
}

// Run polls at once and then every Interval until ctx is done.
func (f *RevocationFeed) Run(ctx context.Context) {
	t := time.NewTicker(f.cfg.Interval)
	defer t.Stop()
	for {
		_ = f.Poll(ctx) // recorded for Healthy
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Poll fetches the feed once and replaces the list on success.
func (f *RevocationFeed) Poll(ctx context.Context) error {
	doc, err := f.fetch(ctx)
	f.mu.Lock()
	defer f.mu.Unlock()
	if err != nil {
		f.lastErr = err
		f.cfg.Logger.Warn("revocation feed poll failed; keeping the last list", "url", f.cfg.URL, "err", err)
		return err
	}
	next := make(map[string]int64, len(doc.Revoked))
	for _, r := range doc.Revoked {
		if r.ID != "" {
			next[r.ID] = r.Expiry
		}
	}
	clients := make(map[string]int64, len(doc.RevokedClients))
	for _, r := range doc.RevokedClients {
		if r.ClientID != "" {
			clients[r.ClientID] = max(clients[r.ClientID], r.Before)
		}
	}
	f.revoked, f.clients, f.loaded, f.lastErr = next, clients, true, nil
	return nil
}

func (f *RevocationFeed) fetch(ctx context.Context) (*FeedDocument, error) {
	ctx, cancel := context.WithTimeout(ctx, f.cfg.Interval+10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.cfg.URL, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	if f.cfg.Authorize != nil {
		f.cfg.Authorize(req)
	}
	res, err := f.cfg.HTTPClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("revocation feed answered %s", res.Status)
	}
	body, err := io.ReadAll(io.LimitReader(res.Body, maxFeedBytes+1))
	if err != nil {
		return nil, err
	}
	if len(body) > maxFeedBytes {
		return nil, errors.New("revocation feed document too large")
	}
	// "revoked" must be present (so an unrelated JSON answer is not taken
	// for an empty list); null counts as empty. "revoked_clients" may be
	// absent (older auth servers).
	var probe struct {
		Revoked        json.RawMessage `json:"revoked"`
		RevokedClients []RevokedClient `json:"revoked_clients"`
	}
	if err := json.Unmarshal(body, &probe); err != nil {
		return nil, fmt.Errorf("revocation feed: %w", err)
	}
	if probe.Revoked == nil {
		return nil, errors.New(`revocation feed: no "revoked" list`)
	}
	doc := FeedDocument{RevokedClients: probe.RevokedClients}
	if err := json.Unmarshal(probe.Revoked, &doc.Revoked); err != nil {
		return nil, fmt.Errorf("revocation feed: %w", err)
	}
	return &doc, nil
}

// Revoked reports whether the token's jti is on the last list, or its
// client on the last list of revoked clients with iat <= before.
func (f *RevocationFeed) Revoked(c *Claims) bool {
	f.mu.RLock()
	defer f.mu.RUnlock()
	if _, ok := f.revoked[c.ID]; ok {
		return true
	}
	before, ok := f.clients[c.ClientID]
	return ok && c.IssuedAt <= before
}

// Len returns the number of entries on the last lists (jtis and clients).
func (f *RevocationFeed) Len() int {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return len(f.revoked) + len(f.clients)
}

// Healthy reports whether the last poll succeeded, and its error if not.
// Before the first successful poll it is unhealthy.
func (f *RevocationFeed) Healthy() (bool, error) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	if f.lastErr != nil {
		return false, f.lastErr
	}
	if !f.loaded {
		return false, errors.New("revocation feed not polled yet")
	}
	return true, nil
}

var _ RevocationList = (*RevocationFeed)(nil)
