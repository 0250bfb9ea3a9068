package security

import (
	"context"
	"sync"

	"github.com/smartgate/pkg/token"

	"github.com/smartgate/fhir-server/internal/api"
)

// Record holds, for one HTTP request, the verified token claims and the
// accesses the Guard was asked about (one per request, or one per entry
// of a batch or transaction). The audit recorder reads it after the
// response; the Guard reuses the claims so a token is verified once per
// request. Safe for concurrent use.
type Record struct {
	mu       sync.Mutex
	claims   *token.Claims
	accesses []Decided
}

// Decided is one access the Guard decided, and whether it was allowed.
type Decided struct {
	Access  api.Access
	Allowed bool
}

type recordKey struct{}

// Attach returns ctx carrying a Record, the one already there if any.
func Attach(ctx context.Context) (context.Context, *Record) {
	if rec := RecordFrom(ctx); rec != nil {
		return ctx, rec
	}
	rec := &Record{}
	return context.WithValue(ctx, recordKey{}, rec), rec
}

// RecordFrom returns the Record of ctx, or nil.
func RecordFrom(ctx context.Context) *Record {
	rec, _ := ctx.Value(recordKey{}).(*Record)
	return rec
}

// Claims returns the verified claims of the request's token, or nil when
// the request was not (or not successfully) authenticated.
func (r *Record) Claims() *token.Claims {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.claims
}

// Accesses returns the accesses decided so far, in order.
func (r *Record) Accesses() []Decided {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Decided(nil), r.accesses...)
}

func (r *Record) setClaims(c *token.Claims) {
	r.mu.Lock()
	r.claims = c
	r.mu.Unlock()
}

func (r *Record) add(a api.Access, allowed bool) {
	r.mu.Lock()
	r.accesses = append(r.accesses, Decided{Access: a, Allowed: allowed})
	r.mu.Unlock()
}
