package demo

import (
	"encoding/json"
	"fmt"
	"slices"
)

const (
	// DemoSeed is the seed of the demo dataset.
	DemoSeed int64 = 20180319
	// DemoPatients is how many patients the demo dataset holds.
	DemoPatients = 24
)

// Dataset returns the demo: the shared resources, then DemoPatients
// patients, each followed by their records. Every reference points at a
// resource earlier in the slice, so loading in order never dangles. The
// result is the same on every call.
func Dataset() []json.RawMessage {
	out := directory()
	numbers := newTestNumbers()
	for k := 1; k <= DemoPatients; k++ {
		out = append(out, record(k, DemoSeed, numbers)...)
	}
	return out
}

// Generate returns n resources from the demo templates for benchmarks:
// the shared resources, then patients 1, 2, ... with their records, cut at
// n. The same n and seed give the same resources; Generate(n, DemoSeed)
// begins with Dataset(). About 31 resources are written per patient, so
// 100,000 resources hold some 3,250 patients, all with distinct NHS numbers.
func Generate(n int, seed int64) []json.RawMessage {
	if n <= 0 {
		return nil
	}
	out := directory()
	numbers := newTestNumbers()
	for k := 1; len(out) < n; k++ {
		out = append(out, record(k, seed, numbers)...)
	}
	return slices.Clip(out[:n])
}

// record writes patient k and their records. Patient/1 carries the CCRI's
// NHS number 9876543210; the others take the next number of the test range.
func record(k int, seed int64, numbers *testNumbers) []json.RawMessage {
	c := newChart(k, seed)
	nhs := "9876543210"
	if k > 1 {
		nhs = numbers.next()
	}
	c.patient(nhs)
	conds := c.pickConditions()
	diabetic := slices.Contains(conds, 0)
	for i, at := range c.visits {
		c.visit(at, i == 0, diabetic)
	}
	for _, i := range conds {
		c.condition(i)
	}
	c.procedures()
	c.allergies()
	c.medications(conds)
	c.immunizations()
	c.documents()
	out := make([]json.RawMessage, len(c.out))
	for i, o := range c.out {
		out[i] = encode(o)
	}
	return out
}

// TransactionBundle wraps resources in a transaction Bundle whose entries
// PUT each resource at Type/id, so a load keeps the dataset's ids and a
// second load changes nothing but versions. It fails on a resource that is
// not a JSON object with a resourceType and an id.
func TransactionBundle(resources []json.RawMessage) (json.RawMessage, error) {
	entries := make([]any, 0, len(resources))
	for i, r := range resources {
		var head struct {
			ResourceType string `json:"resourceType"`
			ID           string `json:"id"`
		}
		if err := json.Unmarshal(r, &head); err != nil {
			return nil, fmt.Errorf("demo: resource %d: %w", i, err)
		}
		if head.ResourceType == "" || head.ID == "" {
			return nil, fmt.Errorf("demo: resource %d has no resourceType or id", i)
		}
		entries = append(entries, object{
			"resource": r,
			"request":  object{"method": "PUT", "url": head.ResourceType + "/" + head.ID},
		})
	}
	return encode(object{"resourceType": "Bundle", "type": "transaction", "entry": entries}), nil
}
