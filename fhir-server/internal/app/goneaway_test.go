package app_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/smartgate/fhir-server/internal/app"

	"github.com/smartgate/pkg/syncbuf"
)

// A client that goes away while its read of the audit log waits for the
// events recorded before it to be stored is not a fault of the server's
// or of its log: nothing is logged as a warning or an error, and the
// answer (nobody reads it) is not a 500.
func TestAuditReadOfAClientGoneAway(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			auth := startAuth(t)
			cfg := testConfig(t, auth, b)
			cfg.Audit.StoreInterval = 10 * time.Second // events wait in the journal until a read of the log asks
			var logged syncbuf.Buffer
			a, err := app.New(context.Background(), cfg, slog.New(slog.NewTextHandler(&logged, nil)))
			if err != nil {
				t.Fatal(err)
			}
			s := &server{t: t, app: a}
			t.Cleanup(s.close)
			tok := auth.token(t, "demo-system", "system/*.read system/AuditEvent.read", "")
			for i := 0; s.call(http.MethodGet, "http://fhir.test/readyz", "", "").Code != http.StatusOK; i++ {
				if i == 1000 {
					t.Fatal("not ready")
				}
				time.Sleep(10 * time.Millisecond)
			}
			if rec := s.call(http.MethodGet, testBase+"/Patient/4", tok, ""); rec.Code != http.StatusOK {
				t.Fatalf("read: %d %s", rec.Code, rec.Body)
			}
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			req := httptest.NewRequestWithContext(ctx, http.MethodGet, testBase+"/AuditEvent?_count=10", nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			rec := httptest.NewRecorder()
			a.Handler.ServeHTTP(rec, req)
			if rec.Code == http.StatusInternalServerError {
				t.Fatalf("answer to a client gone away: %d %s", rec.Code, rec.Body)
			}
			for _, level := range []string{"level=ERROR", "level=WARN"} {
				for _, line := range strings.Split(logged.String(), "\n") {
					if strings.Contains(line, level) {
						t.Fatalf("a client going away was logged at %s: %s", level, line)
					}
				}
			}
		})
	}
}
