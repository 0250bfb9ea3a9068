package token

import (
	"crypto/rsa"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
)

// TestRotationPickedUpOnUnknownKid: a token signed by a key added to the
// JWKS after start verifies at once, through the kid-miss refresh.
func TestRotationPickedUpOnUnknownKid(t *testing.T) {
	keys := testKeys(t)
	srv := newJWKSServer(t)
	srv.publish(t, map[string]*rsa.PrivateKey{"k1": keys[0]})
	clk := &clock{now: time.Unix(1_800_000_000, 0)}
	v := newTestVerifier(t, srv, clk, true, nil)

	old := sign(t, validClaims(clk.Now(), "old"), jwa.RS256, keys[0], "k1")
	if _, err := v.Verify(t.Context(), old); err != nil {
		t.Fatal(err)
	}
	srv.publish(t, map[string]*rsa.PrivateKey{"k1": keys[0], "k2": keys[1]})
	clk.Add(31 * time.Second) // past MinKidRefresh since the start-up fetch
	rotated := sign(t, validClaims(clk.Now(), "new"), jwa.RS256, keys[1], "k2")
	if _, err := v.Verify(t.Context(), rotated); err != nil {
		t.Fatalf("token of the rotated key: %v", err)
	}
	if v.tokens.len() != 1 {
		t.Fatalf("key-set change did not clear the token cache: %d entries", v.tokens.len())
	}
	if _, err := v.Verify(t.Context(), old); err != nil {
		t.Fatalf("token of the retired key still published: %v", err)
	}
}

// TestUnknownKidRefreshIsRateLimited: a flood of bogus kids costs at most
// one JWKS fetch per MinKidRefresh.
func TestUnknownKidRefreshIsRateLimited(t *testing.T) {
	keys := testKeys(t)
	srv := newJWKSServer(t)
	srv.publish(t, map[string]*rsa.PrivateKey{"k1": keys[0]})
	clk := &clock{now: time.Unix(1_800_000_000, 0)}
	v := newTestVerifier(t, srv, clk, true, nil)
	clk.Add(31 * time.Second)
	before := srv.hits.Load()
	for i := range 200 {
		tok := sign(t, validClaims(clk.Now(), "x"), jwa.RS256, keys[1], fmt.Sprintf("bogus-%d", i))
		if _, err := v.Verify(t.Context(), tok); !errors.Is(err, ErrUnknownKey) {
			t.Fatalf("bogus kid: err = %v, want ErrUnknownKey", err)
		}
	}
	if got := srv.hits.Load() - before; got != 1 {
		t.Fatalf("200 bogus kids caused %d JWKS fetches, want 1", got)
	}
	clk.Add(31 * time.Second)
	tok := sign(t, validClaims(clk.Now(), "x"), jwa.RS256, keys[1], "bogus-again")
	_, _ = v.Verify(t.Context(), tok)
	if got := srv.hits.Load() - before; got != 2 {
		t.Fatalf("after MinKidRefresh: %d JWKS fetches, want 2", got)
	}
}

// TestRemovedKeyStopsVerifying: a key dropped from the JWKS (auth-server
// keys revoke) stops verifying after the next refresh, cached tokens
// included; once through an explicit refresh, once through the periodic one.
func TestRemovedKeyStopsVerifying(t *testing.T) {
	keys := testKeys(t)
	for _, periodic := range []bool{false, true} {
		t.Run(fmt.Sprintf("periodic=%v", periodic), func(t *testing.T) {
			srv := newJWKSServer(t)
			srv.publish(t, map[string]*rsa.PrivateKey{"k1": keys[0], "k2": keys[1]})
			clk := &clock{now: time.Unix(1_800_000_000, 0)}
			v := newTestVerifier(t, srv, clk, true, func(c *VerifierConfig) { c.RefreshInterval = time.Second })
			tok := sign(t, validClaims(clk.Now(), "k2-token"), jwa.RS256, keys[1], "k2")
			if _, err := v.Verify(t.Context(), tok); err != nil {
				t.Fatal(err)
			}
			srv.publish(t, map[string]*rsa.PrivateKey{"k1": keys[0]})
			if periodic {
				waitFor(t, "the periodic refresh to drop k2", func() bool {
					_, err := v.Verify(t.Context(), tok)
					return errors.Is(err, ErrUnknownKey)
				})
			} else if err := v.Refresh(t.Context()); err != nil {
				t.Fatal(err)
			}
			if _, err := v.Verify(t.Context(), tok); !errors.Is(err, ErrUnknownKey) {
				t.Fatalf("token of the removed key: err = %v, want ErrUnknownKey", err)
			}
			if _, err := v.Verify(t.Context(), sign(t, validClaims(clk.Now(), "k1-token"), jwa.RS256, keys[0], "k1")); err != nil {
				t.Fatalf("token of the kept key: %v", err)
			}
		})
	}
}

// TestJWKSDownAtStartThenUp: the verifier starts without keys, refuses
// cleanly, and verifies once the JWKS answers.
func TestJWKSDownAtStartThenUp(t *testing.T) {
	keys := testKeys(t)
	srv := newJWKSServer(t)
	srv.setDown(true)
	clk := &clock{now: time.Unix(1_800_000_000, 0)}
	v := newTestVerifier(t, srv, clk, false, nil)
	tok := sign(t, validClaims(clk.Now(), "j"), jwa.RS256, keys[0], "k1")

	waitFor(t, "the first fetch to fail", func() bool { _, err := v.Healthy(); return err != nil })
	if ok, err := v.Healthy(); ok || err == nil {
		t.Fatalf("Healthy = %v, %v while the JWKS is down", ok, err)
	}
	if _, err := v.Verify(t.Context(), tok); !errors.Is(err, ErrKeysUnavailable) {
		t.Fatalf("err = %v, want ErrKeysUnavailable", err)
	}
	srv.publish(t, map[string]*rsa.PrivateKey{"k1": keys[0]}) // also brings it up
	waitFor(t, "keys to load", func() bool { ok, _ := v.Healthy(); return ok })
	if _, err := v.Verify(t.Context(), tok); err != nil {
		t.Fatalf("after the JWKS came up: %v", err)
	}
	if ok, err := v.Healthy(); !ok || err != nil {
		t.Fatalf("Healthy = %v, %v", ok, err)
	}
}

// TestCachedKeysServeWhileJWKSDown: once loaded, keys keep verifying new
// tokens while the JWKS cannot be reached.
func TestCachedKeysServeWhileJWKSDown(t *testing.T) {
	keys := testKeys(t)
	srv := newJWKSServer(t)
	srv.publish(t, map[string]*rsa.PrivateKey{"k1": keys[0]})
	clk := &clock{now: time.Unix(1_800_000_000, 0)}
	v := newTestVerifier(t, srv, clk, true, nil)
	srv.setDown(true)
	if err := v.Refresh(t.Context()); err == nil {
		t.Fatal("refresh against a down JWKS succeeded")
	}
	for i := range 3 {
		tok := sign(t, validClaims(clk.Now(), fmt.Sprintf("fresh-%d", i)), jwa.RS256, keys[0], "k1")
		if _, err := v.Verify(t.Context(), tok); err != nil {
			t.Fatalf("token %d while JWKS down: %v", i, err)
		}
	}
	if ok, err := v.Healthy(); !ok || err == nil {
		t.Fatalf("Healthy = %v, %v; want keys loaded and the fetch error", ok, err)
	}
}
