package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/smartgate/fhir-server/internal/access"
	"github.com/smartgate/fhir-server/internal/fhirerr"
	"github.com/smartgate/fhir-server/internal/route"
	"github.com/smartgate/fhir-server/internal/search"
	"github.com/smartgate/fhir-server/internal/store"
)

// create stores a new resource with a server-assigned id (or, in a
// transaction, the id assigned before the entries ran). With
// If-None-Exist it first searches: one match is answered instead (200),
// more than one is 412.
func (h *Handler) create(ctx context.Context, tx store.Tx, c *call, g access.Grant) (*result, error) {
	if c.matched != nil {
		return &result{status: http.StatusOK, res: c.matched}, nil
	}
	if c.query != nil {
		existing, err := h.conditionalMatch(ctx, tx, c, g)
		if err != nil || existing != nil {
			if existing != nil {
				return &result{status: http.StatusOK, res: existing}, nil
			}
			return nil, err
		}
	}
	id := c.assignedID
	if id == "" {
		id = h.newID()
	}
	res, err := h.put(ctx, tx, c, id, 0, 1, g)
	if err != nil {
		return nil, err
	}
	return &result{status: http.StatusCreated, res: res}, nil
}

// conditionalMatch runs the If-None-Exist search: nil when nothing
// matches, the match when one does, 412 when several do.
func (h *Handler) conditionalMatch(ctx context.Context, r store.Reader, c *call, g access.Grant) (*store.Resource, error) {
	q := *c.query
	q.Count = 2
	q.Compartment = g.Compartment
	q.Clauses = append(append([]search.Clause(nil), q.Clauses...), g.Clauses...)
	page, err := r.Search(ctx, &q)
	if err != nil {
		return nil, err
	}
	switch len(page.Matches) {
	case 0:
		return nil, nil
	case 1:
		return page.Matches[0], nil
	}
	return nil, fhirerr.Errorf(http.StatusPreconditionFailed, "duplicate", "If-None-Exist %q matches more than one %s", c.ifNoneExist, c.typ)
}

// update stores a new version of typ/id, creating it with the client's id
// when absent. If-Match must name the current version.
func (h *Handler) update(ctx context.Context, tx store.Tx, c *call, g access.Grant) (*result, error) {
	// current is the version If-Match and the store's precondition
	// compare with (0: absent or deleted); next continues the versions,
	// a deletion's included.
	var current, next int64 = 0, 1
	exists := false
	if c.prefetched {
		if cur := c.current; cur != nil {
			next = cur.VersionID + 1
			if !cur.Deleted {
				current, exists = cur.VersionID, true
			}
		}
	} else {
		cur, err := tx.Read(ctx, c.typ, c.id)
		switch {
		case err == nil:
			current, next, exists = cur.VersionID, cur.VersionID+1, true
		case errors.Is(err, store.ErrNotFound):
		case errors.Is(err, store.ErrGone):
			if cur == nil {
				return nil, fmt.Errorf("store returned ErrGone without the deletion for %s/%s", c.typ, c.id)
			}
			next = cur.VersionID + 1
		default:
			return nil, err
		}
	}
	if err := h.checkUpdateTarget(ctx, tx, c, exists, g); err != nil {
		return nil, err
	}
	if c.ifMatch != "" {
		want, ok := parseETag(c.ifMatch)
		if !ok || current == 0 || want != current {
			return nil, ifMatchFailed(c)
		}
	}
	res, err := h.put(ctx, tx, c, c.id, current, next, g)
	if c.ifMatch != "" && errors.Is(err, store.ErrConflict) {
		// Another request (through this server or another replica) stored
		// a version after the one If-Match named: the precondition failed.
		return nil, ifMatchFailed(c)
	}
	if err != nil {
		return nil, err
	}
	status := http.StatusOK
	if current == 0 {
		status = http.StatusCreated
	}
	return &result{status: status, res: res}, nil
}

// put stamps, indexes and stores c's resource as version of id, after
// confine allowed it, then checks that a restricted grant still sees it
// (else 403, and the caller's transaction rolls back).
func (h *Handler) put(ctx context.Context, tx store.Tx, c *call, id string, expect, version int64, g access.Grant) (*store.Resource, error) {
	typ, m := c.typ, c.resource
	at := h.now().UTC().Truncate(time.Millisecond)
	stamp(m, id, version, at)
	body, err := encode(m)
	if err != nil {
		return nil, fhirerr.Errorf(http.StatusBadRequest, "structure", "encoding the resource: %v", err)
	}
	index, err := search.Extractor{BaseURL: h.base}.Extract(typ, m)
	if err != nil {
		return nil, fhirerr.Errorf(http.StatusBadRequest, "processing", "indexing the resource: %v", err)
	}
	if err := h.confine(ctx, tx, c, id, index, g); err != nil {
		return nil, err
	}
	res := store.Resource{Type: typ, ID: id, VersionID: version, LastUpdated: at, Body: body}
	if err := tx.Put(ctx, store.Write{Resource: res, Index: index, ExpectVersion: expect}); err != nil {
		return nil, err
	}
	if g.Restricted() {
		seen, err := h.visible(ctx, tx, typ, id, g)
		if err != nil {
			return nil, err
		}
		if seen == nil {
			return nil, outsideGrant()
		}
	}
	return &res, nil
}

