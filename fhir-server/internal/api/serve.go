package api

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"github.com/smartgate/fhir-server/internal/access"
	"github.com/smartgate/fhir-server/internal/fhirerr"
	"github.com/smartgate/fhir-server/internal/outcome"
	"github.com/smartgate/fhir-server/internal/route"
	"github.com/smartgate/fhir-server/internal/store"
)

// access describes c to the Guard.
func (c *call) access() access.Access {
	return access.Access{Interaction: c.interaction, Type: c.typ, ID: c.id, Query: c.query}
}

// prepare checks and parses what c carries before anything is authorized
// or stored: the body of a create or update, the search query.
func (h *Handler) prepare(c *call) error {
	switch c.interaction {
	case route.Read, route.VRead:
		return h.prepareSubset(c)
	case route.Search:
		if c.method == http.MethodPost && len(c.body) > 0 {
			if bodyType(c.contentType) != "form" {
				return fhirerr.Errorf(http.StatusUnsupportedMediaType, "not-supported", "POST _search takes an application/x-www-form-urlencoded body, not %q", c.contentType)
			}
			form, err := url.ParseQuery(string(c.body))
			if err != nil {
				return fhirerr.Errorf(http.StatusBadRequest, "invalid", "form body: %v", err)
			}
			for k, v := range form {
				c.params[k] = append(c.params[k], v...)
			}
		}
		return h.prepareSearch(c)
	case route.Create, route.Update:
		if err := h.prepareResource(c); err != nil {
			return err
		}
		if c.interaction == route.Create && c.ifNoneExist != "" {
			cond := *c
			q := strings.TrimPrefix(c.ifNoneExist, "?")
			if _, after, ok := strings.Cut(q, "?"); ok {
				q = after // "Patient?identifier=..."
			}
			params, err := url.ParseQuery(q)
			if err != nil {
				return fhirerr.Errorf(http.StatusBadRequest, "invalid", "If-None-Exist %q: %v", c.ifNoneExist, err)
			}
			cond.params, cond.prefer.strict = params, true
			if err := h.prepareSearch(&cond); err != nil {
				return err
			}
			c.query = cond.query
		}
	}
	return nil
}

// prepareResource parses and checks the body of a create or update. A
// Binary sent with a non-FHIR Content-Type is the raw content.
func (h *Handler) prepareResource(c *call) error {
	if c.resource == nil {
		kind := bodyType(c.contentType)
		switch {
		case c.typ == "Binary" && kind != "json":
			c.resource = map[string]any{"resourceType": "Binary", "contentType": mediaType(c.contentType), "content": base64.StdEncoding.EncodeToString(c.body)}
			if c.interaction == route.Update {
				c.resource["id"] = c.id
			}
		case kind != "json":
			return fhirerr.Errorf(http.StatusUnsupportedMediaType, "not-supported", "Content-Type %q is not supported; send application/fhir+json or application/fhir+xml", c.contentType)
		default:
			m, err := parseResource(c.body)
			if err != nil {
				return err
			}
			c.resource = m
		}
	}
	if err := checkResource(c.resource, c.typ); err != nil {
		return err
	}
	if c.interaction == route.Update {
		id, _ := c.resource["id"].(string)
		if id == "" {
			return fhirerr.Errorf(http.StatusBadRequest, "required", "the resource has no id; an update must carry the id of its URL (%s)", c.id)
		}
		if id != c.id {
			return fhirerr.Errorf(http.StatusBadRequest, "invalid", "the resource's id %q differs from the URL's id %q", id, c.id)
		}
	}
	return h.validate(c.resource)
}

// run performs c: reads on the store, writes in a transaction of their
// own, at whose end the observers see the writes.
func (h *Handler) run(ctx context.Context, c *call, g access.Grant, out *outcome.Outcome) (*result, error) {
	switch c.interaction {
	case route.Create, route.Update, route.Delete:
		var res *result
		err := h.inTx(ctx, out, func(tx store.Tx) error {
			var err error
			res, err = h.execute(ctx, tx, c, g)
			return err
		})
		return res, err
	}
	return h.execute(ctx, h.reader(out), c, g)
}

// reader is the store as a request reads it: noting what it returns
// when observers want to know.
func (h *Handler) reader(out *outcome.Outcome) store.Tx {
	if len(h.observers) == 0 {
		return h.store
	}
	return &noting{Tx: h.store, out: out}
}

