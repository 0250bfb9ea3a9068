package sqlstore

import (
	"context"
	"strings"

	"github.com/smartgate/fhir-server/internal/store"
)

// versionsChunk bounds the ids of one CurrentVersions statement; shorter
// lists are padded to the next of versionsSizes so that few distinct
// statement texts reach the prepared-statement caches.
var versionsSizes = []int{1, 8, 64, 512}

const versionsChunk = 512

// CurrentVersions looks up the current versions of refs: one statement
// per type and chunk of ids, on the unique (type, id) index.
func (e *Engine) CurrentVersions(ctx context.Context, c Conn, refs []store.Ref) (map[store.Ref]store.Current, error) {
	out := make(map[store.Ref]store.Current, len(refs))
	byType := map[string][]string{}
	var types []string
	seen := make(map[store.Ref]bool, len(refs))
	for _, r := range refs {
		if seen[r] {
			continue
		}
		seen[r] = true
		if _, ok := byType[r.Type]; !ok {
			types = append(types, r.Type)
		}
		byType[r.Type] = append(byType[r.Type], r.ID)
	}
	for _, typ := range types {
		ids := byType[typ]
		for len(ids) > 0 {
			chunk := ids[:min(len(ids), versionsChunk)]
			ids = ids[len(chunk):]
			size := versionsChunk
			for _, s := range versionsSizes {
				if s >= len(chunk) {
					size = s
					break
				}
			}
			args := make([]any, 0, size+1)
			args = append(args, typ)
			for i := range size {
				args = append(args, chunk[min(i, len(chunk)-1)])
			}
			q := "SELECT id, version, deleted FROM resources WHERE type = ? AND id IN (?" + strings.Repeat(", ?", size-1) + ")"
			rows, err := c.Query(ctx, q, args...)
			if err != nil {
				return nil, err
			}
			if err := scanRows(rows, func() error {
				var id string
				var version, deleted int64
				if err := rows.Scan(&id, &version, &deleted); err != nil {
					return err
				}
				out[store.Ref{Type: typ, ID: id}] = store.Current{VersionID: version, Deleted: deleted == 1}
				return nil
			}); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}
