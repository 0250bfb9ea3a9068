package sqlstore

import (
	"math"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// normalize folds s for case- and accent-insensitive matching of token
// text: lower case, diacritics removed.
func normalize(s string) string {
	if isASCII(s) {
		return strings.ToLower(s) // no combining marks; NFD and NFC leave ASCII as it is
	}
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	out, _, err := transform.String(t, s)
	if err != nil {
		out = s
	}
	return strings.ToLower(out)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// prefixUpper is the exclusive upper bound of the strings starting with p
// under binary collation.
func prefixUpper(p string) string { return p + "\U0010FFFF" }

// micros converts an index instant to microseconds since the Unix epoch
// (MinTime and MaxTime fit).
func micros(t time.Time) int64 { return t.UnixMicro() }

var (
	minNanoTime = time.Unix(0, math.MinInt64)
	maxNanoTime = time.Unix(0, math.MaxInt64)
)

// nanos converts t to nanoseconds since the epoch, clamped to int64
// (last_updated is stored in nanoseconds so it round-trips exactly).
func nanos(t time.Time) int64 {
	switch {
	case t.Before(minNanoTime):
		return math.MinInt64
	case t.After(maxNanoTime):
		return math.MaxInt64
	}
	return t.UnixNano()
}

func fromNanos(n int64) time.Time { return time.Unix(0, n).UTC() }
