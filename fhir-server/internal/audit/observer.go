package audit

import (
	"context"
	"net/http"
	"slices"
	"strconv"

	"github.com/smartgate/pkg/token"

	"github.com/smartgate/fhir-server/internal/fhirerr"
	"github.com/smartgate/fhir-server/internal/outcome"
	"github.com/smartgate/fhir-server/internal/route"
	"github.com/smartgate/fhir-server/internal/search"
	"github.com/smartgate/fhir-server/internal/store"
	"github.com/smartgate/fhir-server/internal/store/auditlog"
)

// Finished records the AuditEvent of a finished request before its
// response leaves (the Recorder is an observer of the API): a client is
// never told of a read or a write the audit trail might not hold. A
// request whose writes recorded their event in their own transaction
// (see Written) records nothing more; every other request's event is
// journaled (see Record). When the event cannot be recorded the
// response is withheld: the client gets 503. Requests refused for want of
// a valid token (401) are summed per address and minute instead (see
// unauthenticated), so a flood of them costs no durable write each.
func (r *Recorder) Finished(_ context.Context, o *outcome.Outcome) error {
	e := r.event(o)
	switch {
	case wroteOwn(o) && route.Interaction(e.Interaction).Writes():
		// Its AuditEvent committed with the write.
	case o.Status == http.StatusUnauthorized && o.Claims == nil:
		r.unauth.add(e)
	default:
		if err := r.Record(e); err != nil {
			return fhirerr.Errorf(http.StatusServiceUnavailable, "transient",
				"the server cannot record this request in its audit trail at the moment; nothing was returned; try again shortly")
		}
	}
	return nil
}

// wroteOwn reports whether a transaction of the request committed
// writes, and with them their AuditEvent (see Written).
func wroteOwn(o *outcome.Outcome) bool {
	return slices.ContainsFunc(o.Written, func(w store.Write) bool { return w.Resource.Type != auditlog.ResourceType })
}

// event builds the Event of a finished request from what the Guard
// decided and the store returned, or from its route when nothing was
// decided (the request was refused before).
func (r *Recorder) event(o *outcome.Outcome) auditlog.Event {
	e := requestEvent(o)
	e.Recorded, e.Status = r.now(), o.Status
	if e.Interaction == "batch" && o.BundleType != "" {
		e.Interaction = string(o.BundleType)
	}
	var decided []auditlog.Entity
	for _, d := range o.Accesses {
		a := d.Access
		if !a.Entry && a.Type == "" && a.Interaction == route.Transaction {
			continue // the Bundle as a whole: its type comes from its body
		}
		ent := auditlog.Entity{Type: a.Type, ID: a.ID, Interaction: string(a.Interaction)}
		if !a.Entry {
			e.Interaction = string(a.Interaction)
			ent.Query = o.Route.Query
		}
		decided = append(decided, ent)
	}
	if len(decided) > 0 {
		e.Entities = decided
	}
	if e.Interaction == string(route.Search) && o.Status < 300 && len(e.Entities) == 1 {
		e.Entities[0].Count, e.Entities[0].Counted = matches(o), true
	}
	for _, res := range o.Returned {
		if res.Type == auditlog.ResourceType {
			continue
		}
		if !slices.ContainsFunc(e.Entities, func(x auditlog.Entity) bool { return x.Type == res.Type && x.ID == res.ID }) {
			e.Entities = append(e.Entities, auditlog.Entity{Type: res.Type, ID: res.ID, Interaction: e.Interaction})
		}
	}
	for _, p := range r.patients(o, nil) {
		e.Patients = appendNew(e.Patients, p)
	}
	return e
}

// requestEvent is what is known of a request before it runs, and who
// made it: its route, address, request id and the token's claims.
func requestEvent(o *outcome.Outcome) auditlog.Event {
	interaction, entities := fromRoute(o.Route)
	e := auditlog.Event{Interaction: interaction, Entities: entities, Address: o.Address, RequestID: o.RequestID}
	who(&e, o.Claims)
	return e
}

// fromRoute names the interaction and target of a request by its route
// (named by its shape also when it could not be served).
func fromRoute(rt route.Route) (string, []auditlog.Entity) {
	switch rt.Interaction {
	case route.Transaction:
		return "batch", nil // until the body says which
	case route.HistorySystem:
		return string(rt.Interaction), nil
	case route.Operation:
		return string(rt.Interaction), []auditlog.Entity{exportEntity(rt)}
	}
	return string(rt.Interaction), []auditlog.Entity{{Type: rt.Type, ID: rt.ID, Query: rt.Query, Interaction: string(rt.Interaction)}}
}

// who fills in who made the request.
func who(e *auditlog.Event, c *token.Claims) {
	if c == nil {
		return
	}
	e.Issuer, e.ClientID, e.Subject, e.FHIRUser = c.Issuer, c.ClientID, c.Subject, c.FHIRUser
	if c.Patient != "" {
		e.Patients = []string{c.Patient}
	}
}

// matches is what the request's searches returned (AuditEvent searches,
// answered from the log, are not counted).
func matches(o *outcome.Outcome) int {
	n := 0
	for _, s := range o.Searches {
		if s.Type != auditlog.ResourceType {
			n += s.Matches
		}
	}
	return n
}

// patients are the patients whose compartments hold what the store
// returned to the request and what it wrote (its committed writes, then
// writes), first seen first.
func (r *Recorder) patients(o *outcome.Outcome, writes []store.Write) []string {
	var out []string
	for _, res := range o.Returned {
		if res.Type == auditlog.ResourceType || res.Deleted {
			continue
		}
		// A body that cannot be read names no patient; the store holds
		// only bodies the API validated.
		ps, _ := r.extract.PatientsOf(res.Type, res.ID, res.Body)
		for _, p := range ps {
			out = appendNew(out, p)
		}
	}
	for _, ws := range [][]store.Write{o.Written, writes} {
		for _, w := range ws {
			res := w.Resource
			if res.Type == auditlog.ResourceType {
				continue
			}
			params, _ := search.CompartmentParams(res.Type)
			for _, p := range search.Members("Patient", res.Type, res.ID, params, w.Index) {
				out = appendNew(out, p)
			}
		}
	}
	return out
}

func appendNew(ps []string, p string) []string {
	if slices.Contains(ps, p) {
		return ps
	}
	return append(ps, p)
}

// exportEntity names what a bulk-data export request asked for: the
// kick-off with its parameters (and its type and Group id), or the job
// whose status or file it asked for, as the query of the request.
func exportEntity(rt route.Route) auditlog.Entity {
	switch rt.Op {
	case route.OpExportPoll:
		return auditlog.Entity{Query: rt.Op + "/" + rt.ID, Interaction: string(rt.Interaction)}
	case route.OpExportFile:
		return auditlog.Entity{Query: rt.Op + "/" + rt.ID + "/" + strconv.Itoa(rt.File), Interaction: string(rt.Interaction)}
	}
	q := rt.Op
	if rt.Query != "" {
		q += "?" + rt.Query
	}
	return auditlog.Entity{Type: rt.Type, ID: rt.ID, Query: q, Interaction: string(rt.Interaction)}
}
