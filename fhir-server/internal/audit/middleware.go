package audit

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"regexp"

	"github.com/smartgate/pkg/clientip"

	"github.com/smartgate/fhir-server/internal/httpstatus"

	"github.com/smartgate/fhir-server/internal/api"
	"github.com/smartgate/fhir-server/internal/security"
)

// Middleware records every request below basePath except the open routes
// (metadata, SMART configuration) and CORS preflights. It attaches a
// security.Record to the request, which the security layer fills with
// the verified claims and the accesses it decided, and a ticket the
// Guard returned by Recorder.Guard fills with the request's place in the
// queue. Nothing is reserved here: a request that never asks for an
// access (401, unknown type, malformed query ...) is recorded only while
// the queue has room to spare.
func (r *Recorder) Middleware(basePath string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		segs, below := security.BelowBase(basePath, req.URL.Path)
		if !below || security.OpenRoute(segs) || isPreflight(req) {
			next.ServeHTTP(w, req)
			return
		}
		ctx, rec := security.Attach(req.Context())
		t := &ticket{}
		req = req.WithContext(context.WithValue(ctx, ticketKey{}, t))
		var peek *peekBody
		if len(segs) == 0 && req.Body != nil {
			peek = &peekBody{ReadCloser: req.Body}
			req.Body = peek
		}
		sw := httpstatus.Wrap(w)
		defer func() {
			r.finish(t, r.event(req, segs, sw.Status(), rec, peek))
		}()
		next.ServeHTTP(sw, req)
	})
}

// event builds the Event of a finished request from what the security
// layer recorded, or from the path when it recorded nothing (the request
// was refused before any access was decided).
func (r *Recorder) event(req *http.Request, segs []string, status int, rec *security.Record, peek *peekBody) Event {
	e := Event{Recorded: r.now(), Status: status, Address: clientip.Host(req.RemoteAddr)}
	if c := rec.Claims(); c != nil {
		e.Issuer, e.ClientID, e.Subject, e.FHIRUser, e.Patient = c.Issuer, c.ClientID, c.Subject, c.FHIRUser, c.Patient
	}
	e.Interaction, e.Entities = fromPath(req.Method, segs, req.URL.RawQuery)
	if len(segs) == 0 && req.Method == http.MethodPost {
		e.Interaction = peek.bundleType()
	}
	var decided []Entity
	for _, d := range rec.Accesses() {
		a := d.Access
		if a.Interaction == api.InteractionTransaction || a.Interaction == api.InteractionBatch {
			continue // the Bundle as a whole: its entries are the entities
		}
		ent := Entity{Type: a.Type, ID: a.ID, Interaction: string(a.Interaction)}
		if !a.Entry {
			e.Interaction = string(a.Interaction)
			ent.Query = req.URL.RawQuery
		}
		decided = append(decided, ent)
	}
	if len(decided) > 0 {
		e.Entities = decided
	}
	return e
}

// fromPath names the interaction and target of a request by its method
// and path, as the API routes them.
func fromPath(method string, segs []string, query string) (string, []Entity) {
	if len(segs) == 0 {
		return "batch", nil
	}
	if segs[0] == "_history" {
		return "history-system", nil
	}
	ent := Entity{Type: segs[0], Query: query}
	interaction := "search-type"
	switch {
	case len(segs) == 1 && method == http.MethodPost:
		interaction = "create"
	case len(segs) == 2 && segs[1] == "_history":
		interaction = "history-type"
	case len(segs) == 2 && segs[1] != "_search":
		ent.ID = segs[1]
		switch method {
		case http.MethodPut:
			interaction = "update"
		case http.MethodDelete:
			interaction = "delete"
		default:
			interaction = "read"
		}
	case len(segs) >= 3:
		ent.ID = segs[1]
		interaction = "history-instance"
		if len(segs) == 4 {
			interaction = "vread"
		}
	}
	ent.Interaction = interaction
	return interaction, []Entity{ent}
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
