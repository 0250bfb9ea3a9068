// Package admission decides which requests the fhir-server starts work
// on, before anything else looks at them: at most so many requests in
// flight from one client address (X-Forwarded-For believed only from
// trusted proxies), and request bodies that must keep arriving at a
// minimum average rate once a grace period is over, so idle or trickling
// clients are cut off without a fixed deadline that would also cut a
// large upload on a slow link. What is shed is counted and logged (a
// line at most every LogEvery), never reported by /readyz: a readiness
// failure would make a load balancer drain every replica at once.
package admission

import (
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/smartgate/pkg/clientip"

	"github.com/smartgate/fhir-server/internal/config"
	"github.com/smartgate/fhir-server/internal/fhirerr"
)

// Reasons a request is shed, the label values of Metrics.Shed.
const (
	ReasonAddressInFlight = "address_in_flight"
	ReasonBodyTooSlow     = "body_too_slow"
)

// Metrics counts what is shed (*metrics.Metrics implements it).
type Metrics interface {
	Shed(reason string)
}

// Options configure Handler.
type Options struct {
	// MaxInFlightPerAddress bounds the requests served at once for one
	// client address; more answer 429 with Retry-After. 0: unbounded.
	MaxInFlightPerAddress int
	// MinBodyRate is the average a request body must keep up, in bytes
	// per second, once Grace has passed since the handler started; a
	// slower body's read fails (the API answers 408 and the connection
	// closes). 0: no minimum.
	MinBodyRate int64
	// Grace is how long a body may take before its rate counts (the
	// server's header timeout is a good value).
	Grace time.Duration
	// Addresses resolves client addresses; nil: the peer address.
	Addresses *clientip.Resolver
	// Exempt lists paths never counted against the in-flight bound
	// (health checks).
	Exempt   []string
	Logger   *slog.Logger
	Metrics  Metrics
	Now      func() time.Time
	LogEvery time.Duration // default 10s
	// Refuse writes a refusal (429) in the format the request asks for;
	// nil: FHIR JSON (fhirerr.Write). The server passes api.WriteError.
	Refuse func(w http.ResponseWriter, r *http.Request, e *fhirerr.Error)
}

// Handler applies the options around next. A request whose client
// address was forwarded by a trusted proxy carries that address as its
// RemoteAddr from here on, so audit and logs name the client.
func Handler(next http.Handler, o Options) http.Handler {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Metrics == nil {
		o.Metrics = noMetrics{}
	}
	if o.LogEvery <= 0 {
		o.LogEvery = 10 * time.Second
	}
	if o.Refuse == nil {
		o.Refuse = func(w http.ResponseWriter, _ *http.Request, e *fhirerr.Error) { fhirerr.Write(w, e) }
	}
	a := &admission{o: o, inFlight: map[string]int{}, exempt: map[string]bool{}}
	for _, p := range o.Exempt {
		a.exempt[p] = true
	}
	a.slowLog = newThrottledLog(o.Logger, o.Now, o.LogEvery, "request bodies cut off: slower than the minimum rate")
	a.shedLog = newThrottledLog(o.Logger, o.Now, o.LogEvery, "requests shed: too many in flight from one address")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		addr := o.Addresses.Address(r)
		if addr != clientip.Host(r.RemoteAddr) {
			r.RemoteAddr = addr
		}
		a.watchBody(w, r)
		if !a.exempt[r.URL.Path] && !a.enter(addr) {
			a.shed(w, r, addr)
			return
		}
		defer a.leave(addr)
		next.ServeHTTP(w, r)
	})
}

type admission struct {
	o       Options
	exempt  map[string]bool
	slowLog *throttledLog
	shedLog *throttledLog

	mu       sync.Mutex
	inFlight map[string]int // requests being served, by client address
}

type noMetrics struct{}

func (noMetrics) Shed(string) {}

// FromConfig returns the Options of the server's http settings; the
// caller adds the logger and metrics. Health checks are never shed.
func FromConfig(c config.HTTP) (Options, error) {
	addrs, err := clientip.Parse(c.TrustedProxies)
	if err != nil {
		return Options{}, fmt.Errorf("trusted proxies: %w", err)
	}
	return Options{
		MaxInFlightPerAddress: c.MaxInFlightPerAddress, MinBodyRate: c.MinBodyRate, Grace: c.ReadHeaderTimeout,
		Addresses: addrs, Exempt: []string{"/healthz", "/readyz"},
	}, nil
}
