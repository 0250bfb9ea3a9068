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
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	set := publicSet(t, signer{key, "k1", jwa.RS256})
	var hits atomic.Int32
	release := make(chan struct{})
	remote := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		<-release
		_, _ = w.Write(set)
	}))
	defer remote.Close()
	keys := clientauth.NewKeySets(remote.Client(), nil)
	c := &store.Client{ID: "remote", TokenEndpointAuthMethod: "private_key_jwt", JWKSURI: remote.URL + "/jwks"}

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
	// Liveness bound, not a measure: the first request reaches the host.
	for deadline := time.Now().Add(10 * time.Second); hits.Load() == 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the set was never fetched")
		}
	}
	time.Sleep(50 * time.Millisecond) // let the burst arrive while the fetch waits
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("a request waiting for the shared fetch: %v", err)
		}
	}
	if n := hits.Load(); n != 1 {
		t.Fatalf("the burst fetched the jwks_uri %d times, want 1", n)
	}
}

// A request that goes away while it waits for another's fetch stops
// waiting; the fetch goes on for the others.
func TestKeySetWaitEndsWithTheRequest(t *testing.T) {
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	set := publicSet(t, signer{key, "k1", jwa.RS256})
	var hits atomic.Int32
	release := make(chan struct{})
	remote := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		<-release
		_, _ = w.Write(set)
	}))
	defer remote.Close()
	keys := clientauth.NewKeySets(remote.Client(), nil)
	c := &store.Client{ID: "remote", TokenEndpointAuthMethod: "private_key_jwt", JWKSURI: remote.URL + "/jwks"}

	first := make(chan error, 1)
	go func() {
		_, err := keys.Key(context.Background(), c, "k1")
		first <- err
	}()
	for deadline := time.Now().Add(10 * time.Second); hits.Load() == 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the set was never fetched")
		}
	}
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
	close(release)
	if err := <-first; err != nil {
		t.Fatalf("the fetching request: %v", err)
	}
	if n := hits.Load(); n != 1 {
		t.Fatalf("fetched %d times, want 1", n)
	}
}
