package token

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults of FeedConfig.
const (
	DefaultPollInterval = 10 * time.Second
	DefaultMaxStaleness = 60 * time.Second
	// startRetry is how soon a failed poll is retried while none has
	// succeeded yet (the auth server may be starting beside us).
	startRetry = time.Second
)

// FeedConfig configures NewRevocationFeed. URL is required.
type FeedConfig struct {
	// URL of the feed (the auth server's /revocations).
	URL string
	// Authorize sets the credential on each poll request, e.g. with
	// req.SetBasicAuth or an Authorization: Bearer header. Nil sends none.
	Authorize func(req *http.Request)
	// Interval between polls (default 10 s).
	Interval time.Duration
	// MaxStaleness is how old the last successful poll may be while
	// Current still reports true (default 60 s, or Interval when that is
	// longer); it must be at least Interval.
	MaxStaleness time.Duration
	// HTTPClient polls the feed (default: a client with a 10 s timeout).
	HTTPClient *http.Client
	// Logger receives poll failures and each change of Current (default:
	// discard).
	Logger *slog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
	// StartupGrace is how long poll failures are logged at debug level
	// only, before the first poll succeeds (default 30 s); then one
	// warning says the feed is still missing.
	StartupGrace time.Duration
}

// BasicAuth returns a FeedConfig.Authorize that sends HTTP Basic
// credentials (client_secret_basic: id and secret form-urlencoded).
func BasicAuth(id, secret string) func(*http.Request) {
	return func(req *http.Request) { req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret)) }
}

// RevocationFeed follows the auth server's revocation feed and answers
// Revoked from the lists it holds. Each poll asks only for what changed
// since the cursor of the last one. A poll that fails changes nothing but
// the error Healthy reports; once the last successful poll is older than
// MaxStaleness, Current reports false, and a caller must then refuse to
// rely on Revoked (fail closed). It is safe for concurrent use.
type RevocationFeed struct {
	cfg     FeedConfig
	created time.Time
	startup *startup

	pollMu sync.Mutex // one poll at a time

	mu      sync.RWMutex
	lists   *feedLists
	cursor  string // where the next poll continues; "" starts over
	lastErr error

	// lastGood is when the last successful poll started (Unix ns; 0
	// before the first): atomic, since every token-bearing request asks.
	lastGood atomic.Int64
	stale    atomic.Bool // the state last logged
}

// NewRevocationFeed makes a feed client. Call Run to poll.
func NewRevocationFeed(cfg FeedConfig) (*RevocationFeed, error) {
	if cfg.URL == "" {
		return nil, errors.New("revocation feed: URL is required")
	}
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultPollInterval
	}
	if cfg.MaxStaleness == 0 {
		cfg.MaxStaleness = max(DefaultMaxStaleness, cfg.Interval)
	}
	if cfg.MaxStaleness < cfg.Interval {
		return nil, fmt.Errorf("revocation feed: MaxStaleness %s is shorter than the poll interval %s", cfg.MaxStaleness, cfg.Interval)
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	f := &RevocationFeed{cfg: cfg, created: cfg.Now(), lists: newFeedLists(), startup: newStartup(cfg.Now(), cfg.StartupGrace)}
	f.stale.Store(true) // nothing polled yet
	return f, nil
}

// Run polls at once and then every Interval until ctx is done; until the
// first poll succeeds it retries every second.
func (f *RevocationFeed) Run(ctx context.Context) {
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		wait := f.cfg.Interval
		if err := f.Poll(ctx); err != nil && !f.loaded() {
			wait = min(wait, startRetry)
		}
		f.Current() // logs a change of state even while no request asks
		t.Reset(wait)
	}
}

