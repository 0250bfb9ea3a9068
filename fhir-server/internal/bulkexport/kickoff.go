package bulkexport

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/smartgate/pkg/token"

	"github.com/smartgate/fhir-server/internal/access"
	"github.com/smartgate/fhir-server/internal/fhirerr"
	"github.com/smartgate/fhir-server/internal/route"
	"github.com/smartgate/fhir-server/internal/search"
	"github.com/smartgate/fhir-server/internal/store"
)

// kickOff starts a job: authorization first (a client without system/
// scopes learns nothing about its parameters), then the parameters, then
// the plan, which holds exactly what the scopes allow.
func (x *Exports) kickOff(ctx context.Context, w http.ResponseWriter, r *http.Request, rt route.Route, c *token.Claims, readBody func() ([]byte, error), authorize Authorizer) error {
	if _, err := authorize(ctx, access.Access{Interaction: route.Operation}); err != nil {
		return err
	}
	if !respondAsync(r.Header.Values("Prefer")) {
		return invalid("a bulk data kick-off needs the header Prefer: respond-async")
	}
	if !acceptsFHIRJSON(r.Header.Values("Accept")) {
		return fhirerr.Errorf(http.StatusNotAcceptable, "not-supported", "the kick-off answers application/fhir+json; Accept %q does not allow it", r.Header.Get("Accept"))
	}
	body, err := readBody()
	if err != nil {
		return err
	}
	params, err := kickOffParams(r, body)
	if err != nil {
		return err
	}
	p, err := x.plan(ctx, rt, params, authorize)
	if err != nil {
		return err
	}
	spec, err := json.Marshal(p)
	if err != nil {
		return err
	}
	now := x.o.Now().UTC()
	job := store.ExportJob{
		ID: uuid7(), ClientID: clientID(c), Request: x.requestURL(r), Spec: spec,
		TransactionTime: now, Created: now, Expires: now.Add(x.o.Expiry),
	}
	if err := x.o.Jobs.CreateExportJob(ctx, job, x.o.MaxJobsPerClient); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return fhirerr.Errorf(http.StatusTooManyRequests, "throttled", "this client has an export running already, or keeps %d exports; wait for it to complete, or delete exports it has downloaded (DELETE their status URLs)", x.o.MaxJobsPerClient).
				WithHeader("Retry-After", seconds(x.o.PollInterval))
		}
		return err
	}
	select {
	case x.wake <- struct{}{}:
	default:
	}
	w.Header().Set("Content-Location", x.statusURL(job.ID))
	w.Header().Set("Content-Type", fhirerr.ContentType)
	w.WriteHeader(http.StatusAccepted)
	_, _ = w.Write(fhirerr.Marshal([]fhirerr.Issue{{Severity: "information", Code: "informational", Diagnostics: "export started; poll " + x.statusURL(job.ID)}}))
	return nil
}

// requestURL is the kick-off as the manifest's request names it: the
// base from configuration, never from the Host header.
func (x *Exports) requestURL(r *http.Request) string {
	u := x.base + strings.TrimPrefix(r.URL.Path, basePath(x.base))
	if r.URL.RawQuery != "" {
		u += "?" + r.URL.RawQuery
	}
	return u
}

func basePath(base string) string {
	u, err := url.Parse(base)
	if err != nil {
		return ""
	}
	return u.Path
}

