// Package httpstatus records the status code a handler answered with, for
// the middleware that reports on requests after they ran (audit, metrics).
package httpstatus

import "net/http"

// Writer remembers the status written through it.
type Writer struct {
	http.ResponseWriter
	code int
}

// Wrap returns a Writer around w.
func Wrap(w http.ResponseWriter) *Writer { return &Writer{ResponseWriter: w} }

// WriteHeader records the first status and passes it on.
func (w *Writer) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write implies 200 when no status was written yet.
func (w *Writer) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Status is the status answered (200 when the handler wrote nothing).
func (w *Writer) Status() int {
	if w.code == 0 {
		return http.StatusOK
	}
	return w.code
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *Writer) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Flush passes flushes on (streamed responses).
func (w *Writer) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}
