package cors

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestCORS(t *testing.T) {
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", `W/"1"`)
		w.WriteHeader(http.StatusOK)
	})
	tests := []struct {
		name        string
		origins     []string
		method      string
		header      map[string]string
		wantStatus  int
		wantOrigin  string
		wantMethods bool
		wantExpose  bool
	}{
		{"no origin: untouched", nil, "GET", nil, 200, "", false, false},
		{"any origin: star, no credentials", nil, "GET", map[string]string{"Origin": "https://app.example"}, 200, "*", false, true},
		{"preflight any origin", nil, "OPTIONS", map[string]string{"Origin": "https://app.example", "Access-Control-Request-Method": "PUT", "Access-Control-Request-Headers": "authorization, content-type"}, 204, "*", true, false},
		{"listed origin echoed", []string{"https://app.example"}, "GET", map[string]string{"Origin": "https://app.example"}, 200, "https://app.example", false, true},
		{"unlisted origin gets no CORS headers", []string{"https://app.example"}, "GET", map[string]string{"Origin": "https://evil.example"}, 200, "", false, false},
		{"unlisted origin preflight refused", []string{"https://app.example"}, "OPTIONS", map[string]string{"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"}, 204, "", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, "/STU3/Patient/4", nil)
			for k, v := range tt.header {
				r.Header.Set(k, v)
			}
			w := httptest.NewRecorder()
			Handler(tt.origins, next).ServeHTTP(w, r)
			if w.Code != tt.wantStatus {
				t.Fatalf("status %d, want %d", w.Code, tt.wantStatus)
			}
			if got := w.Header().Get("Access-Control-Allow-Origin"); got != tt.wantOrigin {
				t.Errorf("Allow-Origin %q, want %q", got, tt.wantOrigin)
			}
			if w.Header().Get("Access-Control-Allow-Credentials") != "" {
				t.Error("credentials must never be allowed")
			}
			allowHeaders := strings.ToLower(w.Header().Get("Access-Control-Allow-Headers"))
			if tt.wantMethods && (!strings.Contains(allowHeaders, "authorization") || !strings.Contains(allowHeaders, "content-type") ||
				!strings.Contains(w.Header().Get("Access-Control-Allow-Methods"), "PUT")) {
				t.Errorf("preflight: methods %q headers %q", w.Header().Get("Access-Control-Allow-Methods"), allowHeaders)
			}
			expose := w.Header().Get("Access-Control-Expose-Headers")
			if tt.wantExpose != (strings.Contains(expose, "ETag") && strings.Contains(expose, "Location") && strings.Contains(expose, "Content-Location")) {
				t.Errorf("expose %q, want exposed=%v", expose, tt.wantExpose)
			}
		})
	}
}
