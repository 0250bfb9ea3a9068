package api

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/smartgate/fhir-server/internal/access"
	"github.com/smartgate/fhir-server/internal/fhirerr"
	"github.com/smartgate/fhir-server/internal/outcome"
	"github.com/smartgate/fhir-server/internal/route"
	"github.com/smartgate/fhir-server/internal/store"
)

// serveBundle answers POST [base] with a batch or transaction Bundle.
// The Guard decides first whether the token could run any entry at all,
// before a byte of the body is read; then the entries are read one at a
// time, no more than the entry cap.
func (h *Handler) serveBundle(w http.ResponseWriter, r *http.Request, c *call, ct string, out *outcome.Outcome) error {
	kind := bodyType(r.Header.Get("Content-Type"))
	if kind != "json" && kind != "xml" {
		return fhirerr.Errorf(http.StatusUnsupportedMediaType, "not-supported", "Content-Type %q is not supported; send application/fhir+json or application/fhir+xml", r.Header.Get("Content-Type"))
	}
	if _, err := h.authorize(r.Context(), out, c.access()); err != nil {
		return err
	}
	body, err := limitBody(w, r, h.maxBody)
	if err != nil {
		return err
	}
	if kind == "xml" { // read whole (within the body limit) and parsed to the JSON read below
		raw, err := io.ReadAll(body)
		if err != nil {
			return bodyError(err)
		}
		if raw, _, err = fromXML(raw, r.Header.Get("Content-Type"), ""); err != nil {
			return err
		}
		body = bytes.NewReader(raw)
	}
	in, err := decodeBundle(body, h.maxEntry)
	if err != nil {
		return err
	}
	if t := route.Interaction(in.Type); t == route.Batch || t == route.Transaction {
		out.BundleType = t
	}
	if in.ResourceType != "Bundle" {
		return fhirerr.Errorf(http.StatusBadRequest, "invalid", "POST to the base takes a Bundle, not %q", in.ResourceType)
	}
	var res *bundle
	switch in.Type {
	case "transaction":
		res, err = h.transaction(r, in, c.prefer, out)
	case "batch":
		res, err = h.batch(r, in, c.prefer, out)
	default:
		return fhirerr.Errorf(http.StatusBadRequest, "invalid", "Bundle.type %q: POST to the base takes a batch or a transaction", in.Type)
	}
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", ct)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(encodeBundle(res))
	return nil
}

// entryCall turns one Bundle entry into a call, resolved and prepared.
func (h *Handler) entryCall(e *entry, p prefer) (*call, error) {
	if e.Request == nil || e.Request.Method == "" || e.Request.URL == "" {
		return nil, fhirerr.Errorf(http.StatusBadRequest, "required", "entry.request with method and url is required")
	}
	raw := strings.TrimPrefix(e.Request.URL, h.base)
	path, query, _ := strings.Cut(raw, "?")
	params, err := url.ParseQuery(query)
	if err != nil {
		return nil, fhirerr.Errorf(http.StatusBadRequest, "invalid", "entry.request.url %q: %v", e.Request.URL, err)
	}
	method := strings.ToUpper(e.Request.Method)
	rt, err := route.ParseEntry(method, path)
	if err != nil {
		return nil, err
	}
	if rt.Interaction == route.Transaction {
		return nil, fhirerr.Errorf(http.StatusBadRequest, "not-supported", "a Bundle entry cannot itself be a batch or transaction")
	}
	c := newCall(method, rt)
	c.params, c.prefer, c.fullURL = params, p, e.FullURL
	c.ifMatch, c.ifNoneExist = e.Request.IfMatch, e.Request.IfNoneExist
	if c.interaction == route.Create || c.interaction == route.Update {
		if len(e.Resource) == 0 {
			return nil, fhirerr.Errorf(http.StatusBadRequest, "required", "entry for %s %s has no resource", method, e.Request.URL)
		}
		m, err := parseResource(e.Resource)
		if err != nil {
			return nil, err
		}
		c.resource = m
	}
	return c, nil
}

// batch runs each entry on its own: one entry's failure is its own
// response status and OperationOutcome.
func (h *Handler) batch(r *http.Request, in *bundle, p prefer, out *outcome.Outcome) (*bundle, error) {
	resp := newBundle("batch-response", h.now())
	for i := range in.Entry {
		res, c, err := h.batchEntry(r, &in.Entry[i], p, out)
		if err != nil {
			e := asError(err, h.log)
			resp.Entry = append(resp.Entry, entry{Response: &entryResponse{Status: statusLine(e.Status), Outcome: fhirerr.Marshal(e.Issues)}})
			continue
		}
		resp.Entry = append(resp.Entry, h.entryResult(c, res))
	}
	return resp, nil
}