// checkUpdateTarget answers 404, as if absent, for an update of a
// resource the grant does not see. Under a compartment grant, update
// changes only a current resource inside the compartment: a free id,
// a deleted one and another patient's all answer that same 404
// (creation goes through POST), so nothing is learnt of ids outside and
// no id with a history elsewhere is taken over.
func (h *Handler) checkUpdateTarget(ctx context.Context, tx store.Reader, c *call, exists bool, g access.Grant) error {
	if !g.Restricted() {
		return nil
	}
	if !exists {
		if g.Compartment != nil {
			return notFound(c.typ, c.id)
		}
		return nil
	}
	seen, err := h.visible(ctx, tx, c.typ, c.id, g)
	if err != nil {
		return err
	}
	if seen == nil {
		return notFound(c.typ, c.id)
	}
	return nil
}

func outsideGrant() *fhirerr.Error {
	return fhirerr.Errorf(http.StatusForbidden, "forbidden", "the resource written must stay inside the patient compartment (and the scopes' conditions) this access is limited to")
}

// delete records a deletion. Deleting what is already deleted is a
// no-op (204); what never existed (or is outside the grant) is 404.
func (h *Handler) delete(ctx context.Context, tx store.Tx, c *call, g access.Grant) (*result, error) {
	cur, err := tx.Read(ctx, c.typ, c.id)
	switch {
	case errors.Is(err, store.ErrGone):
		if g.Compartment != nil {
			if inside, err := h.deletedInside(ctx, tx, c, cur, g); err != nil || !inside {
				return nil, orNotFound(err, c.typ, c.id)
			}
		}
		return &result{status: http.StatusNoContent}, nil
	case err != nil:
		return nil, readError(err, c.typ, c.id)
	}
	if g.Restricted() {
		seen, err := h.visible(ctx, tx, c.typ, c.id, g)
		if err != nil {
			return nil, err
		}
		if seen == nil {
			return nil, notFound(c.typ, c.id)
		}
	}
	if c.ifMatch != "" {
		if want, ok := parseETag(c.ifMatch); !ok || want != cur.VersionID {
			return nil, ifMatchFailed(c)
		}
	}
	at := h.now().UTC().Truncate(time.Millisecond)
	del := store.Resource{Type: c.typ, ID: c.id, VersionID: cur.VersionID + 1, LastUpdated: at, Deleted: true}
	if err := tx.Put(ctx, store.Write{Resource: del, ExpectVersion: cur.VersionID}); err != nil {
		return nil, err
	}
	return &result{status: http.StatusNoContent, res: &del}, nil
}

// deletedInside reports whether the deletion del of c's resource is in
// the grant's compartment (a deletion stays in the compartments its last
// version was in), so that deleting it again is the usual no-op and
// deleting another patient's deleted resource answers 404, as if absent.
func (h *Handler) deletedInside(ctx context.Context, tx store.Reader, c *call, del *store.Resource, g access.Grant) (bool, error) {
	if del == nil {
		return false, fmt.Errorf("store returned ErrGone without the deletion for %s/%s", c.typ, c.id)
	}
	page, err := tx.History(ctx, store.HistoryQuery{Type: c.typ, ID: c.id, Compartment: g.Compartment, Count: 1})
	if err != nil {
		return false, err
	}
	return len(page.Versions) > 0 && page.Versions[0].VersionID == del.VersionID, nil
}

// prefetchVersions looks up, in one query when the store offers
// store.VersionReader, the current versions of the resources that calls
// update, so that update need not Read each one. A resource that more
// than one call of the transaction writes is left to update's own Read,
// which sees the earlier calls' writes.
func prefetchVersions(ctx context.Context, tx store.Tx, calls []*call) error {
	vr, ok := tx.(store.VersionReader)
	if !ok {
		return nil
	}
	writes := map[store.Ref]int{}
	for _, c := range calls {
		if c == nil {
			continue
		}
		switch c.interaction {
		case route.Update, route.Delete:
			writes[store.Ref{Type: c.typ, ID: c.id}]++
		case route.Create:
			if c.assignedID != "" {
				writes[store.Ref{Type: c.typ, ID: c.assignedID}]++
			}
		}
	}
	var refs []store.Ref
	for _, c := range calls {
		if c != nil && c.interaction == route.Update {
			if r := (store.Ref{Type: c.typ, ID: c.id}); writes[r] == 1 {
				refs = append(refs, r)
			}
		}
	}
	if len(refs) < 2 {
		return nil // one Read costs the same as one lookup
	}
	found, err := vr.CurrentVersions(ctx, refs)
	if errors.Is(err, errors.ErrUnsupported) {
		return nil // each update reads its own
	}
	if err != nil {
		return err
	}
	for _, c := range calls {
		if c != nil && c.interaction == route.Update {
			r := store.Ref{Type: c.typ, ID: c.id}
			if writes[r] != 1 {
				continue
			}
			c.prefetched = true
			if cur, ok := found[r]; ok {
				c.current = &cur
			}
		}
	}
	return nil
}

// ifMatchFailed is the 412 of an If-Match that does not name the current
// version.
func ifMatchFailed(c *call) error {
	return fhirerr.Errorf(http.StatusPreconditionFailed, "conflict", "If-Match %s does not match the current version of %s/%s", c.ifMatch, c.typ, c.id)
}
