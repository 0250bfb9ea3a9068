package api

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"github.com/smartgate/fhir-server/internal/access"
	"github.com/smartgate/fhir-server/internal/fhirerr"
	"github.com/smartgate/fhir-server/internal/search"
	"github.com/smartgate/fhir-server/internal/store"
)

// result is what an interaction produced.
type result struct {
	status int
	res    *store.Resource // read, vread, create, update: the version answered
	bundle []byte          // search, history, batch, transaction
}

func (h *Handler) read(ctx context.Context, r store.Reader, c *call, g access.Grant) (*result, error) {
	if ownRecord(g, c.typ, c.id) {
		// The compartment's own Patient is always inside it (the store
		// makes every Patient a member of its own compartment): a plain
		// read, answered as the search below would answer it.
		res, err := r.Read(ctx, c.typ, c.id)
		if errors.Is(err, store.ErrGone) {
			return nil, notFound(c.typ, c.id)
		}
		if err != nil {
			return nil, readError(err, c.typ, c.id)
		}
		return &result{status: http.StatusOK, res: res}, nil
	}
	if g.Restricted() {
		res, err := h.visible(ctx, r, c.typ, c.id, g)
		if err != nil {
			return nil, err
		}
		if res == nil {
			return nil, notFound(c.typ, c.id)
		}
		return &result{status: http.StatusOK, res: res}, nil
	}
	res, err := r.Read(ctx, c.typ, c.id)
	if err != nil {
		return nil, readError(err, c.typ, c.id)
	}
	return &result{status: http.StatusOK, res: res}, nil
}

func (h *Handler) vread(ctx context.Context, r store.Reader, c *call, g access.Grant) (*result, error) {
	if g.Restricted() {
		// Only versions the compartment (and the grant's clauses, checked
		// on the current version) let through are revealed.
		if len(g.Clauses) > 0 {
			if cur, err := h.visible(ctx, r, c.typ, c.id, g); err != nil || cur == nil {
				return nil, orNotFound(err, c.typ, c.id)
			}
		}
		q := store.HistoryQuery{Type: c.typ, ID: c.id, Compartment: g.Compartment, Count: h.maxCount}
		for {
			page, err := r.History(ctx, q)
			if err != nil {
				return nil, err
			}
			for _, v := range page.Versions {
				if v.VersionID == c.version {
					if v.Deleted {
						return nil, fhirerr.Errorf(http.StatusGone, "not-found", "%s/%s version %d is a deletion", c.typ, c.id, c.version)
					}
					return &result{status: http.StatusOK, res: v}, nil
				}
			}
			if page.NextCursor == "" {
				return nil, notFound(c.typ, c.id)
			}
			q.Cursor = page.NextCursor
		}
	}
	res, err := r.VRead(ctx, c.typ, c.id, c.version)
	if err != nil {
		return nil, readError(err, c.typ, c.id)
	}
	return &result{status: http.StatusOK, res: res}, nil
}

// visible returns the current version of typ/id when the grant lets it
// be seen (inside the compartment and matching the grant's clauses), nil
// otherwise. It runs as a store search, so the store's compartment rules
// apply.
func (h *Handler) visible(ctx context.Context, r store.Reader, typ, id string, g access.Grant) (*store.Resource, error) {
	q, _, err := search.Parse(typ, url.Values{"_id": {id}}, h.parseOptions(true))
	if err != nil {
		return nil, err
	}
	q.Compartment = g.Compartment
	q.Clauses = append(q.Clauses, g.Clauses...)
	q.Count = 1
	page, err := r.Search(ctx, q)
	if err != nil {
		return nil, err
	}
	if len(page.Matches) == 0 {
		return nil, nil
	}
	return page.Matches[0], nil
}

// ownRecord reports whether typ/id is the resource whose compartment g
// confines the request to, with no other condition.
func ownRecord(g access.Grant, typ, id string) bool {
	return g.Compartment != nil && len(g.Clauses) == 0 && typ == store.CompartmentType &&
		g.Compartment.Type == typ && g.Compartment.ID == id
}

func notFound(typ, id string) *fhirerr.Error {
	return fhirerr.Errorf(http.StatusNotFound, "not-found", "%s/%s not found", typ, id)
}

func orNotFound(err error, typ, id string) error {
	if err != nil {
		return err
	}
	return notFound(typ, id)
}

func readError(err error, typ, id string) error {
	switch {
	case errors.Is(err, store.ErrNotFound):
		return notFound(typ, id)
	case errors.Is(err, store.ErrGone):
		return fhirerr.Errorf(http.StatusGone, "not-found", "%s/%s has been deleted", typ, id)
	}
	return err
}
