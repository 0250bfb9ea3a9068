package httpstatus

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestStatus(t *testing.T) {
	for name, c := range map[string]struct {
		handler func(w http.ResponseWriter)
		want    int
	}{
		"nothing written":  {func(http.ResponseWriter) {}, 200},
		"body only":        {func(w http.ResponseWriter) { w.Write([]byte("x")) }, 200},
		"explicit status":  {func(w http.ResponseWriter) { w.WriteHeader(404) }, 404},
		"first status won": {func(w http.ResponseWriter) { w.WriteHeader(403); w.WriteHeader(500) }, 403},
	} {
		rec := httptest.NewRecorder()
		w := Wrap(rec)
		c.handler(w)
		if w.Status() != c.want || rec.Code != c.want {
			t.Errorf("%s: Status() = %d, recorder %d, want %d", name, w.Status(), rec.Code, c.want)
		}
	}
}
