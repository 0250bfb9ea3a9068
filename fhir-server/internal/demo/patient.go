package demo

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"
)

// person is a name from the pools.
type person struct {
	given, family, gender, prefix string
}

// bernie is the CCRI's own Patient/1.
var bernie = person{"Bernie", "Kanfeld", "female", "Miss"}

var (
	givenFemale = []string{"Amelia", "Olivia", "Isla", "Ava", "Grace", "Freya", "Sophie", "Aisha", "Megan", "Eleanor", "Niamh", "Zara"}
	givenMale   = []string{"Oliver", "Harry", "George", "Jack", "Noah", "Arjun", "Callum", "Owen", "Rhys", "Samuel", "Tariq", "William"}
	families    = []string{"Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson", "Wright",
		"Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Jackson", "Clarke", "Khan", "Ali", "Murphy", "Kowalski"}
	streets = []string{"Acacia Avenue", "Church Road", "Station Road", "Victoria Street", "Park Lane", "Mill Road", "High Street", "Orchard Close"}
	// ethnicities are codes of the CareConnect-EthnicCategory-1 code system.
	ethnicities = []concept{{"A", "British, Mixed British"}, {"B", "Irish"}, {"C", "Any other White background"},
		{"H", "Indian or British Indian"}, {"J", "Pakistani or British Pakistani"}, {"N", "African"}, {"M", "Caribbean"}}
)

const (
	ethnicExtension      = "https://fhir.hl7.org.uk/STU3/StructureDefinition/Extension-CareConnect-EthnicCategory-1"
	ethnicSystem         = "https://fhir.hl7.org.uk/STU3/CodeSystem/CareConnect-EthnicCategory-1"
	verificationExt      = "https://fhir.hl7.org.uk/STU3/StructureDefinition/Extension-CareConnect-NHSNumberVerificationStatus-1"
	verificationSystem   = "https://fhir.hl7.org.uk/STU3/CodeSystem/CareConnect-NHSNumberVerificationStatus-1"
	firstVisit, lastDays = 2017, 8 * 365 // visits fall in 2017 .. 2024
)

// chart is one patient while their record is being written.
type chart struct {
	id       string
	r        *rand.Rand
	practice int // index into practices
	gp       int // practitioner index
	who      person
	birth    time.Time
	visits   []time.Time
	ids      map[string]int
	out      []object // in reference order
}

func newChart(k int, seed int64) *chart {
	r := rand.New(rand.NewPCG(uint64(seed), uint64(k)))
	c := &chart{id: strconv.Itoa(k), r: r, practice: k % len(practices), ids: map[string]int{}}
	c.gp = 2*c.practice + r.IntN(2)
	if k == 1 {
		c.who = bernie
		c.birth = time.Date(1998, 3, 19, 0, 0, 0, 0, time.UTC)
	} else {
		c.who = randomPerson(r)
		c.birth = time.Date(1935+r.IntN(56), time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, time.UTC)
	}
	n := 2 + r.IntN(3)
	start := time.Date(firstVisit, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		day := start.AddDate(0, 0, (lastDays*i+r.IntN(lastDays))/n)
		c.visits = append(c.visits, day.Add(time.Duration(8*60+r.IntN(9*60))*time.Minute))
	}
	return c
}

func randomPerson(r *rand.Rand) person {
	p := person{family: families[r.IntN(len(families))]}
	if r.IntN(2) == 0 {
		p.gender, p.prefix, p.given = "female", []string{"Mrs", "Ms", "Miss"}[r.IntN(3)], givenFemale[r.IntN(len(givenFemale))]
	} else {
		p.gender, p.prefix, p.given = "male", "Mr", givenMale[r.IntN(len(givenMale))]
	}
	return p
}

// nextID returns the next id for a record kind, e.g. "obs-4-3".
func (c *chart) nextID(kind string) string {
	c.ids[kind]++
	return fmt.Sprintf("%s-%s-%d", kind, c.id, c.ids[kind])
}

func (c *chart) add(o object) { c.out = append(c.out, o) }

func (c *chart) patientRef() object { return reference("Patient", c.id, c.who.given+" "+c.who.family) }
func (c *chart) gpRef() object {
	gp := practices[c.practice].gps[c.gp%2]
	return reference("Practitioner", pracID(c.gp), "Dr "+gp[2]+" "+gp[1])
}
func (c *chart) practiceRef() object {
	return reference("Organization", orgID(c.practice), practices[c.practice].name)
}

// patient writes the Patient resource with the given NHS number.
func (c *chart) patient(nhs string) {
	p := resource("Patient", c.id, "Patient")
	ethnic := ethnicities[c.r.IntN(len(ethnicities))]
	p["extension"] = []any{object{"url": ethnicExtension, "valueCodeableConcept": codeable(ethnicSystem, ethnic)}}
	p["identifier"] = []any{object{
		"extension": []any{object{"url": verificationExt, "valueCodeableConcept": codeable(verificationSystem, concept{"01", "Number present and verified"})}},
		"system":    NHSNumberSystem, "value": nhs,
	}}
	p["active"] = true
	p["name"] = []any{object{"use": "official", "family": c.who.family, "given": []any{c.who.given}, "prefix": []any{c.who.prefix}}}
	n, _ := strconv.Atoi(c.id)
	p["telecom"] = []any{
		object{"system": "phone", "value": fmt.Sprintf("0113 496 %04d", n%1000), "use": "home"},
		object{"system": "phone", "value": fmt.Sprintf("07700 900%03d", n%1000), "use": "mobile"},
	}
	p["gender"] = c.who.gender
	p["birthDate"] = date(c.birth)
	pr := practices[c.practice]
	p["address"] = []any{object{"use": "home", "line": []any{fmt.Sprintf("%d %s", 1+c.r.IntN(120), streets[c.r.IntN(len(streets))])},
		"city": pr.city, "postalCode": pr.postcode, "country": "GB"}}
	p["generalPractitioner"] = []any{c.gpRef()}
	p["managingOrganization"] = c.practiceRef()
	c.add(p)
}
