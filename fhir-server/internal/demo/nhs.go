package demo

import "strconv"

// NHSNumberSystem is the identifier system of NHS numbers.
const NHSNumberSystem = "https://fhir.nhs.uk/Id/nhs-number"

// ValidNHSNumber reports whether s is ten digits whose last is the
// modulus-11 check digit of the first nine (weights 10 down to 2; a
// remainder giving check 11 means 0, giving 10 means the number is never
// issued). Spaces between groups ("987 654 3210") are accepted.
func ValidNHSNumber(s string) bool {
	var digits []int
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits = append(digits, int(r-'0'))
		case r == ' ':
		default:
			return false
		}
	}
	if len(digits) != 10 {
		return false
	}
	check, ok := checkDigit(digits[:9])
	return ok && check == digits[9]
}

// checkDigit computes the modulus-11 check digit of nine digits; ok is
// false when no valid number has this stem.
func checkDigit(stem []int) (int, bool) {
	sum := 0
	for i, d := range stem {
		sum += d * (10 - i)
	}
	check := 11 - sum%11
	switch check {
	case 11:
		return 0, true
	case 10:
		return 0, false
	default:
		return check, true
	}
}

// testNumbers yields NHS numbers from the 999 test range in increasing
// order, starting at 999 000 0000.
type testNumbers struct {
	stem int // next nine-digit stem to try
}

func newTestNumbers() *testNumbers { return &testNumbers{stem: 999_000_000} }

// next returns the next valid number in the range.
func (n *testNumbers) next() string {
	for {
		stem := n.stem
		n.stem++
		s := strconv.Itoa(stem)
		digits := make([]int, 9)
		for i := range s {
			digits[i] = int(s[i] - '0')
		}
		if check, ok := checkDigit(digits); ok {
			return s + strconv.Itoa(check)
		}
	}
}
