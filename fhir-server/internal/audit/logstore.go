package audit

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/smartgate/fhir-server/internal/search"
	"github.com/smartgate/fhir-server/internal/store"
)

const auditType = "AuditEvent"

// LogStore is the FHIR store with AuditEvents kept in the store's audit
// log (blocks of records, see block.go) instead of as resources: reads,
// searches and history of AuditEvent are answered from the log, by
// scanning the blocks a search's time bounds select and matching each
// record's index rows in Go (search.Match), the same rows and semantics
// the SQL stores use. Every other type passes through to the store.
//
// AuditEvents are immutable: a client may create one (appended to the
// log in the transaction that creates it), but update and delete answer
// 405.
type LogStore struct {
	store.Store
	log     store.AuditLog
	extract search.Extractor
	refs    refResolver
}

var _ store.Store = (*LogStore)(nil)

// NewLogStore serves st with its AuditEvents in log (usually st itself);
// base is the FHIR base references resolve against.
func NewLogStore(st store.Store, log store.AuditLog, base string) *LogStore {
	return &LogStore{Store: st, log: log, extract: search.Extractor{BaseURL: base}}
}

// blocksPerFetch bounds the blocks read from the store at once.
const blocksPerFetch = 8

func (s *LogStore) Read(ctx context.Context, typ, id string) (*store.Resource, error) {
	if typ != auditType {
		return s.Store.Read(ctx, typ, id)
	}
	return s.readLog(ctx, id)
}

func (s *LogStore) VRead(ctx context.Context, typ, id string, version int64) (*store.Resource, error) {
	if typ != auditType {
		return s.Store.VRead(ctx, typ, id, version)
	}
	if version != 1 {
		return nil, store.ErrNotFound
	}
	return s.readLog(ctx, id)
}

func (s *LogStore) Search(ctx context.Context, q *search.Query) (*store.Page, error) {
	if q.Type == auditType {
		return s.searchLog(ctx, q)
	}
	return s.searchWithRevIncludes(ctx, s.Store, q)
}

func (s *LogStore) History(ctx context.Context, q store.HistoryQuery) (*store.HistoryPage, error) {
	if q.Type != auditType {
		// System history comes from the store: AuditEvents are not
		// versioned resources there (their history is AuditEvent/_history).
		return s.Store.History(ctx, q)
	}
	return s.historyLog(ctx, q)
}

func (s *LogStore) Put(ctx context.Context, w store.Write) error {
	return s.InTx(ctx, func(tx store.Tx) error { return tx.Put(ctx, w) })
}

// InTx runs fn in a store transaction. The AuditEvents fn creates are
// appended to the log in the same transaction when fn has succeeded; fn
// may append to the log itself (the recorder appends the AuditEvent of a
// request's writes, see Recorder.Written).
func (s *LogStore) InTx(ctx context.Context, fn func(tx store.Tx) error) error {
	return s.Store.InTx(ctx, func(tx store.Tx) error {
		lt := &logTx{Tx: tx, s: s}
		if err := fn(lt); err != nil || len(lt.created) == 0 {
			return err
		}
		rs := make([]*store.Resource, len(lt.created))
		for i := range lt.created {
			rs[i] = &lt.created[i].Resource
		}
		b, err := s.encodeResources(rs)
		if err != nil {
			return err
		}
		_, err = lt.AppendAudit(ctx, []store.AuditBlock{b})
		return err
	})
}

// logTx is a store transaction with AuditEvents read from the log and
// created at its end.
type logTx struct {
	store.Tx
	s       *LogStore
	created []store.Write // AuditEvents created
}

func (t *logTx) Read(ctx context.Context, typ, id string) (*store.Resource, error) {
	if typ != auditType {
		return t.Tx.Read(ctx, typ, id)
	}
	return t.s.Read(ctx, typ, id)
}

func (t *logTx) VRead(ctx context.Context, typ, id string, version int64) (*store.Resource, error) {
	if typ != auditType {
		return t.Tx.VRead(ctx, typ, id, version)
	}
	return t.s.VRead(ctx, typ, id, version)
}

func (t *logTx) Search(ctx context.Context, q *search.Query) (*store.Page, error) {
	if q.Type == auditType {
		return t.s.searchLog(ctx, q)
	}
	return t.s.searchWithRevIncludes(ctx, t.Tx, q)
}

func (t *logTx) History(ctx context.Context, q store.HistoryQuery) (*store.HistoryPage, error) {
	if q.Type != auditType {
		return t.Tx.History(ctx, q)
	}
	return t.s.historyLog(ctx, q)
}

