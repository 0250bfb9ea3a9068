package bulk

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Item is one resource read from a file, with where it was found.
type Item struct {
	Resource json.RawMessage
	Type, ID string
	Line     int // 1-based line it begins on
	Entry    int // Bundle entry index; -1 in NDJSON
}

func (it Item) where() string {
	if it.Entry >= 0 {
		return fmt.Sprintf("entry %d (line %d)", it.Entry, it.Line)
	}
	return fmt.Sprintf("line %d", it.Line)
}

// Problem is what is wrong with one resource or one place of a file.
type Problem struct {
	Where    string // "line 12", "entry 3 (line 40)"
	Type, ID string // when known
	Msg      string
}

func (p *Problem) Error() string {
	switch {
	case p.Type != "" && p.ID != "":
		return fmt.Sprintf("%s: %s/%s: %s", p.Where, p.Type, p.ID, p.Msg)
	case p.Type != "":
		return fmt.Sprintf("%s: %s: %s", p.Where, p.Type, p.Msg)
	}
	return p.Where + ": " + p.Msg
}

// maxShown bounds the problems an Error lists.
const maxShown = 20

// Error is a failed import of one file: what was wrong, and what of the
// file had been committed before (every chunk before the failing one;
// nothing of the failing chunk).
type Error struct {
	File      string
	Problems  []*Problem
	Committed int    // resources of File committed before the failure
	Through   string // where the last committed resource was ("line 1000"); empty when none
	Cause     error  // the underlying error when no resource is to blame (store, context)
}

func (e *Error) Error() string {
	var b strings.Builder
	for i, p := range e.Problems {
		if i == maxShown {
			fmt.Fprintf(&b, "%s: ... and %d more problems\n", e.File, len(e.Problems)-maxShown)
			break
		}
		fmt.Fprintf(&b, "%s %s\n", e.File, p.Error())
	}
	if e.Cause != nil {
		fmt.Fprintf(&b, "%s: %v\n", e.File, e.Cause)
	}
	if e.Committed == 0 {
		fmt.Fprintf(&b, "nothing of %s was committed", e.File)
	} else {
		fmt.Fprintf(&b, "%d resources of %s were committed (through %s); nothing after them was written", e.Committed, e.File, e.Through)
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Cause }