// inTx runs fn in a store transaction. With observers (and a request:
// out is nil for loads), what the store returns is noted in out, and the
// observers see the transaction's writes before it commits.
func (h *Handler) inTx(ctx context.Context, out *outcome.Outcome, fn func(tx store.Tx) error) error {
	if len(h.observers) == 0 || out == nil {
		return h.store.InTx(ctx, fn)
	}
	var written []store.Write
	err := h.store.InTx(ctx, func(tx store.Tx) error {
		n := &noting{Tx: tx, out: out}
		if err := fn(n); err != nil {
			return err
		}
		written = n.writes
		if len(written) == 0 {
			return nil
		}
		for _, o := range h.observers {
			if err := o.Written(ctx, tx, out, written); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		out.Wrote(written...)
	}
	return err
}

// execute performs one interaction on tx (the store itself for reads).
func (h *Handler) execute(ctx context.Context, tx store.Tx, c *call, g access.Grant) (*result, error) {
	switch c.interaction {
	case route.Read:
		return c.subset(h.read(ctx, tx, c, g))
	case route.VRead:
		return c.subset(h.vread(ctx, tx, c, g))
	case route.Search:
		return h.search(ctx, tx, c, g)
	case route.History, route.HistoryType, route.HistorySystem:
		return h.history(ctx, tx, c, g)
	case route.Create:
		return h.create(ctx, tx, c, g)
	case route.Update:
		return h.update(ctx, tx, c, g)
	case route.Delete:
		return h.delete(ctx, tx, c, g)
	}
	return nil, fhirerr.Errorf(http.StatusBadRequest, "not-supported", "interaction %s is not supported here", c.interaction)
}

// respond writes a result: headers from the version (ETag,
// Last-Modified, Location), then the body Prefer asks for.
func (h *Handler) respond(w http.ResponseWriter, c *call, res *result, ct string) {
	hdr := w.Header()
	var body []byte
	if v := res.res; v != nil && !v.Deleted {
		hdr.Set("ETag", etag(v.VersionID))
		hdr.Set("Last-Modified", v.LastUpdated.UTC().Format(http.TimeFormat))
		loc := h.versionURL(v)
		switch c.interaction {
		case route.Create, route.Update:
			if res.status == http.StatusCreated {
				hdr.Set("Location", loc)
			}
			hdr.Set("Content-Location", loc)
			switch c.prefer.ret {
			case "minimal":
			case "OperationOutcome":
				body = fhirerr.Marshal([]fhirerr.Issue{{Severity: "information", Code: "informational", Diagnostics: strings.ToLower(http.StatusText(res.status)) + " " + v.Type + "/" + v.ID + "/_history/" + itoa(v.VersionID)}})
			default:
				body = v.Body
			}
		default:
			if c.interaction == route.VRead {
				hdr.Set("Content-Location", loc)
			}
			body = v.Body
		}
	} else {
		body = res.bundle
	}
	if len(body) > 0 {
		hdr.Set("Content-Type", ct)
	}
	w.WriteHeader(res.status)
	if c.method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

func (h *Handler) versionURL(v *store.Resource) string {
	return h.fullURL(v.Type, v.ID) + "/_history/" + itoa(v.VersionID)
}

// writeRawBinary answers a Binary's content as raw bytes with its
// contentType.
func writeRawBinary(w http.ResponseWriter, v *store.Resource) error {
	var bin struct {
		ContentType string `json:"contentType"`
		Content     string `json:"content"`
	}
	if err := json.Unmarshal(v.Body, &bin); err != nil {
		return err
	}
	data, err := base64.StdEncoding.DecodeString(bin.Content)
	if err != nil {
		return err
	}
	if bin.ContentType == "" {
		bin.ContentType = "application/octet-stream"
	}
	w.Header().Set("Content-Type", bin.ContentType)
	w.Header().Set("ETag", etag(v.VersionID))
	w.Header().Set("Last-Modified", v.LastUpdated.UTC().Format(http.TimeFormat))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(data)
	return nil
}

// subset applies the call's _summary and _elements to the resource a read
// or vread answers.
func (c *call) subset(res *result, err error) (*result, error) {
	if err != nil || (c.summary == "" && len(c.elements) == 0) || res.res == nil || res.res.Deleted {
		return res, err
	}
	body, err := shape(res.res.Body, c.elements, c.summary)
	if err != nil {
		return nil, err
	}
	v := *res.res
	v.Body = body
	return &result{status: res.status, res: &v}, nil
}
