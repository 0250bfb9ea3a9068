package bulk

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"

	"github.com/smartgate/fhir-server/internal/search"
	"github.com/smartgate/fhir-server/internal/store"
)

// DefaultPage is how many resources Export asks the store for at once.
const DefaultPage = 500

// Exporter writes current versions of resources as NDJSON.
type Exporter struct {
	Store store.Reader
	Page  int // resources per store search; DefaultPage when 0
	// OnPage, when set, is told after each page how many resources have
	// been written so far.
	OnPage func(written int)
}

// Export writes the current version of every resource of each of types
// (in that order; within a type in creation order) to w, one JSON object
// per line, following the store's paging cursors so one page at a time is
// in memory. It returns how many it wrote of each type.
func (e *Exporter) Export(ctx context.Context, types []string, w io.Writer) (map[string]int, error) {
	counts := map[string]int{}
	for _, t := range types {
		if !search.KnownType(t) {
			return counts, fmt.Errorf("unknown resource type %q", t)
		}
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	page := e.Page
	if page <= 0 {
		page = DefaultPage
	}
	written := 0
	var line bytes.Buffer
	for _, t := range types {
		cursor := ""
		for {
			p, err := e.Store.Search(ctx, &search.Query{Type: t, Count: page, Cursor: cursor, Total: search.TotalNone})
			if err != nil {
				return counts, fmt.Errorf("searching %s: %w", t, err)
			}
			for _, r := range p.Matches {
				line.Reset()
				if err := AppendLine(&line, r.Body); err != nil {
					return counts, fmt.Errorf("%s/%s: stored body is not JSON: %w", r.Type, r.ID, err)
				}
				if _, err := bw.Write(line.Bytes()); err != nil {
					return counts, err
				}
				counts[t]++
				written++
			}
			if e.OnPage != nil {
				e.OnPage(written)
			}
			if p.NextCursor == "" || len(p.Matches) == 0 {
				break
			}
			cursor = p.NextCursor
		}
	}
	return counts, bw.Flush()
}
