package requestid

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestValid(t *testing.T) {
	for _, tc := range []struct {
		id   string
		want bool
	}{
		{"abc-123_X.y", true},
		{strings.Repeat("a", 64), true},
		{strings.Repeat("a", 65), false},
		{strings.Repeat("a", 200), false},
		{"", false},
		{"a b", false},
		{"a\nrequest_id=forged", false},
		{`a"b`, false},
		{"é", false},
	} {
		if got := Valid(tc.id); got != tc.want {
			t.Errorf("Valid(%q) = %v, want %v", tc.id, got, tc.want)
		}
	}
}

func TestMiddleware(t *testing.T) {
	var seen string
	h := Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { seen = From(r.Context()) }))
	for _, tc := range []struct {
		name, in string
		echoed   bool
	}{
		{"safe id echoed", "req-42.a_b", true},
		{"none generated", "", false},
		{"too long replaced", strings.Repeat("x", 200), false},
		{"newline replaced", "abc\ndef", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			if tc.in != "" {
				r.Header[Header] = []string{tc.in}
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			got := w.Header().Get(Header)
			if !Valid(got) {
				t.Fatalf("response id %q is not valid", got)
			}
			if seen != got {
				t.Errorf("context id %q, header %q", seen, got)
			}
			if tc.echoed != (got == tc.in) {
				t.Errorf("incoming %q, answered %q; echoed want %v", tc.in, got, tc.echoed)
			}
		})
	}
}

func TestHandler(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(NewHandler(NewHandler(slog.NewTextHandler(&buf, nil))))
	ctx := With(context.Background(), "rid-1")
	log.InfoContext(ctx, "one")
	log.Info("two")
	Logger(ctx, log).ErrorContext(ctx, "three")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("lines: %q", lines)
	}
	if strings.Count(lines[0], "request_id=rid-1") != 1 {
		t.Errorf("context record: %s", lines[0])
	}
	if strings.Contains(lines[1], "request_id") {
		t.Errorf("record without context: %s", lines[1])
	}
	if strings.Count(lines[2], "request_id=rid-1") != 1 {
		t.Errorf("record of Logger: want the id once: %s", lines[2])
	}
}
