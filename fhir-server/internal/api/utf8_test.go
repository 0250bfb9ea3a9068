package api_test

import (
	"strings"
	"testing"
)

// Text that encoding/json would silently turn into U+FFFD (invalid UTF-8
// bytes, an escaped lone surrogate) is refused with 400 and an
// OperationOutcome wherever it arrives, and nothing is stored; what is
// valid is stored exactly as sent.
func TestInvalidUTF8RefusedNeverRewritten(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		body := func(family string) string {
			return `{"resourceType":"Patient","id":"u8","name":[{"family":"` + family + `"}],"gender":"female"}`
		}
		entry := func(method, url, resource string) string {
			s := `{"request":{"method":"` + method + `","url":"` + url + `"}`
			if resource != "" {
				s += `,"resource":` + resource
			}
			return s + "}"
		}
		bundle := func(typ string, entries ...string) string {
			return `{"resourceType":"Bundle","type":"` + typ + `","entry":[` + strings.Join(entries, ",") + `]}`
		}
		for _, c := range []struct {
			name, method, path, body string
			headers                  []string
		}{
			{"create with a byte that is no UTF-8", "POST", "Patient", body("M\xfcller"), nil},
			{"update with a truncated sequence", "PUT", "Patient/u8", body("Caf\xc3"), nil},
			{"escaped lone high surrogate", "PUT", "Patient/u8", body(`x\ud800y`), nil},
			{"escaped lone low surrogate", "POST", "Patient", body(`\udc00`), nil},
			{"surrogate pair reversed", "POST", "Patient", body(`\ude00\ud83d`), nil},
			{"lone surrogate after an escaped backslash", "POST", "Patient", body(`a\\\ud800`), nil},
			{"conditional create", "POST", "Patient", body("\xff"), []string{"If-None-Exist: family=x"}},
			{"transaction entry", "POST", "", bundle("transaction", entry("PUT", "Patient/u8", body("\xff"))), nil},
			{"batch entry", "POST", "", bundle("batch", entry("PUT", "Patient/u8", body(`\ud800`))), nil},
			{"Bundle envelope", "POST", "", bundle("batch", entry("GET", "Patient?family=M\xfcller", "")), nil},
			{"search query", "GET", "Patient?family=M%FCller", "", nil},
			{"search parameter name", "GET", "Patient?fam%FFily=x", "", nil},
			{"search form body", "POST", "Patient/_search", "family=M%FCller", []string{"Content-Type: application/x-www-form-urlencoded"}},
			{"If-None-Exist", "POST", "Patient", body("Ok"), []string{"If-None-Exist: family=M%FCller"}},
		} {
			t.Run(c.name, func(t *testing.T) {
				e.do(c.method, c.path, []byte(c.body), append([]string{"Content-Type: application/fhir+json"}, c.headers...)...).outcome(t, 400)
			})
		}
		if n := e.total("Patient", ""); n != 0 {
			t.Fatalf("%d patients stored", n)
		}

		// Valid text, escaped or not, is kept as sent.
		kept := e.must(201, "PUT", "Patient/u8", body(`M\u00fcller \ud83d\ude00 \\ud800 `+"Caf\u00e9"))
		family := kept["name"].([]any)[0].(map[string]any)["family"]
		if want := "Müller 😀 \\ud800 Café"; family != want {
			t.Errorf("family %q, want %q", family, want)
		}
		// A raw Binary is bytes, not text.
		r := e.do("PUT", "Binary/raw", []byte{0xff, 0xfe, 0x00, 0xc3}, "Content-Type: application/octet-stream")
		if r.status != 201 {
			t.Fatalf("raw Binary: %d %s", r.status, r.body)
		}
	})
}
