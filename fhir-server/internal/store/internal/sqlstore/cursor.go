package sqlstore

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"

	"github.com/smartgate/fhir-server/internal/store"
)

// cursor is a keyset position: the sort values and pk of a row, and
// whether the page wanted lies after it (next) or before it (prev).
type cursor struct {
	Prev   bool     `json:"p,omitempty"`
	Hash   string   `json:"h"`
	Values []typedV `json:"v,omitempty"`
	PK     int64    `json:"k"`
	Extra  []int64  `json:"x,omitempty"`
}

// typedV keeps a sort value's SQL type through JSON: T is "s" (text),
// "i" (integer, as a decimal string), "f" (float) or "" (NULL).
type typedV struct {
	T string `json:"t,omitempty"`
	V string `json:"v,omitempty"`
}

func toTyped(v any) (typedV, error) {
	switch x := v.(type) {
	case nil:
		return typedV{}, nil
	case string:
		return typedV{"s", x}, nil
	case []byte:
		return typedV{"s", string(x)}, nil
	case int64:
		return typedV{"i", strconv.FormatInt(x, 10)}, nil
	case int32:
		return typedV{"i", strconv.FormatInt(int64(x), 10)}, nil
	case int:
		return typedV{"i", strconv.Itoa(x)}, nil
	case float64:
		return typedV{"f", strconv.FormatFloat(x, 'g', -1, 64)}, nil
	}
	return typedV{}, fmt.Errorf("sqlstore: sort value of type %T", v)
}

func (t typedV) value() (any, error) {
	switch t.T {
	case "":
		return nil, nil
	case "s":
		return t.V, nil
	case "i":
		return strconv.ParseInt(t.V, 10, 64)
	case "f":
		return strconv.ParseFloat(t.V, 64)
	}
	return nil, fmt.Errorf("bad type %q", t.T)
}

// criteriaHash identifies the criteria a cursor belongs to.
func criteriaHash(parts ...any) string {
	raw, _ := json.Marshal(parts)
	sum := sha256.Sum256(raw)
	return base64.RawURLEncoding.EncodeToString(sum[:12])
}

func encodeCursor(c cursor) string {
	raw, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(raw)
}

// decodeCursor parses s and checks it belongs to criteria hash h and has
// n sort values; ErrBadCursor otherwise. An empty s yields nil.
func decodeCursor(s, h string, n int) (*cursor, []any, error) {
	if s == "" {
		return nil, nil, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, nil, store.ErrBadCursor
	}
	var c cursor
	if err := json.Unmarshal(raw, &c); err != nil || c.Hash != h || len(c.Values) != n {
		return nil, nil, store.ErrBadCursor
	}
	vals := make([]any, n)
	for i, t := range c.Values {
		v, err := t.value()
		if err != nil {
			return nil, nil, store.ErrBadCursor
		}
		vals[i] = v
	}
	return &c, vals, nil
}

// keysetPage makes the page of a keyset query that fetched count+1 rows
// (hits, in the order walked: backwards when cur points to the previous
// page): at most count rows, in the page's order, and the cursors to the
// pages after and before it, made by mk from its last and first rows.
func keysetPage[H any](hits []H, count int, cur *cursor, mk func(h H, prev bool) (string, error)) (page []H, next, prev string, err error) {
	reverse := cur != nil && cur.Prev
	more := len(hits) > count
	if more {
		hits = hits[:count]
	}
	if reverse {
		slices.Reverse(hits)
	}
	if len(hits) == 0 {
		return hits, "", "", nil
	}
	hasNext, hasPrev := more, cur != nil
	if reverse {
		hasNext, hasPrev = true, more
	}
	if hasNext {
		if next, err = mk(hits[len(hits)-1], false); err != nil {
			return nil, "", "", err
		}
	}
	if hasPrev {
		if prev, err = mk(hits[0], true); err != nil {
			return nil, "", "", err
		}
	}
	return hits, next, prev, nil
}
