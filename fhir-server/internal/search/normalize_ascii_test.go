package search

import (
	"strings"
	"testing"
)

// Normalize's ASCII shortcut gives what the Unicode folding gives.
func TestNormalizeASCIIShortcut(t *testing.T) {
	var all strings.Builder
	for c := range 0x80 {
		all.WriteByte(byte(c))
		if s := string(rune(c)); Normalize(s) != foldUnicode(s) {
			t.Errorf("Normalize(%q) = %q, folded %q", s, Normalize(s), foldUnicode(s))
		}
	}
	if s := all.String(); Normalize(s) != foldUnicode(s) {
		t.Errorf("Normalize(%q) = %q, folded %q", s, Normalize(s), foldUnicode(s))
	}
	if got := Normalize("Élodie ÅNGSTRÖM"); got != "elodie angstrom" {
		t.Errorf("Normalize of accented text: %q", got)
	}
}
