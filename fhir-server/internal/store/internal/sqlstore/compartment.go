package sqlstore

import (
	"slices"

	"github.com/smartgate/fhir-server/internal/search"
	"github.com/smartgate/fhir-server/internal/store"
)

// rowExprs names the SQL expressions of one resource row (or one version
// of it) that the compartment condition reads.
type rowExprs struct {
	typ     string // the row's type when known, "" when it varies
	typeCol string
	pk      string
	version string
	id      string
}

func resourceRow(alias, typ string) rowExprs {
	return rowExprs{typ: typ, typeCol: alias + ".type", pk: alias + ".pk", version: alias + ".version", id: alias + ".id"}
}

// maxViaDepth bounds chains of via references (Binary <- DocumentReference).
const maxViaDepth = 3

// membership writes the condition a compartment_member row (alias m)
// meets when it puts its resource inside the compartments looked for.
type membership func(b *sqlb, m string)

// inCompartment is the membership of comp.
func inCompartment(comp *search.Compartment) membership {
	return func(b *sqlb, m string) {
		b.w(m, ".comp_type = ").a(comp.Type).w(" AND ", m, ".comp_id = ").a(comp.ID)
	}
}

// inPatients is the membership of the compartments of the patients ids,
// or of any patient when ids is empty. The row's own memberships are few:
// they are looked up by the row (the primary key) and tested against the
// list, never the list's members looked up one by one for each row.
func (e *Engine) inPatients(ids []string) membership {
	return func(b *sqlb, m string) {
		b.w(m, ".comp_type = ").a(store.CompartmentType)
		if len(ids) == 0 {
			return
		}
		col := m + ".comp_id"
		if e.d.NoIndex != nil {
			col = e.d.NoIndex(col)
		}
		b.w(" AND ", col, " IN (")
		for i, id := range ids {
			if i > 0 {
				b.w(", ")
			}
			b.a(id)
		}
		b.w(")")
	}
}

// writeCompartment writes a condition true when the row is inside comp,
// or for types the compartment does not restrict.
func (e *Engine) writeCompartment(b *sqlb, comp *search.Compartment, row rowExprs) {
	e.writeCompartmentDepth(b, inCompartment(comp), row, 0)
}

func (e *Engine) writeCompartmentDepth(b *sqlb, comp membership, row rowExprs, depth int) {
	if row.typ != "" {
		e.writeTypeCompartment(b, comp, row, row.typ, depth)
		return
	}
	// The row's type varies: one branch per restricted type, and every
	// other type passes.
	types := e.restrictedTypes()
	b.w("(")
	for _, t := range types {
		b.w("(", row.typeCol, " = ").a(t).w(" AND ")
		e.writeTypeCompartment(b, comp, row, t, depth)
		b.w(") OR ")
	}
	b.w(row.typeCol, " NOT IN (")
	for i, t := range types {
		if i > 0 {
			b.w(", ")
		}
		b.a(t)
	}
	b.w("))")
}

func (e *Engine) restrictedTypes() []string {
	set := map[string]bool{store.CompartmentType: true}
	for t := range e.opts.CompartmentParams {
		set[t] = true
	}
	for t := range e.opts.CompartmentVia {
		set[t] = true
	}
	var out []string
	for t := range set {
		out = append(out, t)
	}
	slices.Sort(out)
	return out
}

func (e *Engine) writeTypeCompartment(b *sqlb, comp membership, row rowExprs, typ string, depth int) {
	if !e.opts.Restricted(typ) {
		b.w("1 = 1")
		return
	}
	b.w("(")
	_, direct := e.opts.CompartmentParams[typ]
	via, hasVia := e.opts.CompartmentVia[typ]
	first := true
	if direct || typ == store.CompartmentType {
		m := b.next("cm")
		b.w("EXISTS (SELECT 1 FROM compartment_member ", m, " WHERE ", m, ".res_pk = ", row.pk,
			" AND ", m, ".version = ", row.version, " AND ")
		comp(b, m)
		b.w(")")
		first = false
	}
	if hasVia {
		if !first {
			b.w(" OR ")
		}
		first = false
		if depth >= maxViaDepth {
			b.w("1 = 0")
		} else {
			v, vr := b.next("vi"), b.next("vr")
			b.w("EXISTS (SELECT 1 FROM idx_ref ", v, " JOIN resources ", vr, " ON ", vr, ".pk = ", v, ".res_pk WHERE ",
				v, ".res_type = ").a(via.SourceType).w(" AND ", v, ".param = ").a(via.Param).
				w(" AND ", v, ".ref_type = ").a(typ).w(" AND ", v, ".ref_id = ", row.id, " AND ", vr, ".deleted = 0 AND ")
			e.writeCompartmentDepth(b, comp, resourceRow(vr, via.SourceType), depth+1)
			b.w(")")
		}
	}
	if first {
		b.w("1 = 0")
	}
	b.w(")")
}