// AppendAudit appends blocks to the log in the store transaction (see
// store.AuditTx), laid out as the log keeps them (forLog).
func (t *logTx) AppendAudit(ctx context.Context, blocks []store.AuditBlock) ([]int64, error) {
	ap, ok := t.Tx.(store.AuditTx)
	if !ok {
		return nil, fmt.Errorf("audit: the store's transactions cannot append to its audit log")
	}
	blocks, err := t.s.forLog(blocks)
	if err != nil {
		return nil, err
	}
	return ap.AppendAudit(ctx, blocks)
}

// CurrentVersions keeps the store's optional batch lookup working for
// the other types (AuditEvents answer through Read).
func (t *logTx) CurrentVersions(ctx context.Context, refs []store.Ref) (map[store.Ref]store.Current, error) {
	vr, ok := t.Tx.(store.VersionReader)
	if !ok {
		return nil, errors.ErrUnsupported
	}
	var rest []store.Ref
	for _, r := range refs {
		if r.Type != auditType {
			rest = append(rest, r)
		}
	}
	m, err := vr.CurrentVersions(ctx, rest)
	if err != nil {
		return nil, err
	}
	for _, r := range refs {
		if r.Type == auditType {
			if _, err := t.s.readLog(ctx, r.ID); err == nil {
				m[r] = store.Current{VersionID: 1}
			} else if !errors.Is(err, store.ErrNotFound) {
				return nil, err
			}
		}
	}
	return m, nil
}

