// Package throttle decides which password sign-ins may check a password,
// as NIST SP 800-63B section 5.2.2 intends, so that guessing is slow but
// nobody can lock anyone else out:
//
//   - per (account, address) pair, a few failures, then a back-off that
//     doubles with each further failure (the attempt is refused with its
//     wait; the server never sleeps);
//   - per account, at most so many consecutive failures from all
//     addresses, after which only an address that signed in to the
//     account before may try, until a success or an administrator's
//     unlock;
//   - per address, the number of distinct accounts it failed on
//     (password spraying), not of failures, so that many people behind
//     one NAT who mistype are not locked out together.
//
// An attempt is counted as a failure before its password is checked
// (reserved) and taken back when the password was right, so concurrent
// attempts cannot pass a limit. The counts live in the auth store, shared
// by every auth-server on it.
package throttle

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/netip"
	"time"

	"github.com/smartgate/auth-server/internal/store"
)

// Limits are the throttle's settings.
type Limits struct {
	// PairFailures failures of one account from one address start a
	// back-off of Backoff, doubled per further failure up to MaxBackoff.
	PairFailures        int
	Backoff, MaxBackoff time.Duration
	// AccountFailures consecutive failures of one account from all
	// addresses leave it to known addresses; they are forgotten
	// FailureMemory after the last one.
	AccountFailures int
	FailureMemory   time.Duration
	// AccountsPerAddress distinct accounts failed on from one address
	// within Window refuse it further accounts. A pair's failures are
	// also forgotten Window after its back-off ends.
	AccountsPerAddress int
	Window             time.Duration
	// KnownAddressMemory is how long an address that signed in to an
	// account stays known to it.
	KnownAddressMemory time.Duration
}

// Why an attempt was refused.
const (
	ReasonPair    = "pair"    // this account from this address is in its back-off
	ReasonAccount = "account" // the account is locked to unknown addresses
	ReasonAddress = "address" // this address failed on too many accounts
)

// Refusal is a refused attempt: why, and how long until it may be tried.
type Refusal struct {
	Reason string
	Wait   time.Duration
}

// Logins throttles sign-ins against a store.
type Logins struct {
	store  store.LoginThrottleStore
	limits Limits
	now    func() time.Time
}

// New returns the throttle.
func New(st store.LoginThrottleStore, l Limits, now func() time.Time) *Logins {
	if now == nil {
		now = time.Now
	}
	return &Logins{store: st, limits: l, now: now}
}

// Reserve decides whether username may be tried from address (the
// request's client IP) and, when it may, counts the attempt as a failure
// until Succeeded takes it back. A refusal counts nothing against the
// account: only the attempting address's own counts may have grown.
func (t *Logins) Reserve(ctx context.Context, username, address string) (*Refusal, error) {
	account, addr, now, l := AccountKey(username), AddressKey(address), t.now(), t.limits
	known, err := t.store.KnownLoginAddress(ctx, account, addr, now)
	if err != nil {
		return nil, err
	}
	// The address's own records first, the account's shared one last, so
	// that an attempt refused on its address never counts against the
	// account.
	if !known {
		wait, err := t.store.ReserveLoginAddress(ctx, addr, account, store.LoginLimit{Max: l.AccountsPerAddress, Forget: l.Window}, now)
		if err != nil || wait > 0 {
			return refusal(ReasonAddress, wait, err)
		}
	}
	wait, err := t.store.ReserveLoginPair(ctx, account, addr,
		store.LoginLimit{Max: l.PairFailures, Forget: l.Window, Backoff: l.Backoff, MaxBackoff: l.MaxBackoff}, now)
	if err != nil || wait > 0 {
		return refusal(ReasonPair, wait, err)
	}
	wait, err = t.store.ReserveLoginAccount(ctx, account, known, store.LoginLimit{Max: l.AccountFailures, Forget: l.FailureMemory}, now)
	return refusal(ReasonAccount, wait, err)
}

func refusal(reason string, wait time.Duration, err error) (*Refusal, error) {
	if err != nil || wait <= 0 {
		return nil, err
	}
	return &Refusal{Reason: reason, Wait: wait}, nil
}

// Succeeded takes back what Reserve counted for a right password, and
// remembers address as known to the account.
func (t *Logins) Succeeded(ctx context.Context, username, address string) error {
	now := t.now()
	return t.store.LoginSucceeded(ctx, AccountKey(username), AddressKey(address), now.Add(t.limits.KnownAddressMemory), now)
}

// Locked reports whether the account is left to known addresses.
func (t *Logins) Locked(ctx context.Context, username string) (bool, error) {
	n, err := t.store.LoginAccountFailures(ctx, AccountKey(username), t.now())
	return n >= t.limits.AccountFailures, err
}

// Unlock forgets the account's consecutive failures (an administrator's
// unlock): any address may try it again.
func (t *Logins) Unlock(ctx context.Context, username string) error {
	return t.store.ClearLoginAccount(ctx, AccountKey(username))
}

// AccountKey is the throttle's name of a username: compared as usernames
// are, and bounded in size (a long one is hashed).
func AccountKey(username string) string {
	k := store.UsernameKey(username)
	if len(k) <= 128 {
		return k
	}
	sum := sha256.Sum256([]byte(k))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// AddressKey is the throttle's name of a client address: an IPv4 address
// itself, an IPv6 address its /64 (one subscriber's network, whose
// addresses are all theirs to use).
func AddressKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	a = a.Unmap()
	if a.Is4() {
		return a.String()
	}
	p, err := a.WithZone("").Prefix(64)
	if err != nil {
		return a.String()
	}
	return p.String()
}
