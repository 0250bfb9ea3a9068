package store

import (
	"context"
	"time"
)

// LoginLimit is one rule of sign-in throttling (see the throttle
// package): after Max counted failures further attempts are refused,
// and counted failures are forgotten Forget after the last one (for a
// pair, Forget after its back-off ends).
type LoginLimit struct {
	Max    int
	Forget time.Duration
	// Backoff and MaxBackoff apply to pairs only: once a pair has Max
	// failures, each further failure refuses the next attempts for
	// Backoff, doubled per failure beyond Max, at most MaxBackoff.
	Backoff, MaxBackoff time.Duration
}

// LoginThrottleStore keeps the counts that throttle password sign-ins,
// shared by every auth-server on the store: per (account, address) pair,
// per account and per address. Each Reserve call is atomic: it either
// refuses, counting nothing, and answers how long until an attempt may
// be allowed (a positive wait), or counts the attempt as a failure in
// advance and answers 0; concurrent calls never exceed a limit. Records
// expire by themselves on every backend.
type LoginThrottleStore interface {
	// ReserveLoginPair refuses while the pair is in its back-off, else
	// counts a failure of account from address (starting or doubling the
	// back-off at and beyond l.Max).
	ReserveLoginPair(ctx context.Context, account, address string, l LoginLimit, now time.Time) (time.Duration, error)
	// ReserveLoginAccount refuses when account has l.Max consecutive
	// failures and known is false (the attempt does not come from an
	// address that signed in to it), else counts a failure of account.
	ReserveLoginAccount(ctx context.Context, account string, known bool, l LoginLimit, now time.Time) (time.Duration, error)
	// ReserveLoginAddress refuses when address failed on l.Max other
	// accounts within the last l.Forget, else remembers that it failed on
	// account (each account for l.Forget: a sliding window). The wait is
	// the time until the oldest is forgotten.
	ReserveLoginAddress(ctx context.Context, address, account string, l LoginLimit, now time.Time) (time.Duration, error)
	// LoginSucceeded takes back the failures an attempt reserved, because
	// it was right: the pair's failures and back-off, the account's
	// consecutive failures and the address's failure on the account are
	// cleared, and address is remembered as known to account until
	// knownUntil.
	LoginSucceeded(ctx context.Context, account, address string, knownUntil, now time.Time) error
	// KnownLoginAddress reports whether address signed in to account and
	// is still remembered.
	KnownLoginAddress(ctx context.Context, account, address string, now time.Time) (bool, error)
	// LoginAccountFailures is the account's consecutive failures still
	// remembered.
	LoginAccountFailures(ctx context.Context, account string, now time.Time) (int, error)
	// ClearLoginAccount forgets the account's consecutive failures (an
	// administrator's unlock). No error when there are none.
	ClearLoginAccount(ctx context.Context, account string) error
}

// PairBackoff is the back-off a pair's failures-th failure starts under
// l: none below l.Max, then l.Backoff doubled per failure beyond l.Max,
// at most l.MaxBackoff.
func PairBackoff(failures int, l LoginLimit) time.Duration {
	if failures < l.Max || l.Backoff <= 0 {
		return 0
	}
	d := l.Backoff
	for i := l.Max; i < failures && d < l.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, l.MaxBackoff)
}

// PairBackoffs is the schedule of PairBackoff from the l.Max-th failure
// until it reaches l.MaxBackoff, which then repeats (for backends that
// look the back-off up rather than compute it).
func PairBackoffs(l LoginLimit) []time.Duration {
	var out []time.Duration
	for n := l.Max; len(out) < 64; n++ {
		d := PairBackoff(n, l)
		out = append(out, d)
		if d <= 0 || d >= l.MaxBackoff {
			break
		}
	}
	return out
}
