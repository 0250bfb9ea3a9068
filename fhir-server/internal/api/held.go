package api

import (
	"bytes"
	"io"
	"maps"
	"net/http"
	"sync"
)

// heldResponse keeps a request's response in memory until the observers
// have seen its outcome (audit: until its AuditEvent is recorded):
// release sends it, or the caller answers something else instead (the
// headers the handler set are then dropped with it).
type heldResponse struct {
	w      http.ResponseWriter
	header http.Header
	code   int
	body   bytes.Buffer
	stream func(io.Writer) error // writes the rest of the body after release
	log    func(error)           // told when stream fails
}

var heldPool = sync.Pool{New: func() any { return &heldResponse{} }}

// maxPooledBody bounds the buffers kept for reuse, so one large response
// does not pin its memory.
const maxPooledBody = 1 << 20

func holdResponse(w http.ResponseWriter) *heldResponse {
	h := heldPool.Get().(*heldResponse)
	h.w, h.header, h.code, h.stream, h.log = w, make(http.Header), 0, nil, nil
	h.body.Reset()
	return h
}

func (h *heldResponse) free() {
	h.w, h.header, h.stream, h.log = nil, nil, nil, nil
	if h.body.Cap() <= maxPooledBody {
		heldPool.Put(h)
	}
}

func (h *heldResponse) Header() http.Header { return h.header }

func (h *heldResponse) WriteHeader(code int) {
	if h.code == 0 {
		h.code = code
	}
}

func (h *heldResponse) Write(b []byte) (int, error) {
	if h.code == 0 {
		h.code = http.StatusOK
	}
	return h.body.Write(b)
}

// Flush does nothing: nothing leaves before release.
func (h *heldResponse) Flush() {}

// Unwrap lets http.ResponseController reach the connection (read
// deadlines); flushes stop at Flush above.
func (h *heldResponse) Unwrap() http.ResponseWriter { return h.w }

// Status is the status the handler answered (200 when it wrote nothing).
func (h *heldResponse) Status() int {
	if h.code == 0 {
		return http.StatusOK
	}
	return h.code
}

// reset drops what the handler wrote so far.
func (h *heldResponse) reset() {
	h.header, h.code, h.stream = make(http.Header), 0, nil
	h.body.Reset()
}

// Stream has fn write the body once the response is released: a large
// body (an export file) leaves as it is read, never held whole.
func (h *heldResponse) Stream(fn func(io.Writer) error) { h.stream = fn }

// release sends the held response.
func (h *heldResponse) release() {
	maps.Copy(h.w.Header(), h.header)
	h.w.WriteHeader(h.Status())
	if h.body.Len() > 0 {
		_, _ = h.w.Write(h.body.Bytes())
	}
	if h.stream != nil {
		if err := h.stream(h.w); err != nil && h.log != nil {
			h.log(err)
		}
	}
}