func (t *logTx) Put(ctx context.Context, w store.Write) error {
	if w.Resource.Type != auditType {
		return t.Tx.Put(ctx, w)
	}
	if w.Resource.Deleted || w.ExpectVersion != 0 || w.Resource.VersionID != 1 {
		return store.Refuse(store.ErrAppendOnly, "AuditEvents are an append-only record: they cannot be updated or deleted")
	}
	for _, c := range t.created {
		if c.Resource.ID == w.Resource.ID {
			return store.ErrConflict
		}
	}
	if _, err := t.s.readLog(ctx, w.Resource.ID); err == nil {
		return store.ErrConflict
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	t.created = append(t.created, w)
	return nil
}

// readLog finds AuditEvent id. Ids the recorder assigns are UUIDv7,
// whose first 48 bits are the record's Unix milliseconds: only the
// blocks spanning that instant are read. Other ids (client-created or
// imported AuditEvents) are looked for in every block.
func (s *LogStore) readLog(ctx context.Context, id string) (*store.Resource, error) {
	scan := store.AuditScan{}
	if t, ok := uuidv7Time(id); ok {
		scan.From, scan.To = t, t
	}
	var found *store.Resource
	err := s.scan(ctx, scan, func(_ int64, _ int, rec *record, source string) (bool, error) {
		if rec.id != id {
			return true, nil
		}
		found = s.render(rec, source)
		return false, nil
	})
	if err != nil {
		return nil, err
	}
	if found == nil {
		return nil, store.ErrNotFound
	}
	return found, nil
}

// uuidv7Time returns the instant a version-7 UUID carries.
func uuidv7Time(id string) (time.Time, bool) {
	if len(id) != 36 || id[14] != '7' || id[8] != '-' || id[13] != '-' {
		return time.Time{}, false
	}
	ms, err := strconv.ParseUint(id[0:8]+id[9:13], 16, 64)
	if err != nil {
		return time.Time{}, false
	}
	return time.UnixMilli(int64(ms)).UTC(), true
}

// scan calls fn on the records of the blocks sc selects, in the log's
// order (newest first unless sc.Ascending), starting after position
// (seq, idx) when seq is not 0. fn returns false to stop. With a key,
// only the records that may hold it (mayHold) reach fn, and the others
// are never fully decoded.
func (s *LogStore) scan(ctx context.Context, sc store.AuditScan, fn func(seq int64, idx int, rec *record, source string) (bool, error)) error {
	return s.scanFrom(ctx, sc, 0, 0, fn)
}

func (s *LogStore) scanFrom(ctx context.Context, sc store.AuditScan, seq int64, idx int, fn func(seq int64, idx int, rec *record, source string) (bool, error)) error {
	sc.Limit = blocksPerFetch
	// The block of the cursor itself is read again, from past idx.
	if seq != 0 {
		if sc.Ascending {
			sc.After = seq - 1
		} else {
			sc.Before = seq + 1
		}
	}
	needle := keyNeedle(sc.Key)
	var recs []record
	for {
		blocks, err := s.log.AuditBlocks(ctx, sc)
		if err != nil {
			return err
		}
		for _, b := range blocks {
			br, err := readBlock(b.Data)
			if err != nil {
				return fmt.Errorf("audit block %d: %w", b.Seq, err)
			}
			br.skim = needle != nil
			recs = recs[:0]
			var rec record
			for br.next(&rec) {
				recs = append(recs, rec)
			}
			if err := br.Err(); err != nil {
				return fmt.Errorf("audit block %d: %w", b.Seq, err)
			}
			for k := range recs {
				i := k
				if !sc.Ascending {
					i = len(recs) - 1 - k
				}
				if b.Seq == seq && (sc.Ascending && i <= idx || !sc.Ascending && i >= idx) {
					continue
				}
				rec := &recs[i]
				if needle != nil {
					if !mayHold(rec, needle) {
						continue
					}
					if rec, err = decodeRecord(rec.raw, rec.format); err != nil {
						return fmt.Errorf("audit block %d: %w", b.Seq, err)
					}
				}
				more, err := fn(b.Seq, i, rec, br.source)
				if err != nil || !more {
					return err
				}
			}
			if sc.Ascending {
				sc.After = b.Seq
			} else {
				sc.Before = b.Seq
			}
		}
		if len(blocks) < sc.Limit {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
}

// render returns rec as a stored resource (version 1).
func (s *LogStore) render(rec *record, source string) *store.Resource {
	body := rec.body
	if rec.kind == kindEvent {
		body = rec.ev.appendResource(make([]byte, 0, 1024), source, rec.id, "1", rec.at.Format(timeFormat))
	}
	return &store.Resource{Type: auditType, ID: rec.id, VersionID: 1, LastUpdated: rec.at, Body: body}
}

const timeFormat = "2006-01-02T15:04:05.000Z07:00"

// entries returns rec's search-index rows.
func (s *LogStore) entries(dst []search.IndexEntry, rec *record, source string) ([]search.IndexEntry, error) {
	if rec.kind == kindEvent {
		return rec.ev.indexEntries(dst, &s.refs, s.extract.BaseURL, source, rec.id, rec.at), nil
	}
	var m map[string]any
	if err := json.Unmarshal(rec.body, &m); err != nil {
		return nil, fmt.Errorf("audit record %s: %w", rec.id, err)
	}
	e, err := s.extract.Extract(auditType, m)
	return append(dst, e...), err
}

// logQuery is a search of the log ready to scan.
type logQuery struct {
	clauses []search.Clause
	scan    store.AuditScan
}

func (s *LogStore) prepare(q *search.Query) (*logQuery, error) {
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

func (s *LogStore) searchLog(ctx context.Context, q *search.Query) (*store.Page, error) {
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

func (s *LogStore) countLog(ctx context.Context, lq *logQuery) (int, error) {
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

// includes reads the resources the matches' reference parameters named
// by _include point at, from the store (a patient compartment, if any,
// applies as in the store's own searches: a resource outside is left
// out).
func (s *LogStore) includes(ctx context.Context, q *search.Query, matches [][]search.IndexEntry) ([]*store.Resource, error) {
	seen := map[store.Ref]bool{}
	var out []*store.Resource
	for _, entries := range matches {
		for _, inc := range q.Includes {
			if inc.SourceType != auditType {
				continue
			}
			for _, e := range entries {
				if e.Param != inc.Param || e.Kind != search.KindReference || e.RefType == "" || e.RefID == "" ||
					(inc.TargetType != "" && e.RefType != inc.TargetType) {
					continue
				}
				ref := store.Ref{Type: e.RefType, ID: e.RefID}
				if seen[ref] || len(out) >= maxLogIncluded {
					continue
				}
				seen[ref] = true
				r, err := s.inCompartment(ctx, q.Compartment, ref)
				if err != nil {
					return nil, err
				}
				if r != nil {
					out = append(out, r)
				}
			}
		}
	}
	return out, nil
}

// inCompartment reads ref, or nil when it does not exist, is deleted, or
// lies outside comp.
func (s *LogStore) inCompartment(ctx context.Context, comp *search.Compartment, ref store.Ref) (*store.Resource, error) {
	if comp == nil {
		r, err := s.Read(ctx, ref.Type, ref.ID)
		if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrGone) {
			return nil, nil
		}
		return r, err
	}
	p, err := s.Store.Search(ctx, &search.Query{Type: ref.Type, Compartment: comp, Count: 1, Total: search.TotalNone,
		Clauses: []search.Clause{{Param: "_id", Kind: search.KindToken, Values: []search.Value{{Raw: ref.ID, Code: ref.ID}}}}})
	if err != nil || len(p.Matches) == 0 {
		return nil, err
	}
	return p.Matches[0], nil
}

// historyLog answers AuditEvent history: one version per AuditEvent,
// newest first.
func (s *LogStore) historyLog(ctx context.Context, q store.HistoryQuery) (*store.HistoryPage, error) {
	if q.ID != "" {
		r, err := s.readLog(ctx, q.ID)
		if err != nil {
			return nil, err
		}
		if (!q.Since.IsZero() && r.LastUpdated.Before(q.Since)) || q.Cursor != "" {
			return &store.HistoryPage{}, nil
		}
		if q.Compartment != nil {
			if r, err = s.inCompartmentLog(ctx, q.Compartment, r.ID); err != nil || r == nil {
				return &store.HistoryPage{}, err
			}
		}
		return &store.HistoryPage{Versions: []*store.Resource{r}, Total: 1}, nil
	}
	sq := &search.Query{Type: auditType, Count: q.Count, Cursor: q.Cursor, Total: search.TotalAccurate, Compartment: q.Compartment}
	if !q.Since.IsZero() {
		sq.Clauses = []search.Clause{{Param: "_lastUpdated", Kind: search.KindDate,
			Values: []search.Value{{Prefix: "ge", Low: q.Since, High: search.MaxTime}}}}
	}
	p, err := s.searchLog(ctx, sq)
	if err != nil {
		return nil, err
	}
	return &store.HistoryPage{Versions: p.Matches, Total: *p.Total, NextCursor: p.NextCursor}, nil
}

func (s *LogStore) inCompartmentLog(ctx context.Context, comp *search.Compartment, id string) (*store.Resource, error) {
	p, err := s.searchLog(ctx, &search.Query{Type: auditType, Compartment: comp, Count: 1,
		Clauses: []search.Clause{{Param: "_id", Kind: search.KindToken, Values: []search.Value{{Raw: id, Code: id}}}}})
	if err != nil || len(p.Matches) == 0 {
		return nil, err
	}
	return p.Matches[0], nil
}

// AuditBlocks returns the blocks of the log sc selects (the recorder
// reads back through it at start).
func (s *LogStore) AuditBlocks(ctx context.Context, sc store.AuditScan) ([]store.AuditBlock, error) {
	return s.log.AuditBlocks(ctx, sc)
}

// AppendAudit appends blocks to the log (the recorder writes through
// it), laid out as the log keeps them (forLog): it returns the seqs of
// the blocks stored, which may be more than given.
func (s *LogStore) AppendAudit(ctx context.Context, blocks []store.AuditBlock) ([]int64, error) {
	blocks, err := s.forLog(blocks)
	if err != nil {
		return nil, err
	}
	return s.log.AppendAudit(ctx, blocks)
}

// Open serves st (which must keep an audit log) with its AuditEvents in
// the log, after moving there those an earlier version of the server
// stored as resources and giving keys to the blocks an earlier version
// appended without (until then, every keyed search reads them).
func Open(ctx context.Context, st store.Store, base string, log *slog.Logger) (*LogStore, error) {
	al, ok := st.(store.AuditLog)
	if !ok {
		return nil, fmt.Errorf("audit: the store keeps no audit log")
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := NewLogStore(st, al, base)
	n, err := al.ImportAuditResources(ctx, importBatch, s.encodeResources)
	if err != nil {
		return nil, fmt.Errorf("audit: moving stored AuditEvents into the audit log: %w", err)
	}
	if n > 0 {
		log.Info("audit: moved AuditEvents stored as resources into the audit log", "count", n)
	}
	n, err = al.BackfillAuditKeys(ctx, backfillBatch, s.blockKeys)
	if err != nil {
		return nil, fmt.Errorf("audit: indexing the keys of the audit log: %w", err)
	}
	if n > 0 {
		log.Info("audit: indexed the keys of audit log blocks stored without", "blocks", n)
	}
	return s, nil
}

const (
	importBatch   = 1000
	backfillBatch = 16 // blocks, of up to a few thousand events each
)

// encodeResources makes one block of AuditEvents kept as JSON.
func (s *LogStore) encodeResources(rs []*store.Resource) (store.AuditBlock, error) {
	w := newBlockWriter("", 1024*len(rs))
	for _, r := range rs {
		w.addResource(r.ID, r.LastUpdated.UTC().Truncate(time.Millisecond), r.Body)
	}
	b := store.AuditBlock{First: w.first, Last: w.last, Count: w.n, Data: w.buf}
	var err error
	b.Keys, err = s.blockKeys(b)
	return b, err
}
