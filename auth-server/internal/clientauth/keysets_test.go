package clientauth_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"

	"github.com/smartgate/auth-server/internal/clientauth"
	"github.com/smartgate/auth-server/internal/store"
)

// A burst of assertions naming a client whose jwks_uri is not cached
// (its own, or forged in its name, each with a kid the set lacks) costs
// the host at that address one request: the others wait for it.
func TestKeySetFetchIsSharedByConcurrentRequests(t *testing.T) {
	h := newHeldKeySetHost(t)
	keys, c := h.keys, h.client

	const burst = 50
	var wg sync.WaitGroup
	errs := make(chan error, burst)
	for i := range burst {
		kid := "k1"
		if i%2 == 1 {
			kid = "unknown" // a kid miss asks for a fresh set
		}
		wg.Go(func() {
			_, err := keys.Key(context.Background(), c, kid)
			if kid == "k1" {
				errs <- err
			}
		})
	}
	h.fetching(t)
	time.Sleep(50 * time.Millisecond) // let the burst arrive while the fetch waits
	h.answer()
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("a request waiting for the shared fetch: %v", err)
		}
	}
	if n := h.hits.Load(); n != 1 {
		t.Fatalf("the burst fetched the jwks_uri %d times, want 1", n)
	}
}

// A request that goes away while it waits for another's fetch stops
// waiting; the fetch goes on for the others.
func TestKeySetWaitEndsWithTheRequest(t *testing.T) {
	h := newHeldKeySetHost(t)
	keys, c := h.keys, h.client

	first := make(chan error, 1)
	go func() {
		_, err := keys.Key(context.Background(), c, "k1")
		first <- err
	}()
	h.fetching(t)
	ctx, cancel := context.WithCancel(context.Background())
	waiter := make(chan error, 1)
	go func() {
		_, err := keys.Key(ctx, c, "k1")
		waiter <- err
	}()
	cancel()
	if err := <-waiter; err == nil {
		t.Fatal("a request gone away got a key")
	}
	h.answer()
	if err := <-first; err != nil {
		t.Fatalf("the fetching request: %v", err)
	}
	if n := h.hits.Load(); n != 1 {
		t.Fatalf("fetched %d times, want 1", n)
	}
}

// heldKeySetHost serves a client's jwks_uri (a set with key k1), holding
// every request until answer is called, and counts the requests.
type heldKeySetHost struct {
	keys    *clientauth.KeySets
	client  *store.Client
	hits    atomic.Int32
	release chan struct{}
	once    sync.Once
}

// answer lets the held requests, and any later one, through.
func (h *heldKeySetHost) answer() { h.once.Do(func() { close(h.release) }) }

func newHeldKeySetHost(t *testing.T) *heldKeySetHost {
	t.Helper()
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	set := publicSet(t, signer{key, "k1", jwa.RS256})
	h := &heldKeySetHost{release: make(chan struct{})}
	remote := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.hits.Add(1)
		<-h.release
		_, _ = w.Write(set)
	}))
	t.Cleanup(remote.Close)
	t.Cleanup(h.answer) // before Close, which waits for held requests
	h.keys = clientauth.NewKeySets(remote.Client(), nil)
	h.client = &store.Client{ID: "remote", TokenEndpointAuthMethod: "private_key_jwt", JWKSURI: remote.URL + "/jwks"}
	return h
}

// fetching waits until the host has been asked for the set (a liveness
// bound, not a measure).
func (h *heldKeySetHost) fetching(t *testing.T) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); h.hits.Load() == 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the set was never fetched")
		}
	}
}
