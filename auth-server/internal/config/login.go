package config

import (
	"fmt"
	"time"
)

// Login throttles password sign-ins as NIST SP 800-63B section 5.2.2
// intends (the throttle package): slow guessing, without letting anyone
// lock someone else out.
type Login struct {
	// FailuresPerPair failures of one account from one address start a
	// back-off of Backoff, doubled per further failure up to MaxBackoff
	// (answered 429 with Retry-After; the server never sleeps).
	FailuresPerPair int           `yaml:"failures_per_pair" env:"FAILURES_PER_PAIR"`
	Backoff         time.Duration `yaml:"backoff" env:"BACKOFF"`
	MaxBackoff      time.Duration `yaml:"max_backoff" env:"MAX_BACKOFF"`
	// FailuresPerAccount consecutive failures of one account, from all
	// addresses, leave it to addresses that signed in to it before, until
	// a success there or an administrator's unlock. FailureMemory is how
	// long they are remembered after the last one.
	FailuresPerAccount int           `yaml:"failures_per_account" env:"FAILURES_PER_ACCOUNT"`
	FailureMemory      time.Duration `yaml:"failure_memory" env:"FAILURE_MEMORY"`
	// AccountsPerAddress distinct accounts failed on from one address
	// within Window (password spraying) refuse that address further
	// accounts until the oldest is forgotten. A pair's failures are
	// forgotten Window after its back-off ends.
	AccountsPerAddress int           `yaml:"accounts_per_address" env:"ACCOUNTS_PER_ADDRESS"`
	Window             time.Duration `yaml:"window" env:"WINDOW"`
	// KnownAddressMemory is how long an address that signed in to an
	// account stays known to it.
	KnownAddressMemory time.Duration `yaml:"known_address_memory" env:"KNOWN_ADDRESS_MEMORY"`
	// Concurrency bounds the password checks running at once (each holds
	// 19 MiB); 0 sizes it to the cores and the Go memory limit. A sign-in
	// waits up to QueueWait for a slot, then gets 429.
	Concurrency int           `yaml:"concurrency" env:"CONCURRENCY"`
	QueueWait   time.Duration `yaml:"queue_wait" env:"QUEUE_WAIT"`
}

// DefaultLogin returns the throttle defaults.
func DefaultLogin() Login {
	return Login{
		FailuresPerPair: 5, Backoff: time.Minute, MaxBackoff: time.Hour,
		FailuresPerAccount: 100, FailureMemory: 30 * 24 * time.Hour,
		AccountsPerAddress: 50, Window: 15 * time.Minute,
		KnownAddressMemory: 90 * 24 * time.Hour, QueueWait: time.Second,
	}
}

func (l Login) validate() []error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	for _, n := range []struct {
		name string
		v    int
	}{
		{"failures_per_pair (AUTH_WEB_LOGIN_FAILURES_PER_PAIR)", l.FailuresPerPair},
		{"failures_per_account (AUTH_WEB_LOGIN_FAILURES_PER_ACCOUNT)", l.FailuresPerAccount},
		{"accounts_per_address (AUTH_WEB_LOGIN_ACCOUNTS_PER_ADDRESS)", l.AccountsPerAddress},
	} {
		if n.v < 1 {
			bad("web.login.%s %d: must be at least 1", n.name, n.v)
		}
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{
		{"backoff (AUTH_WEB_LOGIN_BACKOFF)", l.Backoff},
		{"window (AUTH_WEB_LOGIN_WINDOW)", l.Window},
		{"failure_memory (AUTH_WEB_LOGIN_FAILURE_MEMORY)", l.FailureMemory},
		{"known_address_memory (AUTH_WEB_LOGIN_KNOWN_ADDRESS_MEMORY)", l.KnownAddressMemory},
	} {
		if d.v < time.Second {
			bad("web.login.%s %s: must be at least 1s", d.name, d.v)
		}
	}
	if l.MaxBackoff < l.Backoff {
		bad("web.login.max_backoff (AUTH_WEB_LOGIN_MAX_BACKOFF) %s: must be at least backoff (%s)", l.MaxBackoff, l.Backoff)
	}
	if l.Concurrency < 0 {
		bad("web.login.concurrency (AUTH_WEB_LOGIN_CONCURRENCY) %d: must be 0 (automatic) or more", l.Concurrency)
	}
	if l.QueueWait < 0 || l.QueueWait > time.Minute {
		bad("web.login.queue_wait (AUTH_WEB_LOGIN_QUEUE_WAIT) %s: must be between 0 and 1m", l.QueueWait)
	}
	return errs
}
