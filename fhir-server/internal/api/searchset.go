package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/smartgate/fhir-server/internal/access"
	"github.com/smartgate/fhir-server/internal/fhirerr"
	"github.com/smartgate/fhir-server/internal/search"
	"github.com/smartgate/fhir-server/internal/store"
)

// cursorParam carries the store's opaque paging cursor in next/previous
// links (search.Parse reads it into Query.Cursor).
const cursorParam = "_cursor"

// prepareSearch parses the query of a search (and the conditional query
// of If-None-Exist) into c.query.
func (h *Handler) prepareSearch(c *call) error {
	q, issues, err := search.Parse(c.typ, c.params, h.parseOptions(c.prefer.strict))
	if err != nil {
		var pe *search.ParamError
		var le *search.LimitError
		switch {
		case errors.As(err, &pe):
			return fhirerr.Errorf(http.StatusBadRequest, "invalid", "%v", err)
		case errors.As(err, &le):
			return fhirerr.Errorf(http.StatusBadRequest, "too-costly", "%v", err)
		}
		return err
	}
	c.query, c.issues = q, issues
	return nil
}

// prepareSubset reads _summary and _elements of a read or vread, with
// the search parser's rules for their values; _summary=count, a search
// result, is refused.
func (h *Handler) prepareSubset(c *call) error {
	params := url.Values{}
	for _, k := range []string{"_summary", "_elements"} {
		if v, ok := c.params[k]; ok {
			params[k] = v
		}
	}
	if len(params) == 0 {
		return nil
	}
	q, _, err := search.Parse(c.typ, params, h.parseOptions(true))
	var pe *search.ParamError
	switch {
	case errors.As(err, &pe):
		return fhirerr.Errorf(http.StatusBadRequest, "invalid", "%v", err)
	case err != nil:
		return err
	case q.SummaryOnly:
		return fhirerr.Errorf(http.StatusBadRequest, "invalid", "_summary=count applies to searches, not to a read")
	}
	c.summary, c.elements = q.Summary, q.Elements
	return nil
}

func (h *Handler) parseOptions(strict bool) search.ParseOptions {
	return search.ParseOptions{Strict: strict, DefaultCount: h.defCount, MaxCount: h.maxCount, BaseURL: h.base,
		MaxParameters: h.limits.MaxParameters, MaxValues: h.limits.MaxValues}
}

func (h *Handler) search(ctx context.Context, r store.Reader, c *call, g access.Grant) (*result, error) {
	q := *c.query
	q.Compartment = g.Compartment
	q.Clauses = append(append([]search.Clause(nil), q.Clauses...), g.Clauses...)
	page, err := r.Search(ctx, &q)
	if err != nil {
		return nil, err
	}
	b := newBundle("searchset", h.now())
	b.Total = page.Total
	b.Link = h.pageLinks(c.typ, c.params, page.NextCursor, page.PrevCursor)
	for _, m := range page.Matches {
		body, err := shape(m.Body, q.Elements, q.Summary)
		if err != nil {
			return nil, err
		}
		b.Entry = append(b.Entry, entry{FullURL: h.fullURL(m.Type, m.ID), Resource: body, Search: &entrySearch{Mode: "match"}})
	}
	for _, m := range page.Included {
		b.Entry = append(b.Entry, entry{FullURL: h.fullURL(m.Type, m.ID), Resource: m.Body, Search: &entrySearch{Mode: "include"}})
	}
	if len(c.issues) > 0 {
		issues := make([]fhirerr.Issue, 0, len(c.issues))
		for _, i := range c.issues {
			issues = append(issues, fhirerr.Issue{Severity: "warning", Code: "not-supported", Diagnostics: i.Param + ": " + i.Message, Expression: []string{i.Param}})
		}
		b.Entry = append(b.Entry, entry{Resource: fhirerr.Marshal(issues), Search: &entrySearch{Mode: "outcome"}})
	}
	return &result{status: http.StatusOK, bundle: encodeBundle(b)}, nil
}

