package search

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// ErrUnsupported is the error (wrapped, naming the parameter) of a clause
// Match cannot evaluate in Go: a chained parameter (its answer depends on
// other resources), a clause of a kind the stores have no index table for,
// and an _lastUpdated clause without values (which the SQL stores cannot
// run either).
var ErrUnsupported = errors.New("search: clause cannot be matched without the store")

// Match reports whether a resource whose search-index rows are entries
// (as Extractor.Extract returns them, including the _id and _lastUpdated
// rows) matches every clause (AND of clauses, OR of values within a
// clause), exactly as the SQL stores decide: it mirrors
// store/internal/sqlstore's clause.go condition by condition.
//
// _id is judged on the Code of the _id entry and _lastUpdated on the Low
// instant of the _lastUpdated entry (the stores use their own id and
// last_updated columns, which hold the same values when meta.lastUpdated
// was set to the stored instant before extracting); Match fails when a
// clause needs one of them and entries lack it. Query.Compartment is not
// a clause: a caller restricting by compartment must do so itself.
//
// The ap prefix widens its range by a tenth of the distance between the
// value and now, as the stores do; now is read once per call.
func Match(clauses []Clause, entries []IndexEntry) (bool, error) {
	return MatchAt(clauses, entries, time.Now)
}

// MatchAt is Match with the clock of the ap prefix (the stores' Options.Now).
func MatchAt(clauses []Clause, entries []IndexEntry, clock func() time.Time) (bool, error) {
	if err := CheckMatchable(clauses); err != nil {
		return false, err
	}
	var now time.Time
	for _, c := range clauses {
		if clauseNeedsNow(c) && now.IsZero() {
			now = clock()
		}
		ok, err := matchClause(c, entries, now)
		if err != nil || !ok {
			return false, err
		}
	}
	return true, nil
}

// CheckMatchable returns ErrUnsupported (wrapped, naming the parameter)
// when some clause cannot be matched by Match, so a caller can refuse the
// query before scanning anything.
func CheckMatchable(clauses []Clause) error {
	for _, c := range clauses {
		switch c.Param {
		case ParamID:
			continue // the stores ignore everything but the values (and :missing, :not)
		case ParamLastUpdated:
			if c.Modifier != "missing" && len(c.Values) == 0 {
				return fmt.Errorf("%w: %s without values", ErrUnsupported, clauseName(c))
			}
			continue
		}
		if c.Chain != nil {
			return fmt.Errorf("%w: chained parameter %s", ErrUnsupported, clauseName(c))
		}
		if !indexedKind(c.Kind) {
			return fmt.Errorf("%w: parameter %s has unknown kind %q", ErrUnsupported, clauseName(c), c.Kind)
		}
	}
	return nil
}

// clauseName renders a clause's parameter as the query wrote it.
func clauseName(c Clause) string {
	s := c.Param
	if c.Modifier != "" {
		s += ":" + c.Modifier
	}
	if c.Chain != nil {
		s += "." + clauseName(*c.Chain)
	}
	return s
}

func indexedKind(k Kind) bool {
	switch k {
	case KindToken, KindString, KindDate, KindReference, KindQuantity, KindURI, KindNumber:
		return true
	}
	return false
}

func clauseNeedsNow(c Clause) bool {
	for _, v := range c.Values {
		if v.Prefix == "ap" {
			return true
		}
	}
	return false
}

// plainModifier reports the modifiers that are not a reference's type
// restriction (sqlstore's plainModifiers).
func plainModifier(m string) bool {
	switch m {
	case "", "exact", "contains", "missing", "not", "text", "below", "above", "identifier":
		return true
	}
	return false
}

// firstMissing: only the first value of a :missing clause counts.
func firstMissing(c Clause) bool { return len(c.Values) > 0 && c.Values[0].Missing }

func matchClause(c Clause, entries []IndexEntry, now time.Time) (bool, error) {
	switch c.Param {
	case ParamID:
		return matchID(c, entries)
	case ParamLastUpdated:
		if c.Modifier == "missing" {
			return !firstMissing(c), nil
		}
		lu, ok := findEntry(entries, ParamLastUpdated, KindDate)
		if !ok {
			return false, fmt.Errorf("search: Match: no %s entry to evaluate %s against", ParamLastUpdated, clauseName(c))
		}
		// last_updated holds nanoseconds; the row's range is [lu, lu+1).
		low := Nanos(lu.Low)
		for _, v := range c.Values {
			if inRange(v.Prefix, low, low+1, Nanos(v.Low), Nanos(v.High), time.Duration(1), now) {
				return true, nil
			}
		}
		return false, nil
	}
	// Chains and unknown kinds were refused by CheckMatchable. The rows
	// of the clause are those of its kind's table and its param.
	row := func(e IndexEntry) bool { return e.Param == c.Param && e.Kind == c.Kind }
	if c.Modifier == "missing" {
		has := false
		for _, e := range entries {
			if row(e) {
				has = true
				break
			}
		}
		return has != firstMissing(c), nil
	}
	if len(c.Values) == 0 {
		return false, nil
	}
	found := false
rows:
	for _, e := range entries {
		if !row(e) {
			continue
		}
		for _, v := range c.Values {
			if matchValue(c, v, e, now) {
				found = true
				break rows
			}
		}
	}
	if c.Kind == KindToken && c.Modifier == "not" {
		return !found, nil // no row matches any value
	}
	return found, nil
}

func findEntry(entries []IndexEntry, param string, kind Kind) (IndexEntry, bool) {
	for _, e := range entries {
		if e.Param == param && e.Kind == kind {
			return e, true
		}
	}
	return IndexEntry{}, false
}

