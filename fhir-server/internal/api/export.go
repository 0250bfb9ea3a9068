package api

import (
	"context"
	"net/http"

	"github.com/smartgate/pkg/requestid"
	"github.com/smartgate/pkg/token"

	"github.com/smartgate/fhir-server/internal/access"
	"github.com/smartgate/fhir-server/internal/fhirerr"
	"github.com/smartgate/fhir-server/internal/outcome"
	"github.com/smartgate/fhir-server/internal/route"
)

// Exports serves the bulk-data export routes (route.Operation) for an
// authenticated request: authorize asks the Guard, noting each decision
// in the request's Outcome; body reads a POST's body. A response writer that holds responses
// offers Stream, so that files leave as they are read.
type Exports interface {
	Serve(w http.ResponseWriter, r *http.Request, rt route.Route, c *token.Claims, body func() ([]byte, error),
		authorize func(context.Context, access.Access) (access.Grant, error)) error
}

// serveExport hands an export route to Exports; a POST kick-off's body
// is read (within the body limit) only when Exports asks, after the
// client is authorized.
func (h *Handler) serveExport(w http.ResponseWriter, r *http.Request, out *outcome.Outcome) error {
	if h.exports == nil {
		return fhirerr.Errorf(http.StatusNotFound, "not-supported", "bulk data export is not enabled on this server")
	}
	body := func() ([]byte, error) {
		if r.Method != http.MethodPost {
			return nil, nil
		}
		return readBody(w, r, h.maxBody)
	}
	if held, ok := w.(*heldResponse); ok {
		log := requestid.Logger(r.Context(), h.log)
		held.log = func(err error) { log.Warn("export file cut short", "err", err) }
	}
	return h.exports.Serve(w, r, out.Route, out.Claims, body, func(ctx context.Context, a access.Access) (access.Grant, error) {
		return h.authorize(ctx, out, a)
	})
}
