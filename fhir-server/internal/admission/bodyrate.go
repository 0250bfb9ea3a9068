package admission

import (
	"errors"
	"io"
	"net/http"
	"os"
	"time"
)

// watchBody makes r's body keep up MinBodyRate: a read deadline, Grace
// after the handler starts plus the time the bytes already read take at
// the minimum rate, moved on as bytes arrive. A client that stalls (or
// trickles) has its read fail with os.ErrDeadlineExceeded; a slow but
// steady upload of any size gets through. The same deadline bounds what
// the server reads of a body the handler left unread. Requests without a
// body get no deadline (the server watches their connection for the
// client going away, and that read must not time out).
func (a *admission) watchBody(w http.ResponseWriter, r *http.Request) {
	if a.o.MinBodyRate <= 0 || r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
		return
	}
	b := &rateBody{ReadCloser: r.Body, a: a, r: r, rc: http.NewResponseController(w), start: a.o.Now()}
	if err := b.rc.SetReadDeadline(b.deadline()); err != nil {
		return // no deadlines on this connection (a test recorder)
	}
	r.Body = b
}

// rateBody is a request body read under a moving deadline. Reads come
// from the handler's goroutine only.
type rateBody struct {
	io.ReadCloser
	a     *admission
	r     *http.Request
	rc    *http.ResponseController
	start time.Time
	read  int64
	cut   bool
}

func (b *rateBody) deadline() time.Time {
	owed := time.Duration(float64(b.read) / float64(b.a.o.MinBodyRate) * float64(time.Second))
	return b.start.Add(b.a.o.Grace + owed)
}

func (b *rateBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.read += int64(n)
	switch {
	case err == io.EOF:
		// The whole body is in. The server has cleared the deadline and
		// reads the connection in the background to notice the client
		// leaving; a deadline set now would end the request's context.
	case errors.Is(err, os.ErrDeadlineExceeded):
		if !b.cut {
			b.cut = true
			b.a.o.Metrics.Shed(ReasonBodyTooSlow)
			b.a.slowLog.add(b.r.Context(), "address", b.r.RemoteAddr, "bytes_read", b.read,
				"seconds", b.a.o.Now().Sub(b.start).Seconds(), "min_rate", b.a.o.MinBodyRate)
		}
	case n > 0:
		_ = b.rc.SetReadDeadline(b.deadline())
	}
	return n, err
}
