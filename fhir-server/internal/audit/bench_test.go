package audit_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/smartgate/fhir-server/internal/audit"
	"github.com/smartgate/fhir-server/internal/store/auditlog"
)

var benchBatch = audit.DefaultBatchSize

// BenchmarkRecorder measures how many AuditEvents per second the writer
// stores on SQLite when 64 requests at a time wait for theirs (events/s
// is the figure; it never fails on a time).
func BenchmarkRecorder(b *testing.B) {
	st := &countingLog{AuditLog: openStore(b)}
	rec, err := audit.New(context.Background(), audit.Options{Journal: b.TempDir(), Store: st, BaseURL: base, BatchSize: benchBatch})
	if err != nil {
		b.Fatal(err)
	}
	ev := auditlog.Event{Interaction: "read", Recorded: time.Now(), Status: 200, Address: "127.0.0.1",
		Issuer: "http://auth.test", ClientID: "demo-system", Subject: "demo-system", Patients: []string{"4"},
		Entities: []auditlog.Entity{{Type: "Patient", ID: "4", Interaction: "read"}}}
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	const producers = 64
	for p := range producers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := p; i < b.N; i += producers {
				err := rec.Record(ev)
				for errors.Is(err, audit.ErrBusy) { // the server would shed; the bench waits for the writer
					time.Sleep(100 * time.Microsecond)
					err = rec.Record(ev)
				}
				if err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if err := rec.Close(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "events/s")
	b.ReportMetric(float64(b.N)/float64(st.txs.Load()), "events/block")
}
