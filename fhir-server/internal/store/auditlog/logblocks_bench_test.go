package auditlog

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
)

// BenchmarkForLog measures what indexing the keys of the recorder's
// blocks costs per event (Store.IndexKeys, off the requests' path),
// for reads by 100 clients of 1,000 patients' records.
func BenchmarkForLog(b *testing.B) {
	c := NewEncoder("http://fhir.test/STU3")
	batch := make([]Stamped, 4096) // the recorder's default batch
	for i := range batch {
		batch[i] = Stamped{ID: uuid.Must(uuid.NewV7()).String(), At: time.Now(), Event: Event{Interaction: "read", Recorded: time.Now(), Status: 200, Address: "127.0.0.1",
			Issuer: "http://auth.test", ClientID: fmt.Sprint("client-", i%100), Subject: fmt.Sprint("client-", i%100), Patients: []string{fmt.Sprint(i % 1000)},
			Entities: []Entity{{Type: "Observation", ID: fmt.Sprint("obs-", i), Interaction: "read"}}}}
	}
	blocks := c.Blocks(batch)
	s := New(nil, nil, "http://fhir.test/STU3")
	b.ReportAllocs()
	for b.Loop() {
		for _, blk := range blocks {
			if keys, err := s.blockKeys(blk); err != nil || len(keys) == 0 {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(batch)), "ns/event")
}
