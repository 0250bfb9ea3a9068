package auditlog

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"time"

	"github.com/smartgate/fhir-server/internal/store"
)

// Export writes the AuditEvents stored at or after since (their
// meta.lastUpdated; zero: all) to w as NDJSON, one AuditEvent (FHIR JSON)
// per line, in the log's order, oldest first. It reads the log a few
// blocks at a time, so its memory does not grow with the log. It returns
// how many it wrote, also when it fails part way.
func (s *Store) Export(ctx context.Context, since time.Time, w io.Writer) (int, error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	n := 0
	var line bytes.Buffer
	err := s.scan(ctx, store.AuditScan{From: since, Ascending: true}, func(_ int64, _ int, rec *record, source string) (bool, error) {
		if rec.at.Before(since) {
			return true, nil
		}
		body := s.render(rec, source).Body
		if bytes.IndexByte(body, '\n') >= 0 {
			// An AuditEvent a client created is kept as sent.
			line.Reset()
			if err := json.Compact(&line, body); err != nil {
				return false, err
			}
			body = line.Bytes()
		}
		if _, err := bw.Write(body); err != nil {
			return false, err
		}
		if err := bw.WriteByte('\n'); err != nil {
			return false, err
		}
		n++
		return true, nil
	})
	if ferr := bw.Flush(); err == nil {
		err = ferr
	}
	return n, err
}
