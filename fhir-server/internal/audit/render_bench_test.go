package audit

import (
	"testing"
	"time"

	"github.com/google/uuid"
)

// BenchmarkEncode measures encoding one event into a block as the writer
// does, for a stream of reads of a few patients.
func BenchmarkEncode(b *testing.B) {
	r := &Recorder{base: "http://fhir.test/STU3", now: time.Now, newID: func() string { return uuid.Must(uuid.NewV7()).String() }}
	ids := []string{"1", "2", "3", "4", "5", "6", "7", "8"}
	batch := make([]stamped, 256)
	for i := range batch {
		batch[i] = stamped{id: r.newID(), at: r.stamp(), e: Event{Interaction: "read", Recorded: time.Now(), Status: 200, Address: "127.0.0.1",
			Issuer: "http://auth.test", ClientID: "demo-system", Subject: "demo-system",
			Entities: []Entity{{Type: "Patient", ID: ids[i%len(ids)], Interaction: "read"}}}}
	}
	b.ReportAllocs()
	for b.Loop() {
		r.encode(batch)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(batch)), "ns/event")
}
