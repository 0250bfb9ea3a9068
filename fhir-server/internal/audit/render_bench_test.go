package audit

import (
	"testing"
	"time"

	"github.com/smartgate/fhir-server/internal/search"
)

// BenchmarkRender measures rendering one AuditEvent (JSON body and index
// rows) as the writer does, for a stream of reads of a few patients.
func BenchmarkRender(b *testing.B) {
	const base = "http://fhir.test/STU3"
	r := &Recorder{base: base, extract: search.Extractor{BaseURL: base}, now: time.Now, newID: randomID}
	ids := []string{"1", "2", "3", "4", "5", "6", "7", "8"}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		e := Event{Interaction: "read", Recorded: time.Now(), Status: 200, Address: "127.0.0.1",
			Issuer: "http://auth.test", ClientID: "demo-system", Subject: "demo-system",
			Entities: []Entity{{Type: "Patient", ID: ids[i%len(ids)], Interaction: "read"}}}
		if _, err := r.version(e); err != nil {
			b.Fatal(err)
		}
	}
}
