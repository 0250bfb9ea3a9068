package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/smartgate/fhir-server/internal/access"
	"github.com/smartgate/fhir-server/internal/route"
	"github.com/smartgate/fhir-server/internal/store"
)

// Load writes resources, each at its own Type/id (update semantics: a new
// version when it exists), validated and indexed like any update, in one
// store transaction: all are stored or none. It bypasses the Guard: it is
// for operators (the demo dataset at start, `fhir-server import`), not
// for requests.
func (h *Handler) Load(ctx context.Context, resources []json.RawMessage) error {
	calls := make([]*call, len(resources))
	for i, raw := range resources {
		m, err := parseResource(raw)
		if err != nil {
			return fmt.Errorf("resource %d: %w", i, err)
		}
		typ, _ := m["resourceType"].(string)
		id, _ := m["id"].(string)
		rt, err := route.Put(typ, id)
		if err != nil {
			return fmt.Errorf("resource %d (%s/%s): %w", i, typ, id, err)
		}
		c := newCall(http.MethodPut, rt)
		c.resource = m
		if err := h.prepare(c); err != nil {
			return fmt.Errorf("resource %d (%s/%s): %w", i, typ, id, err)
		}
		calls[i] = c
	}
	_, err := h.commit(ctx, calls, make([]access.Grant, len(calls)), nil)
	return err
}

// Empty reports whether the store holds no resource version at all.
func (h *Handler) Empty(ctx context.Context) (bool, error) {
	page, err := h.store.History(ctx, store.HistoryQuery{Count: 1})
	if err != nil {
		return false, err
	}
	return len(page.Versions) == 0, nil
}
