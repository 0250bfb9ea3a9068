package demo

import "testing"

func TestValidNHSNumber(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"9876543210", true},   // the CCRI's Patient/1
		{"987 654 3210", true}, // grouped as printed
		{"9000000009", true},   // NHS Digital's standard test number
		{"9990000018", true},   // first of the 999 range
		{"9876543211", false},  // wrong check digit
		{"9990000010", false},  // wrong check digit
		{"9990000026", true},   // 999000002 -> check 6
		{"9990000034", true},   // 999000003 -> check 4
		{"987654321", false},   // nine digits
		{"98765432100", false}, // eleven digits
		{"98765x3210", false},  // not a digit
		{"", false},            //
		{"1234567890", false},  // check would be 10: never issued
		{"-876543210", false},  // sign
		{"9876543210 ", true},  // trailing space is a separator
		{"٩٨٧٦٥٤٣٢١٠", false},  // non-ASCII digits
	}
	for _, tt := range tests {
		if got := ValidNHSNumber(tt.in); got != tt.want {
			t.Errorf("ValidNHSNumber(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestTestNumbers(t *testing.T) {
	n := newTestNumbers()
	want := []string{"9990000018", "9990000026", "9990000034"}
	for _, w := range want {
		if got := n.next(); got != w {
			t.Fatalf("next() = %s, want %s", got, w)
		}
	}
	seen := map[string]bool{}
	for range 5000 {
		s := n.next()
		if !ValidNHSNumber(s) || s[:3] != "999" || seen[s] {
			t.Fatalf("next() = %s: invalid, outside the 999 range or repeated", s)
		}
		seen[s] = true
	}
}
