package search

import (
	"strings"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// Normalize prepares a string for case- and accent-insensitive matching:
// accents are removed (NFD, combining marks dropped) and letters lowered.
// IndexEntry.Value (string kind), IndexEntry.Text and the matching Value
// fields of a parsed Query are normalised this way.
//
// ASCII has nothing to decompose and no combining marks, so it is only
// lowered, sparing the Unicode transformer (microseconds a string).
func Normalize(s string) string {
	if isASCII(s) {
		return strings.ToLower(s)
	}
	return foldUnicode(s)
}

func foldUnicode(s string) string {
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