// matchID mirrors writeIDClause: the resource id IN (or NOT IN) the
// values' Code, else Value, else Raw.
func matchID(c Clause, entries []IndexEntry) (bool, error) {
	if c.Modifier == "missing" {
		return !firstMissing(c), nil
	}
	if len(c.Values) == 0 {
		return false, nil
	}
	e, ok := findEntry(entries, ParamID, KindToken)
	if !ok {
		return false, fmt.Errorf("search: Match: no %s entry to evaluate %s against", ParamID, clauseName(c))
	}
	in := false
	for _, v := range c.Values {
		id := v.Code
		if id == "" {
			id = v.Value
		}
		if id == "" {
			id = v.Raw
		}
		if e.Code == id {
			in = true
			break
		}
	}
	if c.Modifier == "not" {
		return !in, nil
	}
	return in, nil
}

// matchValue mirrors writeValue: the condition one value puts on one
// index row of the clause's kind.
func matchValue(c Clause, v Value, e IndexEntry, now time.Time) bool {
	switch c.Kind {
	case KindToken:
		if c.Modifier == "text" {
			text := v.Raw
			if text == "" {
				text = v.Code
			}
			// The stores keep the row's Text normalised once more and
			// normalise the text searched.
			return strings.Contains(Normalize(e.Text), Normalize(text))
		}
		return matchToken(v, e)
	case KindString:
		switch c.Modifier {
		case "exact":
			return e.Exact == v.Raw
		case "contains":
			return strings.Contains(e.Value, v.Value)
		default:
			return hasPrefixBinary(e.Value, v.Value)
		}
	case KindURI:
		val := v.Value
		if val == "" {
			val = v.Raw
		}
		if c.Modifier == "below" {
			return hasPrefixBinary(e.Value, val)
		}
		return e.Value == val
	case KindDate:
		return inRange(v.Prefix, e.Low.UnixMicro(), e.High.UnixMicro(), v.Low.UnixMicro(), v.High.UnixMicro(), time.Microsecond, now)
	case KindNumber:
		return matchNumber(v, e.Number)
	case KindQuantity:
		if v.Code != "" {
			if e.Code != v.Code {
				return false
			}
			if v.System != "" && e.System != v.System {
				return false
			}
		}
		return matchNumber(v, e.Number)
	case KindReference:
		return matchReference(c, v, e)
	}
	return false
}

func matchToken(v Value, e IndexEntry) bool {
	switch {
	case v.HasSystem && v.System == "":
		return e.System == "" && e.Code == v.Code
	case v.HasSystem && v.Code == "":
		return e.System == v.System
	case v.HasSystem:
		return e.Code == v.Code && e.System == v.System
	default:
		return e.Code == v.Code
	}
}

// hasPrefixBinary is the stores' prefix test under binary collation:
// value >= p AND value < p + U+10FFFF.
func hasPrefixBinary(value, p string) bool {
	return value >= p && value < p+"\U0010FFFF"
}

func matchReference(c Clause, v Value, e IndexEntry) bool {
	refType := v.RefType
	if refType == "" && !plainModifier(c.Modifier) {
		refType = c.Modifier
	}
	switch {
	case v.RefID != "":
		if e.RefID == v.RefID && (refType == "" || e.RefType == refType) {
			return true
		}
		return v.URL != "" && e.URL == v.URL
	case v.URL != "":
		return e.URL == v.URL
	}
	return false
}

// matchNumber mirrors writeNumber: eq and ne use the range implied by the
// value's precision.
func matchNumber(v Value, n float64) bool {
	lo, hi := v.NumberLow, v.NumberHigh
	eq := func() bool {
		if lo == hi {
			return n == v.Number
		}
		return n >= lo && n < hi
	}
	switch v.Prefix {
	case "ne":
		return !eq()
	case "gt", "sa":
		return n > v.Number
	case "lt", "eb":
		return n < v.Number
	case "ge":
		return n >= v.Number
	case "le":
		return n <= v.Number
	case "ap":
		d := math.Abs(v.Number) / 10
		return n >= v.Number-d && n <= v.Number+d
	default:
		return eq()
	}
}

// inRange mirrors writeRange: FHIR's comparison of a target range
// [low, high) against the search range [vl, vh) for a prefix, in steps of
// unit.
func inRange(prefix string, low, high, vl, vh int64, unit time.Duration, now time.Time) bool {
	eq := func() bool { return low >= vl && high <= vh }
	switch prefix {
	case "ne":
		return !eq()
	case "gt":
		return high > vh
	case "lt":
		return low < vl
	case "ge":
		return high > vh || eq()
	case "le":
		return low < vl || eq()
	case "sa":
		return low >= vh
	case "eb":
		return high <= vl
	case "ap":
		n := now.UnixNano() / int64(unit)
		d := n - vl
		if d < 0 {
			d = -d
		}
		d /= 10
		if day := int64(24*time.Hour) / int64(unit); d < day {
			d = day
		}
		return low < SaturatingAdd(vh, d) && high > SaturatingAdd(vl, -d)
	default:
		return eq()
	}
}

// SaturatingAdd is a+d, held at the int64 bounds instead of wrapping.
func SaturatingAdd(a, d int64) int64 {
	s := a + d
	if d > 0 && s < a {
		return math.MaxInt64
	}
	if d < 0 && s > a {
		return math.MinInt64
	}
	return s
}

var (
	minNanoTime = time.Unix(0, math.MinInt64)
	maxNanoTime = time.Unix(0, math.MaxInt64)
)

// Nanos converts t to nanoseconds since the epoch, clamped to int64, as
// the stores keep last_updated (so it round-trips exactly).
func Nanos(t time.Time) int64 {
	switch {
	case t.Before(minNanoTime):
		return math.MinInt64
	case t.After(maxNanoTime):
		return math.MaxInt64
	}
	return t.UnixNano()
}