// pageLinks builds self, next and previous links relative to the base
// URL, with the request's parameters and the store's cursors.
func (h *Handler) pageLinks(path string, params url.Values, next, prev string) []bundleLink {
	link := func(cursor string) string {
		p := url.Values{}
		for k, v := range params {
			if k != cursorParam {
				p[k] = v
			}
		}
		if cursor != "" {
			p.Set(cursorParam, cursor)
		}
		u := h.base
		if path != "" {
			u += "/" + path
		}
		if enc := p.Encode(); enc != "" {
			u += "?" + enc
		}
		return u
	}
	links := []bundleLink{{Relation: "self", URL: link(params.Get(cursorParam))}}
	if next != "" {
		links = append(links, bundleLink{Relation: "next", URL: link(next)})
	}
	if prev != "" {
		links = append(links, bundleLink{Relation: "previous", URL: link(prev)})
	}
	return links
}

func (h *Handler) fullURL(typ, id string) string { return h.base + "/" + typ + "/" + id }

// history answers instance, type and system history.
func (h *Handler) history(ctx context.Context, r store.Reader, c *call, g access.Grant) (*result, error) {
	q := store.HistoryQuery{Type: c.typ, ID: c.id, Compartment: g.Compartment, Cursor: c.params.Get(cursorParam), Count: h.defCount}
	if len(g.Clauses) > 0 {
		if c.id == "" {
			return nil, fhirerr.Errorf(http.StatusForbidden, "forbidden", "history of a type is not available under scopes with search conditions")
		}
		if cur, err := h.visible(ctx, r, c.typ, c.id, g); err != nil || cur == nil {
			return nil, orNotFound(err, c.typ, c.id)
		}
	}
	if s := c.params.Get("_count"); s != "" {
		var n int
		if _, err := fmt.Sscanf(s, "%d", &n); err != nil || n < 0 {
			return nil, fhirerr.Errorf(http.StatusBadRequest, "invalid", "_count %q is not a number", s)
		}
		q.Count = min(n, h.maxCount)
	}
	if s := c.params.Get("_since"); s != "" {
		t, err := parseInstant(s)
		if err != nil {
			return nil, fhirerr.Errorf(http.StatusBadRequest, "invalid", "_since %q is not an instant", s)
		}
		q.Since = t
	}
	page, err := r.History(ctx, q)
	if err != nil {
		return nil, err
	}
	if c.id != "" && len(page.Versions) == 0 && c.params.Get(cursorParam) == "" && q.Since.IsZero() {
		return nil, notFound(c.typ, c.id) // never existed, or outside the grant
	}
	b := newBundle("history", h.now())
	total := page.Total
	b.Total = &total
	path := "_history"
	if c.typ != "" {
		path = c.typ + "/_history"
		if c.id != "" {
			path = c.typ + "/" + c.id + "/_history"
		}
	}
	b.Link = h.pageLinks(path, c.params, page.NextCursor, page.PrevCursor)
	for _, v := range page.Versions {
		e := entry{FullURL: h.fullURL(v.Type, v.ID), Request: &entryRequest{URL: v.Type + "/" + v.ID}}
		switch {
		case v.Deleted:
			e.Request.Method = http.MethodDelete
			e.Response = &entryResponse{Status: statusLine(http.StatusNoContent), LastModified: instant(v.LastUpdated)}
		default:
			e.Resource = v.Body
			e.Request.Method = http.MethodPut
			status := http.StatusOK
			if v.VersionID == 1 {
				e.Request.Method, e.Request.URL, status = http.MethodPost, v.Type, http.StatusCreated
			}
			e.Response = &entryResponse{Status: statusLine(status), ETag: etag(v.VersionID), LastModified: instant(v.LastUpdated)}
		}
		b.Entry = append(b.Entry, e)
	}
	return &result{status: http.StatusOK, bundle: encodeBundle(b)}, nil
}

func parseInstant(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02", "2006-01", "2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("not an instant")
}
