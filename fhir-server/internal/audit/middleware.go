package audit

import (
	"bytes"
	"io"
	"net/http"
	"regexp"
	"slices"

	"github.com/smartgate/pkg/clientip"
	"github.com/smartgate/pkg/requestid"

	"github.com/smartgate/fhir-server/internal/fhirerr"
	"github.com/smartgate/fhir-server/internal/route"
	"github.com/smartgate/fhir-server/internal/security"
)

// Middleware records every request below basePath except the open routes
// (metadata, SMART configuration) and CORS preflights, and holds each
// response until its AuditEvent is recorded: a client is never told of a
// read or a write the audit trail might not hold. Writes record theirs
// in their own transaction (see LogStore.InTx); every other request's
// event is journaled (see Recorder) before the response leaves. When the
// event cannot be recorded the response is replaced by a 503. Requests
// refused for want of a valid token (401) are summed per address and
// minute instead (see unauthenticated), so a flood of them costs no
// durable write each.
//
// It attaches a security.Record to the request, which the security layer
// fills with the verified claims and the accesses it decided.
func (r *Recorder) Middleware(basePath string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		rt, _ := route.Parse(basePath, req.Method, req.URL.Path, req.URL.RawQuery)
		if !rt.Below || rt.Open || isPreflight(req) {
			next.ServeHTTP(w, req)
			return
		}
		req, reqID := requestid.Start(w, req) // kept when an outer layer gave one
		ctx, rec := security.Attach(req.Context())
		interaction, entities := fromRoute(rt)
		t := &trail{
			request: Event{Interaction: interaction, Entities: entities, Address: clientip.Host(req.RemoteAddr), RequestID: reqID},
			claims:  rec.Claims,
		}
		req = req.WithContext(withTrail(ctx, t))
		var peek *peekBody
		if rt.Interaction == route.Transaction && req.Body != nil {
			peek = &peekBody{ReadCloser: req.Body}
			req.Body = peek
		}
		held := holdResponse(w)
		defer held.free()
		next.ServeHTTP(held, req)

		status := held.Status()
		e := r.event(t, status, rec, peek, req.URL.RawQuery)
		_, _, _, wrote := t.snapshot()
		switch {
		case wrote && route.Interaction(e.Interaction).Writes():
			// Its AuditEvent committed with the write.
		case status == http.StatusUnauthorized && rec.Claims() == nil:
			r.unauth.add(e)
		default:
			if err := r.Record(e); err != nil {
				fhirerr.Write(w, fhirerr.Errorf(http.StatusServiceUnavailable, "transient",
					"the server cannot record this request in its audit trail at the moment; nothing was returned; try again shortly"))
				return
			}
		}
		held.release()
	})
}

// event builds the Event of a finished request from what the security
// layer decided and the store returned, or from the path when nothing
// was decided (the request was refused before).
func (r *Recorder) event(t *trail, status int, rec *security.Record, peek *peekBody, query string) Event {
	e := t.who()
	e.Recorded, e.Status = r.now(), status
	if e.Interaction == "batch" && peek != nil {
		e.Interaction = peek.bundleType()
	}
	var decided []Entity
	for _, d := range rec.Accesses() {
		a := d.Access
		if !a.Entry && a.Type == "" && a.Interaction == route.Transaction {
			continue // the Bundle as a whole: its type comes from its body
		}
		ent := Entity{Type: a.Type, ID: a.ID, Interaction: string(a.Interaction)}
		if !a.Entry {
			e.Interaction = string(a.Interaction)
			ent.Query = query
		}
		decided = append(decided, ent)
	}
	if len(decided) > 0 {
		e.Entities = decided
	}
	touched, patients, returned, _ := t.snapshot()
	if e.Interaction == "search-type" && status < 300 && len(e.Entities) == 1 {
		e.Entities[0].Count, e.Entities[0].Counted = returned, true
	}
	for _, ref := range touched {
		if !slices.ContainsFunc(e.Entities, func(x Entity) bool { return x.Type == ref.Type && x.ID == ref.ID }) {
			e.Entities = append(e.Entities, Entity{Type: ref.Type, ID: ref.ID, Interaction: e.Interaction})
		}
	}
	for _, p := range patients {
		if !slices.Contains(e.Patients, p) {
			e.Patients = append(e.Patients, p)
		}
	}
	return e
}

// fromRoute names the interaction and target of a request by its route
// (named by its shape also when it could not be served).
func fromRoute(rt route.Route) (string, []Entity) {
	switch rt.Interaction {
	case route.Transaction:
		return "batch", nil // until the body says which
	case route.HistorySystem:
		return string(rt.Interaction), nil
	}
	return string(rt.Interaction), []Entity{{Type: rt.Type, ID: rt.ID, Query: rt.Query, Interaction: string(rt.Interaction)}}
}

func isPreflight(r *http.Request) bool {
	return r.Method == http.MethodOptions && r.Header.Get("Origin") != "" && r.Header.Get("Access-Control-Request-Method") != ""
}

// peekBody keeps the first bytes of a Bundle posted to the base, to tell
// a batch from a transaction.
type peekBody struct {
	io.ReadCloser
	head bytes.Buffer
}

const peekBytes = 1024

func (p *peekBody) Read(b []byte) (int, error) {
	n, err := p.ReadCloser.Read(b)
	if room := peekBytes - p.head.Len(); room > 0 && n > 0 {
		p.head.Write(b[:min(n, room)])
	}
	return n, err
}

var bundleTypePattern = regexp.MustCompile(`"type"\s*:\s*"(batch|transaction)"`)

func (p *peekBody) bundleType() string {
	if p != nil {
		if m := bundleTypePattern.FindSubmatch(p.head.Bytes()); m != nil {
			return string(m[1])
		}
	}
	return "batch"
}
