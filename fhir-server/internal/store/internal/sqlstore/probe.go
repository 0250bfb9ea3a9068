package sqlstore

// role is how a clause's subquery meets the candidate rows.
type role int

const (
	// probe: checked per candidate row.
	probe role = iota
	// drive: selects the candidate rows (an IN list the planner looks
	// rows up from).
	drive
	// fencedProbe: a probe written as a correlated EXISTS the planner
	// must keep a per-row check (the dialect's Fence), in searches with
	// so many clauses that planning them as joins would take longer
	// than running them.
	fencedProbe
)

// fenceAbove is the most clauses a search has before its probes are
// fenced: PostgreSQL plans each probe as a join, and the plans of a
// hundred joins take seconds (join_collapse_limit is 8).
const fenceAbove = 8

// fence is what ends the subquery of a clause in role r.
func (e *Engine) fence(r role) string {
	if r == fencedProbe {
		return e.d.Fence
	}
	return ""
}

// writeAny writes n conditions joined by OR as a balanced tree: the
// expression is about log2(n) deep instead of n, as SQLite refuses
// expressions more than 1,000 deep and a search may carry 1,000 values.
// No condition is false.
func writeAny(b *sqlb, n int, each func(i int)) {
	if n == 0 {
		b.w("1 = 0")
		return
	}
	var tree func(lo, hi int)
	tree = func(lo, hi int) {
		b.w("(")
		if hi-lo == 1 {
			each(lo)
		} else {
			mid := (lo + hi) / 2
			tree(lo, mid)
			b.w(" OR ")
			tree(mid, hi)
		}
		b.w(")")
	}
	tree(0, n)
}
