package sqlstore

import (
	"fmt"
	"strings"
)

// sqlb accumulates SQL text and its arguments in textual order.
type sqlb struct {
	sb    strings.Builder
	args  []any
	alias int
}

func (b *sqlb) w(parts ...string) *sqlb {
	for _, p := range parts {
		b.sb.WriteString(p)
	}
	return b
}

// a writes a placeholder for v.
func (b *sqlb) a(v any) *sqlb {
	b.args = append(b.args, v)
	b.sb.WriteByte('?')
	return b
}

// list writes "?, ?, ?" for vs.
func (b *sqlb) list(vs []any) *sqlb {
	for i, v := range vs {
		if i > 0 {
			b.w(", ")
		}
		b.a(v)
	}
	return b
}

// next returns a fresh table alias with the given prefix.
func (b *sqlb) next(prefix string) string {
	b.alias++
	return fmt.Sprintf("%s%d", prefix, b.alias)
}

func (b *sqlb) String() string { return b.sb.String() }

// scanRows reads every row with scan and closes rows.
func scanRows(rows Rows, scan func() error) error {
	defer rows.Close()
	for rows.Next() {
		if err := scan(); err != nil {
			return err
		}
	}
	return rows.Err()
}
