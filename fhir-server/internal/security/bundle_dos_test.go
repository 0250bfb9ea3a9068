package security_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
)

// countingReader counts the bytes the server read of a body.
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// postBundle posts body to the base and reports the response, how many
// bytes of the body the server read and how many bytes it allocated.
func (e *env) postBundle(tok string, body []byte) (response, int64, uint64) {
	e.t.Helper()
	src := &countingReader{r: bytes.NewReader(body)}
	r := httptest.NewRequest("POST", base, src)
	r.ContentLength = int64(len(body))
	r.Header.Set("Content-Type", "application/fhir+json")
	r.Header.Set("Authorization", "Bearer "+tok)
	w := httptest.NewRecorder()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	e.handler.ServeHTTP(w, r)
	runtime.ReadMemStats(&after)
	return response{status: w.Code, header: w.Header(), body: w.Body.Bytes()}, src.n.Load(), after.TotalAlloc - before.TotalAlloc
}

// hugeBatch is a batch of empty entries filling 16 MiB, the default body
// limit: millions of entries.
func hugeBatch(typ string) []byte {
	head, tail := `{"resourceType":"Bundle","type":"`+typ+`","entry":[`, `{}]}`
	n := (16<<20 - len(head) - len(tail)) / 3
	return []byte(head + strings.Repeat("{},", n) + tail)
}

// bundleOf is a Bundle of n reads of Patient/1.
func bundleOf(typ string, n int) []byte {
	entries := make([]string, n)
	for i := range entries {
		entries[i] = `{"request":{"method":"GET","url":"Patient/1"}}`
	}
	return []byte(`{"resourceType":"Bundle","type":"` + typ + `","entry":[` + strings.Join(entries, ",") + `]}`)
}

const allocBound = 64 << 20

// short keeps test failures readable when a body is huge.
func short(b []byte) string {
	if len(b) > 300 {
		return string(b[:300]) + fmt.Sprintf("... (%d bytes)", len(b))
	}
	return string(b)
}

// A token granting no FHIR access at all (a profile-only client) is
// refused a batch of millions of entries before one byte is read; a
// token with access is refused past the entry cap, having parsed no more
// than the cap. Neither costs memory in proportion to the body.
func TestBundleDenialOfService(t *testing.T) {
	e := newEnv(t, envOptions{})
	for _, typ := range []string{"batch", "transaction"} {
		t.Run(typ, func(t *testing.T) {
			huge := hugeBatch(typ)
			for _, scope := range []string{"profile", "openid profile launch fhirUser", "patient/*.read"} { // the last without a patient
				r, read, alloc := e.postBundle(e.token(scope, ""), huge)
				if r.status != 403 || !strings.Contains(string(r.body), "OperationOutcome") || !strings.Contains(r.header.Get("WWW-Authenticate"), "insufficient_scope") {
					t.Fatalf("%q: %d %s %v", scope, r.status, short(r.body), r.header)
				}
				if read != 0 || alloc > allocBound {
					t.Errorf("%q: refused after reading %d bytes and allocating %d MiB", scope, read, alloc>>20)
				}
			}

			r, _, alloc := e.postBundle(e.token("user/*.read", ""), huge)
			if r.status != 413 || !strings.Contains(string(r.body), "at most 1000 entries") {
				t.Fatalf("16 MiB of entries: %d %s", r.status, short(r.body))
			}
			if alloc > allocBound {
				t.Errorf("16 MiB of entries: allocated %d MiB", alloc>>20)
			}

			tok := e.token("user/*.read", "")
			if r, _, _ := e.postBundle(tok, bundleOf(typ, 1001)); r.status != 413 || !strings.Contains(string(r.body), "at most 1000 entries") {
				t.Fatalf("1001 entries: %d %s", r.status, short(r.body))
			}
			r, _, _ = e.postBundle(tok, bundleOf(typ, 1000))
			var out struct {
				Type  string `json:"type"`
				Entry []struct {
					Response struct {
						Status string `json:"status"`
					} `json:"response"`
				} `json:"entry"`
			}
			if err := json.Unmarshal(r.body, &out); r.status != 200 || err != nil || len(out.Entry) != 1000 || out.Type != typ+"-response" {
				t.Fatalf("1000 entries: %d, %d entries (%v)", r.status, len(out.Entry), err)
			}
			if s := out.Entry[999].Response.Status; !strings.HasPrefix(s, "200") {
				t.Errorf("entry 999: %s", s)
			}
		})
	}
	// Malformed Bundles still answer 400, cut-short ones too.
	tok := e.token("user/*.read", "")
	for _, body := range []string{`[]`, `{"resourceType":"Bundle","type":"batch","entry":{}}`, `{"resourceType":"Bundle","type":"batch","entry":[{}`, `{"resourceType":"Bundle","type":"batch"} x`, `{"resourceType":1}`} {
		if r, _, _ := e.postBundle(tok, []byte(body)); r.status != 400 || !strings.Contains(string(r.body), "OperationOutcome") {
			t.Errorf("%s: %d %s", body, r.status, short(r.body))
		}
	}
	if r, _, _ := e.postBundle(tok, []byte(fmt.Sprintf(`{"meta":{"x":%q},"entry":[],"resourceType":"Bundle","type":"batch"}`, "skipped"))); r.status != 200 {
		t.Errorf("members in any order: %d %s", r.status, short(r.body))
	}
}
