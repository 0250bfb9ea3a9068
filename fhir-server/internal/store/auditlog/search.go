package auditlog

import (
	"context"
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"github.com/smartgate/fhir-server/internal/search"
	"github.com/smartgate/fhir-server/internal/store"
)

// logQuery is a search of the log ready to scan.
type logQuery struct {
	clauses []search.Clause
	scan    store.AuditScan
}

func (s *Store) prepare(q *search.Query) (*logQuery, error) {
	clauses := q.Clauses
	if q.Compartment != nil {
		// AuditEvent is in the Patient compartment by its patient
		// parameter (STU3 CompartmentDefinition/patient).
		if q.Compartment.Type != "Patient" {
			return nil, store.Refuse(store.ErrNotSupported, "AuditEvents are not searchable in a %s compartment", q.Compartment.Type)
		}
		clauses = append(clauses[:len(clauses):len(clauses)], search.Clause{Param: "patient", Kind: search.KindReference,
			Values: []search.Value{{RefType: "Patient", RefID: q.Compartment.ID}}})
	}
	if err := search.CheckMatchable(clauses); err != nil {
		return nil, store.Refuse(store.ErrNotSupported, "%v (AuditEvent searches run on the audit log, which does not support it)", err)
	}
	lq := &logQuery{clauses: clauses}
	lq.scan.Key = searchKey(clauses)
	switch {
	case len(q.Sort) == 0:
	case len(q.Sort) == 1 && q.Sort[0].Param == "_lastUpdated":
		lq.scan.Ascending = !q.Sort[0].Descending
	default:
		return nil, store.Refuse(store.ErrNotSupported, "AuditEvent searches sort by _lastUpdated only (newest first by default)")
	}
	if len(q.RevIncludes) > 0 {
		return nil, store.Refuse(store.ErrNotSupported, "_revinclude is not supported on AuditEvent searches")
	}
	for _, inc := range q.Includes {
		if inc.Iterate {
			return nil, store.Refuse(store.ErrNotSupported, "_include:iterate is not supported on AuditEvent searches")
		}
	}
	lq.scan.From, lq.scan.To = timeBounds(clauses)
	return lq, nil
}

// timeBounds narrows the scan to the time range the clauses on date and
// _lastUpdated allow (blocks span both instants of their records).
func timeBounds(clauses []search.Clause) (from, to time.Time) {
	from, to = search.MinTime, search.MaxTime
	for _, c := range clauses {
		if (c.Param != "date" && c.Param != "_lastUpdated") || c.Modifier != "" || c.Chain != nil || len(c.Values) == 0 {
			continue
		}
		// The clause allows the union of its values' ranges.
		lo, hi := search.MaxTime, search.MinTime
		for _, v := range c.Values {
			vlo, vhi := search.MinTime, search.MaxTime
			switch v.Prefix {
			case "", "eq":
				vlo, vhi = v.Low, v.High
			case "gt", "ge", "sa":
				vlo = v.Low
			case "lt", "le", "eb":
				vhi = v.High
			} // ne, ap: unbounded
			if vlo.Before(lo) {
				lo = vlo
			}
			if vhi.After(hi) {
				hi = vhi
			}
		}
		if lo.After(from) {
			from = lo
		}
		if hi.Before(to) {
			to = hi
		}
	}
	if from.Equal(search.MinTime) {
		from = time.Time{}
	}
	if to.Equal(search.MaxTime) {
		to = time.Time{}
	}
	return from, to
}

// A cursor is the log position of the last record of a page.
func encodeCursor(seq int64, idx int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("a" + strconv.FormatInt(seq, 10) + ":" + strconv.Itoa(idx)))
}

func decodeCursor(c string) (int64, int, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || len(b) < 2 || b[0] != 'a' {
		return 0, 0, store.ErrBadCursor
	}
	a, bb, ok := strings.Cut(string(b[1:]), ":")
	seq, err1 := strconv.ParseInt(a, 10, 64)
	idx, err2 := strconv.Atoi(bb)
	if !ok || err1 != nil || err2 != nil || seq < 1 || idx < 0 {
		return 0, 0, store.ErrBadCursor
	}
	return seq, idx, nil
}

// maxLogIncluded bounds the resources _include adds to one page.
const maxLogIncluded = 1000

func (s *Store) searchLog(ctx context.Context, q *search.Query) (*store.Page, error) {
	lq, err := s.prepare(q)
	if err != nil {
		return nil, err
	}
	var seq int64
	var idx int
	if q.Cursor != "" {
		if seq, idx, err = decodeCursor(q.Cursor); err != nil {
			return nil, err
		}
	}
	count := q.Count
	if q.SummaryOnly {
		count = 0
	} else if count <= 0 {
		count = 20
	}
	wantTotal := q.Total == search.TotalAccurate || q.SummaryOnly
	page := &store.Page{}
	var matchesEntries [][]search.IndexEntry
	var buf []search.IndexEntry
	var lastSeq int64
	var lastIdx int
	total := 0
	more := false
	err = s.scanFrom(ctx, lq.scan, seq, idx, func(bseq int64, i int, rec *record, source string) (bool, error) {
		buf, err = s.entries(buf[:0], rec, source)
		if err != nil {
			return false, err
		}
		ok, err := search.Match(lq.clauses, buf)
		if err != nil || !ok {
			return err == nil, err
		}
		if len(page.Matches) < count {
			page.Matches = append(page.Matches, s.render(rec, source))
			if len(q.Includes) > 0 {
				matchesEntries = append(matchesEntries, append([]search.IndexEntry(nil), buf...))
			}
			lastSeq, lastIdx = bseq, i
		} else {
			more = true
			if !wantTotal {
				return false, nil
			}
		}
		total++
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	if more && count > 0 {
		page.NextCursor = encodeCursor(lastSeq, lastIdx)
	}
	if wantTotal {
		if q.Cursor != "" {
			// Counting from a cursor would miss what earlier pages held.
			n, err := s.countLog(ctx, lq)
			if err != nil {
				return nil, err
			}
			total = n
		}
		page.Total = &total
	}
	if len(q.Includes) > 0 {
		if page.Included, err = s.includes(ctx, q, matchesEntries); err != nil {
			return nil, err
		}
	}
	return page, nil
}

func (s *Store) countLog(ctx context.Context, lq *logQuery) (int, error) {
	n := 0
	var buf []search.IndexEntry
	err := s.scan(ctx, lq.scan, func(_ int64, _ int, rec *record, source string) (bool, error) {
		var err error
		if buf, err = s.entries(buf[:0], rec, source); err != nil {
			return false, err
		}
		ok, err := search.Match(lq.clauses, buf)
		if ok {
			n++
		}
		return err == nil, err
	})
	return n, err
}
