package demo

import (
	"fmt"
	"slices"
	"time"
)

// encounterRef refers to the encounter of visit i (0-based).
func (c *chart) encounterRef(i int) object {
	return reference("Encounter", fmt.Sprintf("enc-%s-%d", c.id, i+1), "")
}

// pickConditions chooses one to three distinct long-term problems.
func (c *chart) pickConditions() []int {
	picked := c.r.Perm(len(conditions))[:1+c.r.IntN(3)]
	slices.Sort(picked)
	return picked
}

// condition writes a problem-list Condition diagnosed before the first
// visit.
func (c *chart) condition(i int) {
	cond := resource("Condition", c.nextID("cond"), "Condition")
	cond["clinicalStatus"] = "active"
	cond["verificationStatus"] = "confirmed"
	cond["category"] = []any{object{"coding": []any{object{"system": "http://hl7.org/fhir/condition-category", "code": "problem-list-item", "display": "Problem List Item"}}}}
	cond["code"] = codeable(snomed, conditions[i].concept)
	cond["subject"] = c.patientRef()
	onset := c.visits[0].AddDate(-1-c.r.IntN(6), -c.r.IntN(12), 0)
	cond["onsetDateTime"] = date(onset)
	cond["assertedDate"] = date(onset)
	cond["asserter"] = c.gpRef()
	c.add(cond)
}

// procedures writes one or two past procedures.
func (c *chart) procedures() {
	for _, i := range c.r.Perm(len(procedures))[:1+c.r.IntN(2)] {
		p := resource("Procedure", c.nextID("proc"), "Procedure")
		p["status"] = "completed"
		p["code"] = codeable(snomed, procedures[i])
		p["subject"] = c.patientRef()
		p["performedDateTime"] = date(c.birth.AddDate(18+c.r.IntN(15), c.r.IntN(12), 0))
		p["performer"] = []any{object{"actor": reference("Organization", orgID(hospitalIndex), hospital.name)}}
		p["location"] = reference("Location", locID(hospitalIndex), hospital.ward)
		c.add(p)
	}
}

// allergies writes one or two recorded allergies.
func (c *chart) allergies() {
	for _, i := range c.r.Perm(len(allergies))[:1+c.r.IntN(2)] {
		a := resource("AllergyIntolerance", c.nextID("allergy"), "AllergyIntolerance")
		a["clinicalStatus"] = "active"
		a["verificationStatus"] = "confirmed"
		a["type"] = "allergy"
		a["category"] = []any{allergies[i].category}
		a["criticality"] = []string{"low", "high"}[c.r.IntN(2)]
		a["code"] = codeable(snomed, allergies[i].concept)
		a["patient"] = c.patientRef()
		a["assertedDate"] = dateTime(c.visits[0])
		a["recorder"] = c.gpRef()
		a["reaction"] = []any{object{
			"manifestation": []any{codeable(snomed, reactions[c.r.IntN(len(reactions))])},
			"severity":      []string{"mild", "moderate", "severe"}[c.r.IntN(3)],
		}}
		c.add(a)
	}
}

// medications prescribes the treatment of each condition that has one
// (a repeat prescription, with a MedicationStatement that it is taken),
// plus an acute course at the last visit.
func (c *chart) medications(conds []int) {
	last := len(c.visits) - 1
	for _, ci := range conds {
		if m := conditions[ci].medication; m >= 0 {
			req := c.prescribe(m, 0, "active", 5)
			c.statement(m, req, c.visits[0])
		}
	}
	acute := 5 + c.r.IntN(3) // paracetamol, amoxicillin or ibuprofen
	c.prescribe(acute, last, "completed", 0)
}

// prescribe writes a MedicationRequest for medication m at visit v and
// returns its id.
func (c *chart) prescribe(m, v int, status string, repeats int) string {
	med := medications[m]
	id := c.nextID("medreq")
	r := resource("MedicationRequest", id, "MedicationRequest")
	r["status"] = status
	r["intent"] = "order"
	r["medicationReference"] = reference("Medication", medID(m), med.display)
	r["subject"] = c.patientRef()
	r["context"] = c.encounterRef(v)
	r["authoredOn"] = dateTime(c.visits[v])
	r["requester"] = object{"agent": c.gpRef(), "onBehalfOf": c.practiceRef()}
	r["dosageInstruction"] = []any{object{
		"text":   med.dose,
		"timing": object{"repeat": object{"frequency": med.perDay, "period": 1, "periodUnit": "d"}},
	}}
	dispense := object{
		"validityPeriod": object{"start": date(c.visits[v]), "end": date(c.visits[v].AddDate(0, 6, 0))},
		"quantity":       object{"value": med.quantity, "unit": med.unit},
	}
	if repeats > 0 {
		dispense["numberOfRepeatsAllowed"] = repeats
	}
	r["dispenseRequest"] = dispense
	c.add(r)
	return id
}

// statement records that the patient takes medication m as prescribed by
// request reqID since the given time.
func (c *chart) statement(m int, reqID string, since time.Time) {
	med := medications[m]
	s := resource("MedicationStatement", c.nextID("medstat"), "MedicationStatement")
	s["basedOn"] = []any{reference("MedicationRequest", reqID, "")}
	s["status"] = "active"
	s["medicationReference"] = reference("Medication", medID(m), med.display)
	s["effectivePeriod"] = object{"start": dateTime(since)}
	s["dateAsserted"] = dateTime(since)
	s["informationSource"] = c.gpRef()
	s["subject"] = c.patientRef()
	s["taken"] = "y"
	s["dosage"] = []any{object{"text": med.dose}}
	c.add(s)
}

// immunizations writes one to three vaccinations given at visits.
func (c *chart) immunizations() {
	for n, i := range c.r.Perm(len(vaccines))[:1+c.r.IntN(3)] {
		v := min(n, len(c.visits)-1)
		im := resource("Immunization", c.nextID("imm"), "Immunization")
		im["status"] = "completed"
		im["notGiven"] = false
		im["vaccineCode"] = codeable(snomed, vaccines[i])
		im["patient"] = c.patientRef()
		im["encounter"] = c.encounterRef(v)
		im["date"] = dateTime(c.visits[v].Add(15 * time.Minute))
		im["primarySource"] = true
		im["location"] = reference("Location", locID(c.practice), practices[c.practice].name)
		im["lotNumber"] = fmt.Sprintf("LOT%05d", c.r.IntN(100000))
		im["practitioner"] = []any{object{
			"role":  object{"coding": []any{object{"system": "http://hl7.org/fhir/v2/0443", "code": "AP", "display": "Administering Provider"}}},
			"actor": c.gpRef(),
		}}
		c.add(im)
	}
}
