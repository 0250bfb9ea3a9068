package bulk

import (
	"bytes"
	"io"
)

// lineCounter passes a reader through and maps byte offsets of what it
// passed to line numbers. Offsets asked about only grow, so it keeps just
// the bytes between the last offset asked about and what was read ahead.
type lineCounter struct {
	r       io.Reader
	pending []byte // bytes from base on, read but not yet counted
	base    int64  // offset of pending[0]
	line    int    // line number at base (1-based)
}

func newLineCounter(r io.Reader) *lineCounter { return &lineCounter{r: r, line: 1} }

func (l *lineCounter) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	l.pending = append(l.pending, p[:n]...)
	return n, err
}

// lineAt returns the line of byte offset off and forgets what is before
// it. off must not be smaller than in an earlier call.
func (l *lineCounter) lineAt(off int64) int {
	k := int(min(max(off-l.base, 0), int64(len(l.pending))))
	l.line += bytes.Count(l.pending[:k], []byte{'\n'})
	n := copy(l.pending, l.pending[k:])
	l.pending = l.pending[:n]
	l.base += int64(k)
	return l.line
}

// valueLine returns the line of the first byte at or after off that is
// neither white space nor a comma: where the next JSON value of an array
// begins, once the decoder has peeked at it.
func (l *lineCounter) valueLine(off int64) int {
	line := l.lineAt(off)
	for _, c := range l.pending {
		switch c {
		case '\n':
			line++
		case ' ', '\t', '\r', ',':
		default:
			return line
		}
	}
	return line
}
