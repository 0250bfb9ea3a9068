package requestid

import (
	"context"
	"log/slog"
)

// handler adds the request id of a record's context to the record,
// unless the logger already carries one (see Logger).
type handler struct {
	next slog.Handler
	has  bool // an attribute request_id was added with WithAttrs
}

// NewHandler wraps h so every record logged with a context that carries
// a request id (log.InfoContext(ctx, ...)) gets a request_id attribute.
// Wrapping a handler that is already wrapped returns it unchanged.
func NewHandler(h slog.Handler) slog.Handler {
	if _, ok := h.(*handler); ok {
		return h
	}
	return &handler{next: h}
}

func (h *handler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

func (h *handler) Handle(ctx context.Context, r slog.Record) error {
	if !h.has && ctx != nil {
		if id := From(ctx); id != "" {
			r = r.Clone()
			r.AddAttrs(slog.String(Attr, id))
		}
	}
	return h.next.Handle(ctx, r)
}

func (h *handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	has := h.has
	for _, a := range attrs {
		has = has || a.Key == Attr
	}
	return &handler{next: h.next.WithAttrs(attrs), has: has}
}

func (h *handler) WithGroup(name string) slog.Handler {
	return &handler{next: h.next.WithGroup(name), has: h.has}
}
