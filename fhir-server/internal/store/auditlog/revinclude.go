package auditlog

import (
	"cmp"
	"context"
	"slices"

	"github.com/smartgate/fhir-server/internal/search"
	"github.com/smartgate/fhir-server/internal/store"
)

// maxRevIncludeKeys bounds the key scans of one search's _revinclude of
// AuditEvents; beyond it one scan of the whole log is the cheaper.
const maxRevIncludeKeys = 64

// searchWithRevIncludes runs q on the store, with its _revinclude of
// AuditEvents answered from the log: the AuditEvents whose parameter
// points at a match, newest first. An AuditEvent pointing at Type/id
// holds the key ref|Type/id, so each match is one key scan; their
// results are merged in log order.
func (s *Store) searchWithRevIncludes(ctx context.Context, r store.Reader, q *search.Query) (*store.Page, error) {
	var fromLog []search.Include
	var rest []search.Include
	for _, inc := range q.RevIncludes {
		if inc.SourceType == ResourceType {
			fromLog = append(fromLog, inc)
		} else {
			rest = append(rest, inc)
		}
	}
	if len(fromLog) == 0 {
		return r.Search(ctx, q)
	}
	if q.Compartment != nil {
		// patient/ scopes never reach AuditEvents (the Guard refuses);
		// answer nothing from the log rather than trust that here.
		fromLog = nil
	}
	qq := *q
	qq.RevIncludes = rest
	page, err := r.Search(ctx, &qq)
	if err != nil || len(fromLog) == 0 || len(page.Matches) == 0 {
		return page, err
	}
	targets := map[store.Ref]bool{}
	var scans []store.AuditScan
	for _, m := range page.Matches {
		ref := store.Ref{Type: m.Type, ID: m.ID}
		targets[ref] = true
		if slices.ContainsFunc(fromLog, func(inc search.Include) bool { return inc.TargetType == "" || inc.TargetType == ref.Type }) {
			scans = append(scans, store.AuditScan{Key: keyRef + "|" + ref.Type + "/" + ref.ID})
		}
	}
	if len(scans) > maxRevIncludeKeys || slices.ContainsFunc(fromLog, func(inc search.Include) bool { return keyKind(inc.Param) != search.KindReference }) {
		scans = []store.AuditScan{{}}
	}
	type hit struct {
		seq int64
		idx int
		res *store.Resource
	}
	var hits []hit
	seen := map[hit]bool{}
	var buf []search.IndexEntry
	for _, sc := range scans {
		found := 0
		err = s.scan(ctx, sc, func(seq int64, idx int, rec *record, source string) (bool, error) {
			buf, err = s.entries(buf[:0], rec, source)
			if err != nil || !pointsAt(buf, targets, fromLog) {
				return err == nil, err
			}
			if h := (hit{seq: seq, idx: idx}); !seen[h] {
				seen[h] = true
				h.res = s.render(rec, source)
				hits = append(hits, h)
			}
			found++
			return found < maxLogIncluded, nil
		})
		if err != nil {
			return nil, err
		}
	}
	slices.SortFunc(hits, func(a, b hit) int { return cmp.Or(cmp.Compare(b.seq, a.seq), cmp.Compare(b.idx, a.idx)) })
	for _, h := range hits[:min(len(hits), maxLogIncluded)] {
		page.Included = append(page.Included, h.res)
	}
	return page, nil
}

// pointsAt reports whether an AuditEvent with index rows entries points
// at one of targets through one of the parameters of incs.
func pointsAt(entries []search.IndexEntry, targets map[store.Ref]bool, incs []search.Include) bool {
	for _, e := range entries {
		if e.Kind != search.KindReference || !targets[store.Ref{Type: e.RefType, ID: e.RefID}] {
			continue
		}
		for _, inc := range incs {
			if e.Param == inc.Param && (inc.TargetType == "" || inc.TargetType == e.RefType) {
				return true
			}
		}
	}
	return false
}
