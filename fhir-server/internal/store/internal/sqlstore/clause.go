package sqlstore

import (
	"fmt"
	"math"
	"time"

	"github.com/smartgate/fhir-server/internal/search"
)

// modifiers that are not a reference's type restriction.
var plainModifiers = map[string]bool{"": true, "exact": true, "contains": true, "missing": true,
	"not": true, "text": true, "below": true, "above": true, "identifier": true}

// writeClause writes the condition of one clause (OR of its values) on
// the resource row alias of type typ, in role r. typed reports that the
// condition selects alias.pk among index rows of typ, so it holds only
// for resources of that type.
func (e *Engine) writeClause(b *sqlb, alias, typ string, c search.Clause, comp *search.Compartment, r role) (typed bool, err error) {
	switch c.Param {
	case "_id":
		return false, e.writeIDClause(b, alias, c)
	case "_lastUpdated":
		if c.Modifier == "missing" {
			b.w(boolSQL(!firstMissing(c)))
			return false, nil
		}
		col := alias + ".last_updated"
		writeAny(b, len(c.Values), func(i int) {
			v := c.Values[i]
			writeRange(b, v.Prefix, col, col+" + 1", search.Nanos(v.Low), search.Nanos(v.High), time.Duration(1), e.opts.Now)
		})
		return false, nil
	}
	if c.Chain != nil {
		return false, e.writeChain(b, alias, typ, c, comp, r)
	}
	t, ok := indexTables[c.Kind]
	if !ok {
		return false, fmt.Errorf("sqlstore: parameter %q has unknown kind %q", c.Param, c.Kind)
	}
	if c.Modifier == "missing" {
		switch {
		case firstMissing(c):
			b.w(alias, ".pk NOT IN (SELECT res_pk FROM ", t.table, " WHERE ")
		case r == fencedProbe:
			b.w("EXISTS (SELECT 1 FROM ", t.table, " WHERE res_pk = ", alias, ".pk AND ")
		default:
			b.w(alias, ".pk IN (SELECT res_pk FROM ", t.table, " WHERE ")
			typed = true
		}
		b.w("res_type = ").a(typ).w(" AND param = ").a(c.Param).w(e.fence(r), ")")
		return typed, nil
	}
	if len(c.Values) == 0 {
		b.w("1 = 0")
		return false, nil
	}
	switch {
	case c.Kind == search.KindToken && c.Modifier == "not":
		b.w(alias, ".pk NOT IN (SELECT res_pk FROM ", t.table, " WHERE ")
	case r == drive:
		b.w(alias, ".pk IN (SELECT res_pk FROM ", t.table, " WHERE ")
		typed = true
	default:
		// Probed per candidate row through the (res_pk, param) index.
		b.w("EXISTS (SELECT 1 FROM ", t.table, " WHERE res_pk = ", alias, ".pk AND ")
	}
	b.w("res_type = ").a(typ).w(" AND param = ").a(c.Param).w(" AND ")
	writeAny(b, len(c.Values), func(i int) { e.writeValue(b, c, c.Values[i]) })
	b.w(e.fence(r), ")")
	return typed, nil
}

func firstMissing(c search.Clause) bool { return len(c.Values) > 0 && c.Values[0].Missing }

func boolSQL(v bool) string {
	if v {
		return "1 = 1"
	}
	return "1 = 0"
}

func (e *Engine) writeIDClause(b *sqlb, alias string, c search.Clause) error {
	if c.Modifier == "missing" {
		b.w(boolSQL(!firstMissing(c)))
		return nil
	}
	if len(c.Values) == 0 {
		b.w("1 = 0")
		return nil
	}
	b.w(alias, ".id ")
	if c.Modifier == "not" {
		b.w("NOT ")
	}
	b.w("IN (")
	for i, v := range c.Values {
		if i > 0 {
			b.w(", ")
		}
		id := v.Code
		if id == "" {
			id = v.Value
		}
		if id == "" {
			id = v.Raw
		}
		b.a(id)
	}
	b.w(")")
	return nil
}

// writeValue writes the condition one value puts on an index row (the
// columns of the clause kind's table, unqualified).
func (e *Engine) writeValue(b *sqlb, c search.Clause, v search.Value) {
	switch c.Kind {
	case search.KindToken:
		if c.Modifier == "text" {
			text := v.Raw
			if text == "" {
				text = v.Code
			}
			b.w(e.d.Contains("text", "?"))
			b.args = append(b.args, search.Normalize(text))
			return
		}
		writeToken(b, v)
	case search.KindString:
		switch c.Modifier {
		case "exact":
			b.w("exact = ").a(v.Raw)
		case "contains":
			b.w(e.d.Contains("value", "?"))
			b.args = append(b.args, v.Value)
		default:
			b.w("value >= ").a(v.Value).w(" AND value < ").a(prefixUpper(v.Value))
		}
	case search.KindURI:
		val := v.Value
		if val == "" {
			val = v.Raw
		}
		if c.Modifier == "below" {
			b.w("value >= ").a(val).w(" AND value < ").a(prefixUpper(val))
		} else {
			b.w("value = ").a(val)
		}
	case search.KindDate:
		lo, hi := micros(v.Low), micros(v.High)
		writeRange(b, v.Prefix, "low", "high", lo, hi, time.Microsecond, e.opts.Now)
	case search.KindNumber:
		writeNumber(b, v)
	case search.KindQuantity:
		if v.Code != "" {
			b.w("code = ").a(v.Code).w(" AND ")
			if v.System != "" {
				b.w("system = ").a(v.System).w(" AND ")
			}
		}
		b.w("(")
		writeNumber(b, v)
		b.w(")")
	case search.KindReference:
		writeReference(b, c, v)
	}
}

