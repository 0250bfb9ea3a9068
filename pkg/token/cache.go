package token

import (
	"sync"
	"time"
)

// tokenCache remembers verified tokens, keyed by the token itself (a
// map lookup hashes and compares it in a fraction of what a SHA-256 of
// it costs, and a hit is the exact token verified), each until its exp.
// It holds at most max entries; when full it drops the expired entries,
// then arbitrary ones, to make room.
type tokenCache struct {
	mu      sync.Mutex
	max     int
	entries map[string]cacheEntry
}

type cacheEntry struct {
	claims *Claims
	exp    time.Time
}

func newTokenCache(max int) *tokenCache {
	return &tokenCache{max: max, entries: make(map[string]cacheEntry)}
}

// get returns the claims for a key still valid at now.
func (c *tokenCache) get(key string, now time.Time) (*Claims, bool) {
	if c.max <= 0 {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok {
		return nil, false
	}
	if !now.Before(e.exp) {
		delete(c.entries, key)
		return nil, false
	}
	return e.claims, true
}

// put stores claims until exp.
func (c *tokenCache) put(key string, claims *Claims, exp, now time.Time) {
	if c.max <= 0 || !now.Before(exp) {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= c.max {
		for k, e := range c.entries {
			if !now.Before(e.exp) {
				delete(c.entries, k)
			}
		}
		// Still full: drop about a tenth, in map (random) order.
		for k := range c.entries {
			if len(c.entries) < c.max-c.max/10 {
				break
			}
			delete(c.entries, k)
		}
	}
	c.entries[key] = cacheEntry{claims: claims, exp: exp}
}

// clear drops every entry (the key set changed).
func (c *tokenCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.entries)
}

// len returns the number of entries.
func (c *tokenCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}
