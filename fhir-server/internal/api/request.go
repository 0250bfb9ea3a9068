package api

import (
	"context"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/smartgate/pkg/clientip"
	"github.com/smartgate/pkg/requestid"

	"github.com/smartgate/fhir-server/internal/access"
	"github.com/smartgate/fhir-server/internal/fhirerr"
	"github.com/smartgate/fhir-server/internal/outcome"
	"github.com/smartgate/fhir-server/internal/route"
)

// serveFHIR answers every request below the base path: route,
// authenticate, authorize, execute, then report the Outcome to the
// observers. With observers, the response is held until they have seen
// it: one may withhold it (audit, when it cannot record the request).
func (h *Handler) serveFHIR(gc *gin.Context) {
	var w http.ResponseWriter = gc.Writer
	r := gc.Request
	rt, routeErr := route.Parse(h.basePath, r.Method, r.URL.Path, r.URL.RawQuery)
	if _, asXML, _ := negotiate(r); asXML && !rawBinary(rt, r) {
		x := &xmlResponse{w: w, log: requestid.Logger(r.Context(), h.log)}
		defer x.finish()
		w = x
	}
	if rt.Open {
		if err := h.serveOpen(w, r, rt, routeErr); err != nil {
			h.answerError(w, r, err)
		}
		return
	}
	out := &outcome.Outcome{Route: rt}
	if len(h.observers) == 0 {
		h.answer(w, r, out, routeErr)
		return
	}
	r, out.RequestID = requestid.Start(w, r) // kept when an outer layer gave one
	out.Address = clientip.Host(r.RemoteAddr)
	held := holdResponse(w)
	defer held.free()
	h.answer(held, r, out, routeErr)
	out.Status = held.Status()
	for _, o := range h.observers {
		if err := o.Finished(r.Context(), out); err != nil {
			h.answerError(w, r, err)
			return
		}
	}
	held.release()
}

// answer serves a request below the base, errors and panics included.
func (h *Handler) answer(w http.ResponseWriter, r *http.Request, out *outcome.Outcome, routeErr error) {
	defer func() {
		if p := recover(); p != nil {
			h.log.ErrorContext(r.Context(), "panic serving request", "path", r.URL.Path, "panic", fmt.Sprint(p))
			if held, ok := w.(*heldResponse); ok {
				held.reset() // nothing of the interrupted answer leaves
			}
			writeError(w, fhirerr.Errorf(http.StatusInternalServerError, "exception", "internal server error"), nil)
		}
	}()
	if err := h.serve(w, r, out, routeErr); err != nil {
		h.answerError(w, r, err)
	}
}

func (h *Handler) answerError(w http.ResponseWriter, r *http.Request, err error) {
	h.countError(err)
	writeError(w, err, requestid.Logger(r.Context(), h.log))
}

// serve answers a route that needs a token; routeErr is why it cannot be
// served, if so: told only to an authenticated client.
func (h *Handler) serve(w http.ResponseWriter, r *http.Request, out *outcome.Outcome, routeErr error) error {
	// Everything here may carry patient data; the CapabilityStatement and
	// the SMART configuration may be cached.
	fhirerr.NoStore(w.Header())
	claims, err := h.guard.Authenticate(r.Context(), r)
	if err != nil {
		return err
	}
	out.Claims = claims
	if routeErr != nil {
		return routeErr
	}
	if out.Route.Interaction == route.Operation {
		return h.serveExport(w, r, out)
	}
	c := newCall(r.Method, out.Route)
	raw := rawBinary(out.Route, r)
	ct := ""
	if !raw {
		if ct, _, err = negotiate(r); err != nil {
			return err
		}
	}
	c.params = r.URL.Query()
	c.prefer = parsePrefer(r.Header.Values("Prefer"))
	c.ifMatch = r.Header.Get("If-Match")
	c.ifNoneExist = r.Header.Get("If-None-Exist")
	if c.interaction == route.Transaction {
		return h.serveBundle(w, r, c, ct, out)
	}
	if r.Method == http.MethodPost || r.Method == http.MethodPut {
		if c.body, err = readBody(w, r, h.maxBody); err != nil {
			return err
		}
		c.contentType = r.Header.Get("Content-Type")
		if c.interaction == route.Create || c.interaction == route.Update {
			if c.body, c.contentType, err = fromXML(c.body, c.contentType, c.typ); err != nil {
				return err
			}
		}
	}
	if err := h.prepare(c); err != nil {
		return err
	}
	if raw {
		c.summary, c.elements = "", nil // the raw bytes are not a FHIR resource to subset
	}
	grant, err := h.authorize(r.Context(), out, c.access())
	if err != nil {
		return err
	}
	res, err := h.run(r.Context(), c, grant, out)
	if err != nil {
		return err
	}
	if raw && res.res != nil {
		return writeRawBinary(w, res.res)
	}

	h.respond(w, c, res, ct)
	return nil
}

// authorize asks the Guard about a for the request's token and notes
// what it decided.
func (h *Handler) authorize(ctx context.Context, out *outcome.Outcome, a access.Access) (access.Grant, error) {
	g, err := h.guard.Authorize(ctx, out.Claims, a)
	out.Decide(a, err == nil)
	return g, err
}

// serveOpen answers the routes served without a token: the
// CapabilityStatement and the SMART configuration (when the security
// layer provides one; without, the path names no route).
func (h *Handler) serveOpen(w http.ResponseWriter, r *http.Request, rt route.Route, routeErr error) error {
	if rt.Interaction != route.Capabilities {
		if h.smart == nil {
			return fhirerr.Errorf(http.StatusNotFound, "not-supported", "unknown resource type %q", ".well-known")
		}
		h.smart.ServeHTTP(w, r)
		return nil
	}
	if routeErr != nil {
		return routeErr
	}
	ct, _, err := negotiate(r)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Add("Vary", "Accept") // it may be cached, and XML differs
	_, _ = w.Write(h.metadata)
	return nil
}

// rawBinary reports whether r reads a Binary's raw content (which is
// never converted, whatever its type).
func rawBinary(rt route.Route, r *http.Request) bool {
	return rt.Type == "Binary" && (rt.Interaction == route.Read || rt.Interaction == route.VRead) && wantsRawBinary(r)
}