func writeToken(b *sqlb, v search.Value) {
	switch {
	case v.HasSystem && v.System == "":
		b.w("system = '' AND code = ").a(v.Code)
	case v.HasSystem && v.Code == "":
		b.w("system = ").a(v.System)
	case v.HasSystem:
		b.w("code = ").a(v.Code).w(" AND system = ").a(v.System)
	default:
		b.w("code = ").a(v.Code)
	}
}

func writeReference(b *sqlb, c search.Clause, v search.Value) {
	refType := v.RefType
	if refType == "" && !plainModifiers[c.Modifier] {
		refType = c.Modifier
	}
	switch {
	case v.RefID != "":
		b.w("(ref_id = ").a(v.RefID)
		if refType != "" {
			b.w(" AND ref_type = ").a(refType)
		}
		b.w(")")
		if v.URL != "" {
			b.w(" OR url = ").a(v.URL)
		}
	case v.URL != "":
		b.w("url = ").a(v.URL)
	default:
		b.w("1 = 0")
	}
}

// writeRange writes FHIR's range comparison of a target range
// [low, high) (SQL expressions) against the search range [vl, vh) for a
// prefix; unit is the size of one step of the stored values, now the
// clock of the ap prefix.
func writeRange(b *sqlb, prefix, low, high string, vl, vh int64, unit time.Duration, now func() time.Time) {
	eq := func() { b.w(low, " >= ").a(vl).w(" AND ", high, " <= ").a(vh) }
	switch prefix {
	case "ne":
		b.w("NOT (")
		eq()
		b.w(")")
	case "gt":
		b.w(high, " > ").a(vh)
	case "lt":
		b.w(low, " < ").a(vl)
	case "ge":
		b.w(high, " > ").a(vh).w(" OR (")
		eq()
		b.w(")")
	case "le":
		b.w(low, " < ").a(vl).w(" OR (")
		eq()
		b.w(")")
	case "sa":
		b.w(low, " >= ").a(vh)
	case "eb":
		b.w(high, " <= ").a(vl)
	case "ap":
		// Approximately: the ranges overlap once the search range is
		// widened by a tenth of its distance from now (at least a day).
		d := now().UnixNano()/int64(unit) - vl
		if d < 0 {
			d = -d
		}
		d /= 10
		if day := int64(24*time.Hour) / int64(unit); d < day {
			d = day
		}
		b.w(low, " < ").a(search.SaturatingAdd(vh, d)).w(" AND ", high, " > ").a(search.SaturatingAdd(vl, -d))
	default:
		eq()
	}
}

// writeNumber compares the number column with a number value: eq and ne
// use the range implied by the value's precision.
func writeNumber(b *sqlb, v search.Value) {
	lo, hi := v.NumberLow, v.NumberHigh
	eq := func() {
		if lo == hi {
			b.w("number = ").a(v.Number)
			return
		}
		b.w("number >= ").a(lo).w(" AND number < ").a(hi)
	}
	switch v.Prefix {
	case "ne":
		b.w("NOT (")
		eq()
		b.w(")")
	case "gt", "sa":
		b.w("number > ").a(v.Number)
	case "lt", "eb":
		b.w("number < ").a(v.Number)
	case "ge":
		b.w("number >= ").a(v.Number)
	case "le":
		b.w("number <= ").a(v.Number)
	case "ap":
		d := math.Abs(v.Number) / 10
		b.w("number >= ").a(v.Number - d).w(" AND number <= ").a(v.Number + d)
	default:
		eq()
	}
}

// writeChain writes a chained clause: the reference param points at a
// resource of TargetType that matches the chained clause (and is inside
// the compartment).
func (e *Engine) writeChain(b *sqlb, alias, typ string, c search.Clause, comp *search.Compartment, r role) error {
	target := c.TargetType
	if target == "" && !plainModifiers[c.Modifier] {
		target = c.Modifier
	}
	if target == "" {
		return errNoTarget
	}
	i, t := b.next("ci"), b.next("ct")
	if r == fencedProbe {
		b.w("EXISTS (SELECT 1")
	} else {
		b.w(alias, ".pk IN (SELECT ", i, ".res_pk")
	}
	b.w(" FROM idx_ref ", i, " JOIN resources ", t, " ON ", t, ".type = ", i, ".ref_type AND ", t, ".id = ", i, ".ref_id WHERE ")
	if r == fencedProbe {
		b.w(i, ".res_pk = ", alias, ".pk AND ")
	}
	b.w(i, ".res_type = ").a(typ).w(" AND ", i, ".param = ").a(c.Param).
		w(" AND ", i, ".ref_type = ").a(target).w(" AND ", t, ".deleted = 0 AND ")
	if _, err := e.writeClause(b, t, target, *c.Chain, comp, drive); err != nil {
		return err
	}
	if comp != nil {
		b.w(" AND ")
		e.writeCompartment(b, comp, resourceRow(t, target))
	}
	b.w(e.fence(r), ")")
	return nil
}

// drivePriority ranks how selective a clause is likely to be: the most
// selective one drives the search (SQLite looks rows up from the first
// IN list it sees; statistics may not exist yet).
func drivePriority(c search.Clause) int {
	switch {
	case c.Param == "_id":
		return 0
	case c.Modifier == "missing" || c.Modifier == "not" || c.Modifier == "contains" || c.Modifier == "text":
		return 9
	case c.Chain != nil:
		return 5
	case c.Kind == search.KindReference, c.Kind == search.KindURI:
		return 1
	case c.Kind == search.KindToken:
		for _, v := range c.Values {
			if !v.HasSystem || v.Code == "" {
				return 3
			}
		}
		return 2
	case c.Kind == search.KindString:
		return 4
	}
	return 6
}
