package api

import (
	"bytes"
	"net/http"
	"unicode/utf8"

	"github.com/smartgate/fhir-server/internal/fhirerr"
)

// checkText refuses a JSON body that is not valid UTF-8 or that escapes a
// lone UTF-16 surrogate ("\ud800" without its pair): encoding/json would
// decode either as U+FFFD and the server would store a silently changed
// resource.
func checkText(body []byte) error {
	if !utf8.Valid(body) {
		return fhirerr.Errorf(http.StatusBadRequest, "structure", "the body is not valid UTF-8")
	}
	if at := loneSurrogate(body); at >= 0 {
		return fhirerr.Errorf(http.StatusBadRequest, "structure", "the body escapes a lone UTF-16 surrogate (%s at byte %d), which is no character", body[at:at+6], at)
	}
	return nil
}

// loneSurrogate returns the offset of the first \uXXXX escape of a
// surrogate that is not a high one followed by a low one, or -1. In valid
// JSON a backslash occurs only inside strings, so no string state is
// needed; invalid escapes are left to the JSON decoder.
func loneSurrogate(b []byte) int {
	for i := bytes.IndexByte(b, '\\'); i >= 0 && i+1 < len(b); {
		if b[i+1] != 'u' {
			i = next(b, i+2) // \n, \" and \\ (whose second backslash escapes nothing)
			continue
		}
		r, ok := hex4(b[i+2:])
		switch {
		case !ok || r < 0xd800 || r > 0xdfff:
		case r >= 0xdc00:
			return i
		case len(b) < i+12 || b[i+6] != '\\' || b[i+7] != 'u':
			return i
		default:
			low, ok := hex4(b[i+8:])
			if !ok || low < 0xdc00 || low > 0xdfff {
				return i
			}
			i += 6 // the low half belongs to this pair: skip it too
		}
		i = next(b, i+6)
	}
	return -1
}

// next returns the index of the next backslash at or after from, or -1.
func next(b []byte, from int) int {
	if from >= len(b) {
		return -1
	}
	if j := bytes.IndexByte(b[from:], '\\'); j >= 0 {
		return from + j
	}
	return -1
}

// hex4 reads four hex digits.
func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case '0' <= c && c <= '9':
			r = r<<4 | rune(c-'0')
		case 'a' <= c && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case 'A' <= c && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}
