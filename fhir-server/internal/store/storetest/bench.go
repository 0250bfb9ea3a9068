package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/smartgate/fhir-server/internal/search"
	"github.com/smartgate/fhir-server/internal/store"
)

// Load writes n resources (one Patient per nine Observations, each with
// identifier, subject and code rows) in transactions of 500 and returns
// the number of patients.
func Load(b testing.TB, s store.Store, n int) int {
	ctx := context.Background()
	lu := time.Now().UTC()
	body := []byte(`{"resourceType":"Observation"}`)
	patients := 0
	for start := 0; start < n; start += 500 {
		err := s.InTx(ctx, func(tx store.Tx) error {
			for i := start; i < min(start+500, n); i++ {
				var w store.Write
				if i%10 == 0 {
					id := fmt.Sprint(i / 10)
					w = store.Write{Resource: store.Resource{Type: "Patient", ID: id, VersionID: 1, LastUpdated: lu, Body: body},
						Index: []search.IndexEntry{tok("identifier", nhs, "999"+id), str("name", "name"+id)}}
					patients++
				} else {
					w = store.Write{Resource: store.Resource{Type: "Observation", ID: fmt.Sprint(i), VersionID: 1, LastUpdated: lu, Body: body},
						Index: []search.IndexEntry{ref("subject", "Patient", fmt.Sprint(i/10)), ref("patient", "Patient", fmt.Sprint(i/10)),
							tok("code", "http://snomed.info/sct", fmt.Sprint(i%10)), dateEntry("date", lu, lu.Add(time.Second))}}
				}
				if err := tx.Put(ctx, w); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	return patients
}

// RunBenchmarks loads n resources into the store and measures the
// searches that have latency targets (the Care Connect searches).
func RunBenchmarks(b *testing.B, s store.Store, n int) {
	start := time.Now()
	patients := Load(b, s, n)
	b.Logf("loaded %d resources in %v (%.0f/s)", n, time.Since(start), float64(n)/time.Since(start).Seconds())
	ctx := context.Background()
	b.Run("Observation?patient&code", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			p := fmt.Sprint(i % patients)
			q := query("Observation", clause("patient", search.KindReference, "", refV("Patient", p)),
				clause("code", search.KindToken, "", tokV("http://snomed.info/sct|3")))
			page, err := s.Search(ctx, q)
			if err != nil || len(page.Matches) != 1 {
				b.Fatalf("%v %v", page, err)
			}
		}
	})
	b.Run("Patient?identifier", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			q := query("Patient", clause("identifier", search.KindToken, "", tokV(nhs+"|999"+fmt.Sprint(i%patients))))
			page, err := s.Search(ctx, q)
			if err != nil || len(page.Matches) != 1 {
				b.Fatalf("%v %v", page, err)
			}
		}
	})
	b.Run("Read", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			if _, err := s.Read(ctx, "Patient", fmt.Sprint(i%patients)); err != nil {
				b.Fatal(err)
			}
		}
	})
	// Last: it adds Observations the searches above would match.
	b.Run("BulkLoad/tx1000", func(b *testing.B) {
		lu := time.Now().UTC()
		body := []byte(`{"resourceType":"Observation"}`)
		for i := 0; b.Loop(); i++ {
			err := s.InTx(ctx, func(tx store.Tx) error {
				for j := range 1000 {
					id := fmt.Sprintf("bulk-%d-%d", i, j)
					w := store.Write{Resource: store.Resource{Type: "Observation", ID: id, VersionID: 1, LastUpdated: lu, Body: body},
						Index: []search.IndexEntry{ref("subject", "Patient", fmt.Sprint(j)), ref("patient", "Patient", fmt.Sprint(j)),
							tok("code", "http://snomed.info/sct", fmt.Sprint(j%10)), tok("identifier", nhs, id), str("name", id),
							dateEntry("date", lu, lu.Add(time.Second))}}
					if err := tx.Put(ctx, w); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N*1000)/b.Elapsed().Seconds(), "resources/s")
	})
}