// plan decides the steps of a job: the refused types' OperationOutcomes
// first, then per type its resources and, with _since, its deletions.
func (x *Exports) plan(ctx context.Context, rt route.Route, params url.Values, authorize Authorizer) (plan, error) {
	if err := checkParams(params); err != nil {
		return plan{}, err
	}
	var p plan
	var err error
	if p.Since, err = since(params); err != nil {
		return p, err
	}
	candidates := search.Types()
	if rt.Type != "" {
		candidates = slices.DeleteFunc(candidates, func(t string) bool { return !inPatientCompartment(t) })
	}
	var members []string
	if rt.Type == "Group" {
		if members, err = x.groupMembers(ctx, rt.ID, authorize); err != nil {
			return p, err
		}
	}
	types := candidates
	if vs := params[paramType]; len(vs) > 0 {
		types = nil
		for _, v := range vs {
			for t := range strings.SplitSeq(v, ",") {
				t = strings.TrimSpace(t)
				switch {
				case !search.KnownType(t):
					return p, invalid("_type names %q, which is no resource type of this server", t)
				case !slices.Contains(candidates, t):
					return p, invalid("_type names %q, which lies outside the patient compartment a Patient or Group export is confined to", t)
				case !slices.Contains(types, t):
					types = append(types, t)
				}
			}
		}
	}
	filters, err := x.typeFilters(params[paramTypeFilter], types)
	if err != nil {
		return p, err
	}
	var refused []string
	var firstRefusal error
	for _, t := range types {
		g, err := authorize(ctx, access.Access{Interaction: route.Operation, Type: t})
		if err != nil {
			var fe *fhirerr.Error
			if !errors.As(err, &fe) || fe.Status != http.StatusForbidden {
				return p, err
			}
			refused = append(refused, fmt.Sprintf("%s not exported: %s", t, diagnostics(fe)))
			firstRefusal = cmpOr(firstRefusal, err)
			continue
		}
		out := step{Kind: store.ExportOutput, Type: t, Clauses: g.Clauses, Compartment: g.Compartment}
		if f := filters[t]; f != nil {
			// A filter may reach other types (a chained parameter): the
			// client must be allowed to search those as well, or the
			// filter would tell it what it may not read.
			if _, err := authorize(ctx, access.Access{Interaction: route.Operation, Type: t, Query: f}); err != nil {
				return p, err
			}
			out.Clauses = slices.Concat(g.Clauses, f.Clauses)
		}
		if p.Since != nil {
			lu, _, err := search.Parse(t, url.Values{"_lastUpdated": {"gt" + p.Since.Format("2006-01-02T15:04:05.000Z07:00")}}, search.ParseOptions{Strict: true})
			if err != nil {
				return p, err
			}
			out.Clauses = append(out.Clauses, lu.Clauses...)
		}
		if rt.Type == "Group" {
			// The members' compartments, one after the other.
			for _, m := range members {
				s := out
				s.Compartment = &search.Compartment{Type: "Patient", ID: m}
				p.Steps = append(p.Steps, s)
			}
			continue
		}
		p.Steps = append(p.Steps, out)
		// Deletions carry no body to judge a granular scope's
		// conditions or a _typeFilter by: they are listed only for
		// types exported whole.
		if p.Since != nil && len(g.Clauses) == 0 && filters[t] == nil && g.Compartment == nil {
			p.Steps = append(p.Steps, step{Kind: store.ExportDeleted, Type: t})
		}
	}
	if len(p.Steps) == 0 && firstRefusal != nil {
		return p, firstRefusal
	}
	if len(refused) > 0 {
		p.Steps = append([]step{{Kind: store.ExportError, Refusals: refused}}, p.Steps...)
	}
	return p, nil
}

func cmpOr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// typeFilters parses _typeFilter values ("Observation?category=laboratory")
// with the search parser, one per type.
func (x *Exports) typeFilters(values, types []string) (map[string]*search.Query, error) {
	out := map[string]*search.Query{}
	for _, v := range values {
		t, q, ok := strings.Cut(v, "?")
		if !ok || !search.KnownType(t) {
			return nil, invalid("_typeFilter %q is not a resource type followed by ?query", v)
		}
		if !slices.Contains(types, t) {
			return nil, invalid("_typeFilter %q names %s, which this export does not include", v, t)
		}
		if _, dup := out[t]; dup {
			return nil, fhirerr.Errorf(http.StatusBadRequest, "not-supported", "more than one _typeFilter for %s is not supported; combine them in one query", t)
		}
		values, err := url.ParseQuery(q)
		if err != nil {
			return nil, invalid("_typeFilter %q: %v", v, err)
		}
		sq, _, err := search.Parse(t, values, search.ParseOptions{Strict: true, BaseURL: x.base, MaxParameters: x.o.MaxParameters, MaxValues: x.o.MaxValues})
		if err != nil {
			return nil, invalid("_typeFilter %q: %v", v, err)
		}
		if len(sq.Includes) > 0 || len(sq.RevIncludes) > 0 || len(sq.Sort) > 0 || sq.Count > 0 || sq.SummaryOnly || sq.Summary != "" || len(sq.Elements) > 0 {
			return nil, invalid("_typeFilter %q: only search parameters are allowed, not _include, _sort, _count, _summary, _elements or _total", v)
		}
		out[t] = sq
	}
	return out, nil
}

// inPatientCompartment reports whether resources of t lie in patients'
// compartments (the types Patient/$export exports).
func inPatientCompartment(t string) bool {
	if t == "Patient" {
		return true
	}
	if _, restricted := search.CompartmentParams(t); restricted {
		return true
	}
	_, via := search.CompartmentVia()[t]
	return via
}

func diagnostics(e *fhirerr.Error) string {
	if len(e.Issues) > 0 {
		return e.Issues[0].Diagnostics
	}
	return e.Error()
}

func clientID(c *token.Claims) string {
	if c == nil {
		return ""
	}
	return c.ClientID
}

func uuid7() string { return uuid.Must(uuid.NewV7()).String() }
