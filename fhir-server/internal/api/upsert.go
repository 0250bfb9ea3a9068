package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/smartgate/fhir-server/internal/access"
	"github.com/smartgate/fhir-server/internal/fhirerr"
	"github.com/smartgate/fhir-server/internal/route"
	"github.com/smartgate/fhir-server/internal/store"
)

// Upsert is Load for `fhir-server import`: each resource is written at
// its own Type/id (a new version when it exists), validated, indexed and
// stamped exactly like an update, all in one store transaction. Before
// they are written, every string equal to a key of refs (a Bundle entry's
// fullUrl, such as urn:uuid:...) is rewritten to its value (the entry's
// Type/id), as a transaction Bundle does.
//
// Every resource is checked before anything is written: the error is then
// the errors.Join of one *fhirerr.ResourceError per invalid resource. A failure
// while writing is one *fhirerr.ResourceError (or the store's error when no
// resource is to blame); nothing of the call is stored then.
func (h *Handler) Upsert(ctx context.Context, resources []json.RawMessage, refs map[string]string) error {
	calls := make([]*call, len(resources))
	var invalid []error
	for i, raw := range resources {
		c, err := h.upsertCall(raw)
		if err != nil {
			re := &fhirerr.ResourceError{Index: i, Err: err}
			if c != nil {
				re.Type, re.ID = c.typ, c.id
			}
			invalid = append(invalid, re)
			continue
		}
		calls[i] = c
	}
	if len(invalid) > 0 {
		return errors.Join(invalid...)
	}
	if len(refs) > 0 {
		for _, c := range calls {
			rewrite(c.resource, refs)
		}
	}
	return h.store.InTx(ctx, func(tx store.Tx) error {
		if err := prefetchVersions(ctx, tx, calls); err != nil {
			return err
		}
		for i, c := range calls {
			if _, err := h.update(ctx, tx, c, access.Grant{}); err != nil {
				return &fhirerr.ResourceError{Index: i, Type: c.typ, ID: c.id, Err: err}
			}
		}
		return nil
	})
}

// upsertCall parses and prepares one resource as an update of its own
// Type/id. The call is returned with the error once its target is known.
func (h *Handler) upsertCall(raw json.RawMessage) (*call, error) {
	m, err := parseResource(raw)
	if err != nil {
		return nil, err
	}
	typ, _ := m["resourceType"].(string)
	id, _ := m["id"].(string)
	if typ == "" {
		return nil, fhirerr.Errorf(http.StatusBadRequest, "required", "resourceType is missing")
	}
	if id == "" {
		return nil, fhirerr.Errorf(http.StatusBadRequest, "required", "the %s has no id", typ)
	}
	rt, err := route.Put(typ, id)
	if err != nil {
		return &call{typ: typ, id: id}, err
	}
	c := newCall(http.MethodPut, rt)
	c.resource = m
	if err := h.prepare(c); err != nil {
		return c, err
	}
	return c, nil
}
