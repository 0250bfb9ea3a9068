package audit

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
)

// BenchmarkForLog measures what laying a recorder's batch out for the log
// costs per event (encoding it into blocks with their keys), on the
// writer's side, for reads by 100 clients of 1,000 patients' records.
func BenchmarkForLog(b *testing.B) {
	r := &Recorder{base: "http://fhir.test/STU3", now: time.Now, newID: func() string { return uuid.Must(uuid.NewV7()).String() }}
	batch := make([]Event, DefaultBatchSize)
	for i := range batch {
		batch[i] = Event{Interaction: "read", Recorded: time.Now(), Status: 200, Address: "127.0.0.1",
			Issuer: "http://auth.test", ClientID: fmt.Sprint("client-", i%100), Subject: fmt.Sprint("client-", i%100), Patients: []string{fmt.Sprint(i % 1000)},
			Entities: []Entity{{Type: "Observation", ID: fmt.Sprint("obs-", i), Interaction: "read"}}}
	}
	b.ReportAllocs()
	for b.Loop() {
		blocks := r.encode(batch)
		if len(blocks) != DefaultBatchSize/maxLogBlock || blocks[0].Keys == nil {
			b.Fatalf("%d blocks", len(blocks))
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(batch)), "ns/event")
}
