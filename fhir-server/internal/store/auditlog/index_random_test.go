package auditlog

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

func TestIndexEntriesRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(20260304, 1))
	pick := func(xs ...string) string { return xs[rng.IntN(len(xs))] }
	fragments := []string{"a", "Z", "demo", "App", "É", "é", "e\u0301", "ß", "İ", "Σ", "ǅ", "ﬁ", "日本", "🙂", " ", "-", ".", "/", "_", "#",
		`"`, `\`, "<", ">", "&", "'", "\n", "\u2028", "://", "1", "42", "x-1", "\xff"}
	word := func(max int) string {
		var b strings.Builder
		for range rng.IntN(max + 1) {
			b.WriteString(fragments[rng.IntN(len(fragments))])
		}
		return b.String()
	}
	types := []string{"Patient", "Practitioner", "Organization", "Device", "RelatedPerson", "Observation", "AuditEvent", "Person", "Foo",
		"patient", "P", "Patient/1", "ÉPatient", ""}
	id := func() string {
		switch rng.IntN(6) {
		case 0:
			return word(3)
		case 1:
			return ""
		case 2:
			return strings.Repeat("9", 63+rng.IntN(3))
		}
		return fmt.Sprint(rng.IntN(1000))
	}
	ref := func(base string) string {
		typ, i := types[rng.IntN(len(types))], id()
		switch rng.IntN(7) {
		case 0:
			return base + "/" + typ + "/" + i
		case 1:
			return "https://elsewhere.example/fhir/" + typ + "/" + i
		case 2:
			return typ + "/" + i + "/_history/" + id()
		case 3:
			return word(4)
		case 4:
			return "urn:uuid:" + i
		}
		return typ + "/" + i
	}
	addresses := []string{"127.0.0.1", "10.20.30.40", "::1", "2001:db8::1", "fe80::1%eth0", "", "[::1]:8080"}
	issuers := []string{"", "http://auth.test", "https://Auth.Example/realms/É"}
	bases := []string{indexBase, indexBase + "/", "", "https://fhir.example/R3"}
	var zones []*time.Location
	for _, off := range []int{0, 3600, -5 * 3600, 5*3600 + 45*60, 19*60 + 32, -(7*60 + 5), 14 * 3600, -12 * 3600} {
		zones = append(zones, time.FixedZone(fmt.Sprint(off), off))
	}
	zones = append(zones, time.UTC, time.Local)
	instant := func() time.Time {
		t := time.Unix(rng.Int64N(1<<35)-(1<<33), rng.Int64N(1e9))
		return t.In(zones[rng.IntN(len(zones))])
	}
	for i := range 3000 {
		base := pick(bases...)
		e := Event{
			Interaction: pick(append(interactions, "", "operation", "Read")...),
			Status:      statuses[rng.IntN(len(statuses))] + rng.IntN(2)*rng.IntN(99),
			Address:     pick(addresses...),
			Recorded:    instant(),
		}
		if rng.IntN(4) > 0 {
			e.Issuer = pick(issuers...)
			e.ClientID = pick("demo-system", "app", word(4))
			switch rng.IntN(4) {
			case 0:
				e.Subject = e.ClientID
			case 1:
				e.Subject = word(4)
			case 2:
				e.Subject = ""
			}
			if rng.IntN(2) == 0 {
				e.FHIRUser = pick(ref(base), "Practitioner/1", base+"/Practitioner/1")
			}
			if rng.IntN(3) == 0 {
				e.Patients = append(e.Patients, pick(id(), "4", base+"/Patient/4"))
				if rng.IntN(2) == 0 {
					e.Patients = append(e.Patients, id())
				}
			}
		} else if rng.IntN(3) == 0 {
			e.Subject = word(3)
		}
		if rng.IntN(5) == 0 {
			e.Address = word(5)
		}
		if rng.IntN(2) == 0 {
			e.RequestID = pick("0196f3a1-7e2b-7c3d-8e4f-0123456789ab", word(4))
		}
		for range rng.IntN(4) {
			x := Entity{Interaction: pick(interactions...)}
			switch rng.IntN(4) {
			case 0, 1:
				x.Type, x.ID = pick(types...), id()
			case 2:
				x.Type = pick(append(types, word(3))...)
			}
			if rng.IntN(3) == 0 {
				x.Query = word(8) + "&_count=" + word(2)
			}
			switch rng.IntN(4) {
			case 0:
				x.Version = pick("1", "23", word(2))
			case 1:
				x.Count, x.Counted = rng.IntN(3)*rng.IntN(1000), true
			}
			e.Entities = append(e.Entities, x)
		}
		source := base
		if rng.IntN(5) == 0 {
			source = pick("", word(3))
		}
		checkIndex(t, fmt.Sprintf("random %d", i), e, base, source, pick(id(), "0196f3a1-7e2b-7c3d-8e4f-0123456789ab"), instant())
		if t.Failed() {
			return
		}
	}
}

// TestIndexEntriesRefCache: answers survive the cache emptying, and
// concurrent callers (searches) agree with Extract.
