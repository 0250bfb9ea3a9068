package token

import (
	"errors"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/lestrrat-go/httprc"
)

// DefaultStartupGrace is how long the JWKS fetch and the revocation feed
// stay quiet about failing before their first success: the auth server is
// often starting beside the resource server (make run, docker-compose).
const DefaultStartupGrace = 30 * time.Second

// startup logs the failures of a fetch that has not yet succeeded: at
// debug level during the grace period, then one warning, then at debug
// level again (readiness keeps reporting it). Once the fetch has
// succeeded, every failure is a warning.
type startup struct {
	began  time.Time
	grace  time.Duration
	warned atomic.Bool
}

func newStartup(now time.Time, grace time.Duration) *startup {
	if grace == 0 {
		grace = DefaultStartupGrace
	}
	return &startup{began: now, grace: grace}
}

// failed logs err, which happened at now: as msg with attrs, or, for the
// one warning of a start that outlasted the grace period, as lateMsg.
func (s *startup) failed(log *slog.Logger, now time.Time, loaded bool, err error, msg, lateMsg string, attrs ...any) {
	attrs = append(attrs, "err", fetchCause(err))
	switch {
	case loaded:
		log.Warn(msg, attrs...)
	case now.Sub(s.began) < s.grace || s.warned.Swap(true):
		log.Debug(msg, attrs...)
	default:
		log.Warn(lateMsg, append(attrs, "since_start", now.Sub(s.began).Round(time.Second).String())...)
	}
}

// fetchCause drops the wrappers jwk.Cache puts around a fetch error, each
// naming the URL the log line names already.
func fetchCause(err error) error {
	var re *httprc.RefreshError
	if errors.As(err, &re) {
		err = re.Err
	}
	for strings.HasPrefix(err.Error(), `failed to fetch "`) {
		inner := errors.Unwrap(err)
		if inner == nil {
			break
		}
		err = inner
	}
	return err
}