// Poll follows the feed from the last cursor until it has no more and
// applies what it read. On failure nothing changes but Healthy's error.
func (f *RevocationFeed) Poll(ctx context.Context) error {
	f.pollMu.Lock()
	defer f.pollMu.Unlock()
	started := f.cfg.Now()
	f.mu.RLock()
	cursor := f.cursor
	f.mu.RUnlock()
	pages, err := f.follow(ctx, cursor)
	var fresh *feedLists
	if err == nil {
		fresh, err = startOver(pages, started)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if err == nil {
		err = f.apply(pages, fresh, started)
	}
	if err != nil {
		f.lastErr = err
		f.startup.failed(f.cfg.Logger, started, f.loaded(), err, "revocation feed poll failed",
			"no revocation feed from the auth server yet: token-bearing requests are refused until it answers (still retrying)",
			"url", f.cfg.URL, "last_good_poll_age", f.ageAt(started).Round(time.Second).String())
		return err
	}
	f.lastGood.Store(started.UnixNano())
	f.lastErr = nil
	return nil
}

// startOver builds new lists from the pages from the last one that
// starts over (nil when none does), outside the lock readers wait on.
func startOver(pages []*FeedDocument, now time.Time) (*feedLists, error) {
	from := -1
	for i, p := range pages {
		if p.Reset || p.Cursor == "" { // an older auth server sends whole lists only
			from = i
		}
	}
	if from < 0 {
		return nil, nil
	}
	lists := newFeedLists()
	lists.addAll(pages[from:])
	lists.prune(now.Add(-MaxLeeway).Unix())
	if n := lists.len(); n > maxFeedEntries {
		return nil, fmt.Errorf("revocation feed holds %d entries, more than %d", n, maxFeedEntries)
	}
	return lists, nil
}

// apply installs fresh lists, or adds the pages to the current ones, and
// moves the cursor; the caller holds f.mu. Added entries are revocations
// either way, so a failure past the size bound keeps them but not the
// cursor, and the polls fail until the auth server's lists shrink.
func (f *RevocationFeed) apply(pages []*FeedDocument, fresh *feedLists, now time.Time) error {
	if fresh != nil {
		f.lists = fresh
	} else {
		f.lists.addAll(pages)
		f.lists.prune(now.Add(-MaxLeeway).Unix())
		if n := f.lists.len(); n > maxFeedEntries {
			return fmt.Errorf("revocation feed holds %d entries, more than %d", n, maxFeedEntries)
		}
	}
	f.cursor = pages[len(pages)-1].Cursor
	return nil
}

// Revoked reports whether the token's jti is on the list, or its client
// on the list of revoked clients with iat <= before. It does not say
// whether the lists are current: ask Current.
func (f *RevocationFeed) Revoked(c *Claims) bool {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return f.lists.revoked(c)
}

// Current reports whether the last successful poll started at most
// MaxStaleness ago (false before the first). It logs each change.
func (f *RevocationFeed) Current() bool {
	last := f.lastGood.Load()
	current := last != 0 && f.cfg.Now().Sub(time.Unix(0, last)) <= f.cfg.MaxStaleness
	// The stale flag equals current only when the state just changed.
	if f.stale.Load() == current && f.stale.CompareAndSwap(current, !current) {
		if current {
			f.cfg.Logger.Info("revocation feed current: token-bearing requests are served", "entries", f.Len())
		} else {
			f.cfg.Logger.Error("revocation feed stale: token-bearing requests are refused until a poll succeeds",
				"url", f.cfg.URL, "last_good_poll_age", f.Age().Round(time.Second).String(), "max_staleness", f.cfg.MaxStaleness.String())
		}
	}
	return current
}

// Age is the time since the last successful poll started (since the
// feed was made, before the first).
func (f *RevocationFeed) Age() time.Duration { return f.ageAt(f.cfg.Now()) }

func (f *RevocationFeed) ageAt(now time.Time) time.Duration {
	last := f.lastGood.Load()
	if last == 0 {
		return now.Sub(f.created)
	}
	return now.Sub(time.Unix(0, last))
}

// RetryAfter is when a poll is next due: how long a refused client had
// better wait.
func (f *RevocationFeed) RetryAfter() time.Duration { return f.cfg.Interval }

// Len returns the number of entries held (jtis and clients).
func (f *RevocationFeed) Len() int {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return f.lists.len()
}

// Healthy reports whether a poll ever succeeded (loaded) and the last
// poll's error, if it failed.
func (f *RevocationFeed) Healthy() (loaded bool, err error) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	loaded = f.loaded()
	if !loaded && f.lastErr == nil {
		return false, errors.New("revocation feed not polled yet")
	}
	return loaded, f.lastErr
}

func (f *RevocationFeed) loaded() bool { return f.lastGood.Load() != 0 }

var _ RevocationList = (*RevocationFeed)(nil)
