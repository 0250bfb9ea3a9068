package auditlog

import (
	"testing"
	"time"

	"github.com/google/uuid"
)

// BenchmarkEncode measures encoding one event into a block as the writer
// does, for a stream of reads of a few patients.
func BenchmarkEncode(b *testing.B) {
	c := NewEncoder("http://fhir.test/STU3")
	ids := []string{"1", "2", "3", "4", "5", "6", "7", "8"}
	batch := make([]Stamped, 256)
	at := time.Now().UTC().Truncate(time.Millisecond)
	for i := range batch {
		batch[i] = Stamped{ID: uuid.Must(uuid.NewV7()).String(), At: at, Event: Event{Interaction: "read", Recorded: time.Now(), Status: 200, Address: "127.0.0.1",
			Issuer: "http://auth.test", ClientID: "demo-system", Subject: "demo-system",
			Entities: []Entity{{Type: "Patient", ID: ids[i%len(ids)], Interaction: "read"}}}}
	}
	b.ReportAllocs()
	for b.Loop() {
		c.Blocks(batch)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(batch)), "ns/event")
}
