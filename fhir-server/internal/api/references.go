package api

import (
	"context"

	"github.com/smartgate/fhir-server/internal/access"
	"github.com/smartgate/fhir-server/internal/route"
	"github.com/smartgate/fhir-server/internal/store"
)

// assignIDs runs inside a transaction, before its entries: each create
// gets its id (or, with If-None-Exist, the resource it matches), and every
// reference to an entry's fullUrl (urn:uuid:...) in every entry's
// resource is rewritten to that entry's Type/id.
func (h *Handler) assignIDs(ctx context.Context, tx store.Tx, calls []*call, grants []access.Grant) error {
	refs := map[string]string{}
	creates := map[store.Ref]bool{}
	for i, c := range calls {
		c.txCreates = creates
		switch c.interaction {
		case route.Create:
			if c.query != nil {
				found, err := h.conditionalMatch(ctx, tx, c, grants[i])
				if err != nil {
					return entryError(i, err)
				}
				if found != nil {
					c.matched = found
					if c.fullURL != "" {
						refs[c.fullURL] = found.Type + "/" + found.ID
					}
					continue
				}
				c.query = nil // checked: nothing matches
			}
			c.assignedID = h.newID()
			creates[store.Ref{Type: c.typ, ID: c.assignedID}] = true
			if c.fullURL != "" {
				refs[c.fullURL] = c.typ + "/" + c.assignedID
			}
		case route.Update:
			if c.fullURL != "" {
				refs[c.fullURL] = c.typ + "/" + c.id
			}
		}
	}
	if len(refs) == 0 {
		return nil
	}
	for _, c := range calls {
		if c.resource != nil {
			rewrite(c.resource, refs)
		}
	}
	return nil
}

// rewrite replaces, anywhere in v, string values equal to a key of refs
// by its value.
func rewrite(v any, refs map[string]string) any {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			t[k] = rewrite(e, refs)
		}
	case []any:
		for i, e := range t {
			t[i] = rewrite(e, refs)
		}
	case string:
		if to, ok := refs[t]; ok {
			return to
		}
	}
	return v
}
