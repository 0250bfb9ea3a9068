package admission

import (
	"net/http"
	"strconv"

	"github.com/smartgate/fhir-server/internal/fhirerr"
)

// enter counts a request in flight for addr; false when addr already has
// MaxInFlightPerAddress.
func (a *admission) enter(addr string) bool {
	limit := a.o.MaxInFlightPerAddress
	if limit <= 0 {
		return true
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.inFlight[addr] >= limit {
		return false
	}
	a.inFlight[addr]++
	return true
}

func (a *admission) leave(addr string) {
	if a.o.MaxInFlightPerAddress <= 0 {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.inFlight[addr] <= 1 {
		delete(a.inFlight, addr) // the map holds only addresses with requests in flight
		return
	}
	a.inFlight[addr]--
}

// shedRetryAfter is the Retry-After of a shed request, in seconds: the
// requests in flight usually finish well within it.
const shedRetryAfter = 1

// shed answers a request over its address's bound: 429 with Retry-After
// and an OperationOutcome, counted and logged.
func (a *admission) shed(w http.ResponseWriter, r *http.Request, addr string) {
	a.o.Metrics.Shed(ReasonAddressInFlight)
	a.shedLog.add(r.Context(), "address", addr, "limit", a.o.MaxInFlightPerAddress)
	w.Header().Set("Retry-After", strconv.Itoa(shedRetryAfter))
	a.o.Refuse(w, r, fhirerr.Errorf(http.StatusTooManyRequests, "throttled",
		"too many requests in flight from your address (at most %d at once); retry after %d s", a.o.MaxInFlightPerAddress, shedRetryAfter))
}
