package main

import (
	"encoding/json"
	"math/rand/v2"

	"github.com/smartgate/fhir-server/internal/demo"
)

const nhsSystem = "https://fhir.nhs.uk/Id/nhs-number"

// dataset is what the bench loads and what it queries for.
type dataset struct {
	resources []json.RawMessage
	patients  []string // ids
	nhs       []string // NHS numbers, "system|value" ready
	obsQuery  []string // "patient=X&code=system|code" pairs that match
}

func newDataset(n int) *dataset {
	d := &dataset{resources: demo.Generate(n, demo.DemoSeed)}
	seen := map[string]bool{}
	for _, raw := range d.resources {
		var r struct {
			ResourceType string `json:"resourceType"`
			ID           string `json:"id"`
			Identifier   []struct{ System, Value string }
			Subject      struct{ Reference string }
			Code         struct {
				Coding []struct{ System, Code string }
			}
		}
		if json.Unmarshal(raw, &r) != nil {
			continue
		}
		switch r.ResourceType {
		case "Patient":
			d.patients = append(d.patients, r.ID)
			for _, id := range r.Identifier {
				if id.System == nhsSystem {
					d.nhs = append(d.nhs, nhsSystem+"|"+id.Value)
				}
			}
		case "Observation":
			if len(r.Code.Coding) == 0 || len(r.Subject.Reference) < len("Patient/") {
				continue
			}
			q := "patient=" + r.Subject.Reference[len("Patient/"):] + "&code=" + r.Code.Coding[0].System + "|" + r.Code.Coding[0].Code
			if !seen[q] {
				seen[q] = true
				d.obsQuery = append(d.obsQuery, q)
			}
		}
	}
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(d.obsQuery), func(i, j int) { d.obsQuery[i], d.obsQuery[j] = d.obsQuery[j], d.obsQuery[i] })
	return d
}