func (h *Handler) batchEntry(r *http.Request, e *entry, p prefer, out *outcome.Outcome) (*result, *call, error) {
	c, err := h.entryCall(e, p)
	if err != nil {
		return nil, nil, err
	}
	if err := h.prepare(c); err != nil {
		return nil, nil, err
	}
	a := c.access()
	a.Entry = true
	g, err := h.authorize(r.Context(), out, a)
	if err != nil {
		return nil, nil, err
	}
	res, err := h.run(r.Context(), c, g, out)
	return res, c, err
}

// transaction authorizes every entry, then runs them all in one store
// transaction: deletes, creates, updates, then reads, as STU3 orders
// them. References to an entry's fullUrl (urn:uuid:...) are rewritten to
// the Type/id it is given. Any failure rolls everything back and answers
// that entry's error.
func (h *Handler) transaction(r *http.Request, in *bundle, p prefer, out *outcome.Outcome) (*bundle, error) {
	ctx := r.Context()
	calls := make([]*call, len(in.Entry))
	grants := make([]access.Grant, len(in.Entry))
	for i := range in.Entry {
		c, err := h.entryCall(&in.Entry[i], p)
		if err != nil {
			return nil, entryError(i, err)
		}
		calls[i] = c
	}
	for i, c := range calls {
		if err := h.prepare(c); err != nil {
			return nil, entryError(i, err)
		}
		a := c.access()
		a.Entry = true
		g, err := h.authorize(ctx, out, a)
		if err != nil {
			return nil, err // 401/403 as they are
		}
		grants[i] = g
	}
	results, err := h.commit(ctx, calls, grants, out)
	if err != nil {
		return nil, err
	}
	resp := newBundle("transaction-response", h.now())
	for i, c := range calls {
		resp.Entry = append(resp.Entry, h.entryResult(c, results[i]))
	}
	return resp, nil
}

// commit runs prepared and authorized calls in one store transaction
// (out is nil for loads, which no request makes).
func (h *Handler) commit(ctx context.Context, calls []*call, grants []access.Grant, out *outcome.Outcome) ([]*result, error) {
	results := make([]*result, len(calls))
	err := h.inTx(ctx, out, func(tx store.Tx) error {
		if err := h.assignIDs(ctx, tx, calls, grants); err != nil {
			return err
		}
		if err := prefetchVersions(ctx, tx, calls); err != nil {
			return err
		}
		for _, phase := range [][]string{{http.MethodDelete}, {http.MethodPost}, {http.MethodPut}, {http.MethodGet, http.MethodHead}} {
			for i, c := range calls {
				if !slices.Contains(phase, c.method) {
					continue
				}
				res, err := h.execute(ctx, tx, c, grants[i])
				if err != nil {
					return entryError(i, err)
				}
				results[i] = res
			}
		}
		return nil
	})
	return results, err
}

// entryResult renders one entry of a batch-response or
// transaction-response.
func (h *Handler) entryResult(c *call, res *result) entry {
	e := entry{Response: &entryResponse{Status: statusLine(res.status)}}
	switch v := res.res; {
	case v != nil && !v.Deleted:
		e.FullURL = h.fullURL(v.Type, v.ID)
		e.Response.ETag = etag(v.VersionID)
		e.Response.LastModified = instant(v.LastUpdated)
		if c.interaction == route.Create || c.interaction == route.Update {
			e.Response.Location = v.Type + "/" + v.ID + "/_history/" + itoa(v.VersionID)
			switch c.prefer.ret {
			case "minimal":
			case "OperationOutcome":
				e.Response.Outcome = fhirerr.Marshal([]fhirerr.Issue{{Severity: "information", Code: "informational", Diagnostics: strings.ToLower(http.StatusText(res.status))}})
			default:
				e.Resource = v.Body
			}
		} else {
			e.Resource = v.Body
		}
	case res.bundle != nil:
		e.Resource = res.bundle
	}
	return e
}

// entryError names the failing entry in the error's diagnostics.
func entryError(i int, err error) error {
	var e *fhirerr.Error
	if !errors.As(err, &e) {
		return err
	}
	c := *e
	c.Issues = append([]fhirerr.Issue(nil), e.Issues...)
	for j := range c.Issues {
		c.Issues[j].Diagnostics = "entry " + itoa(int64(i)) + ": " + c.Issues[j].Diagnostics
		c.Issues[j].Expression = append(c.Issues[j].Expression, "Bundle.entry["+itoa(int64(i))+"]")
	}
	return &c
}
