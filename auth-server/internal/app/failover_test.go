package app_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/smartgate/auth-server/internal/config"
	"github.com/smartgate/auth-server/internal/redistest"
)

// outcome is one request of the load: when it was answered, and how.
type outcome struct {
	at         time.Time
	status     int
	retryAfter string
	err        error
	body       map[string]string
}

// TestSentinelFailoverUnderTokenLoad: two auth-servers on Redis through
// Sentinel issue client-credentials tokens continuously, each revoked at
// once through the other replica (a write to the revocation feed), while
// the sentinels promote the replica (SENTINEL FAILOVER). Requests that fail
// are 503 with Retry-After, they all fall within 10 seconds, and every
// request after them succeeds, with no restart.
//
// Then the same with the primary killed (SIGKILL): the sentinels notice
// after a second (down-after-milliseconds) and promote the replica.
func TestSentinelFailoverUnderTokenLoad(t *testing.T) {
	t.Run("SENTINEL FAILOVER", func(t *testing.T) {
		runFailoverUnderLoad(t, (*redistest.Sentinel).Failover)
	})
	t.Run("primary killed", func(t *testing.T) {
		runFailoverUnderLoad(t, (*redistest.Sentinel).KillPrimary)
	})
}

func runFailoverUnderLoad(t *testing.T, failover func(*redistest.Sentinel, testing.TB) string) {
	s := redistest.StartSentinel(t)
	replicas := startAll(t, replicaConfigs(t, 2, func(cfg *config.Config) {
		cfg.Redis.SentinelAddrs, cfg.Redis.SentinelMaster = s.SentinelAddrs(), redistest.MasterName
	}))
	var (
		mu       sync.Mutex
		outcomes []outcome
		stop     atomic.Bool
		wg       sync.WaitGroup
	)
	client := &http.Client{Timeout: 15 * time.Second}
	for w := range 4 {
		wg.Go(func() {
			for i := 0; !stop.Load(); i++ {
				tok, o := requestToken(client, replicas[(w+i)%2].URL)
				done := []outcome{o}
				if tok != "" {
					done = append(done, post(client, replicas[(w+i+1)%2].URL+"/revoke", url.Values{"token": {tok}}))
				}
				mu.Lock()
				outcomes = append(outcomes, done...)
				mu.Unlock()
			}
		})
	}
	time.Sleep(time.Second)
	began := time.Now()
	primary := failover(s, t)
	switched := time.Now()
	time.Sleep(5 * time.Second) // load goes on against the new primary
	stop.Store(true)
	wg.Wait()

	var ok, failed int
	var first, last time.Time
	for _, o := range outcomes {
		if o.status == http.StatusOK {
			ok++
			continue
		}
		failed++
		if first.IsZero() || o.at.Before(first) {
			first = o.at
		}
		if o.at.After(last) {
			last = o.at
		}
		if o.err != nil || o.status != http.StatusServiceUnavailable || o.retryAfter == "" {
			t.Errorf("a failed request got status %d, Retry-After %q, error %v; want 503 with Retry-After", o.status, o.retryAfter, o.err)
		}
	}
	window := time.Duration(0)
	if failed > 0 {
		window = last.Sub(first)
	}
	t.Logf("failover to %s took %s: %d requests succeeded, %d failed, failure window %s",
		primary, switched.Sub(began).Round(time.Millisecond), ok, failed, window.Round(time.Millisecond))
	if window > 10*time.Second {
		t.Errorf("requests failed for %s, want at most 10s", window)
	}
	if failed > 0 && time.Since(last) < 3*time.Second {
		t.Errorf("requests still failed %s before the load stopped", time.Since(last).Round(time.Millisecond))
	}
	if ok == 0 {
		t.Fatal("no token was issued")
	}
	for i, r := range replicas {
		if _, o := requestToken(client, r.URL); o.status != http.StatusOK {
			t.Errorf("replica %d after the failover: status %d, error %v", i, o.status, o.err)
		}
	}
}

// requestToken asks for a client-credentials token as demo-system.
func requestToken(c *http.Client, base string) (string, outcome) {
	o := post(c, base+"/token", url.Values{"grant_type": {"client_credentials"}, "scope": {"system/Patient.read"}})
	return o.body["access_token"], o
}

// post sends a form as demo-system (Basic auth) and reads the JSON answer.
func post(c *http.Client, u string, form url.Values) outcome {
	req, err := http.NewRequest("POST", u, strings.NewReader(form.Encode()))
	if err != nil {
		return outcome{at: time.Now(), err: err}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("demo-system", "demo-system-secret")
	res, err := c.Do(req)
	if err != nil {
		return outcome{at: time.Now(), err: fmt.Errorf("POST %s: %w", u, err)}
	}
	defer res.Body.Close()
	o := outcome{at: time.Now(), status: res.StatusCode, retryAfter: res.Header.Get("Retry-After")}
	_ = json.NewDecoder(res.Body).Decode(&o.body)
	return o
}
