package demo

import (
	"time"
)

// visit writes one consultation: the Encounter and the observations taken
// during it. first marks the patient's first visit (height is measured
// once).
func (c *chart) visit(at time.Time, first, diabetic bool) {
	encID := c.nextID("enc")
	e := resource("Encounter", encID, "Encounter")
	e["status"] = "finished"
	e["class"] = object{"system": "http://hl7.org/fhir/v3/ActCode", "code": "AMB", "display": "ambulatory"}
	e["type"] = []any{codeable(snomed, encounterTypes[c.r.IntN(len(encounterTypes))])}
	e["subject"] = c.patientRef()
	e["participant"] = []any{object{
		"type":       []any{object{"coding": []any{object{"system": "http://hl7.org/fhir/v3/ParticipationType", "code": "PPRF", "display": "primary performer"}}}},
		"individual": c.gpRef(),
	}}
	end := at.Add(time.Duration(10+c.r.IntN(15)) * time.Minute)
	e["period"] = object{"start": dateTime(at), "end": dateTime(end)}
	e["location"] = []any{object{"location": reference("Location", locID(c.practice), practices[c.practice].name)}}
	e["serviceProvider"] = c.practiceRef()
	c.add(e)

	taken := at.Add(5 * time.Minute)
	c.observe(encID, taken, heartRate)
	c.bloodPressure(encID, taken)
	weight := c.observe(encID, taken, bodyWeight)
	if first {
		height := c.observe(encID, taken, bodyHeight)
		m := height / 100
		c.observeValue(encID, taken, bmi, weight/(m*m))
	}
	if c.r.IntN(3) == 0 {
		c.observe(encID, taken, temperature)
	}
	if diabetic {
		c.observe(encID, taken, hba1c)
	}
}

// observe writes an observation with a value drawn from v's range and
// returns the value.
func (c *chart) observe(encID string, at time.Time, v vital) float64 {
	value := v.low + c.r.Float64()*(v.high-v.low)
	c.observeValue(encID, at, v, value)
	return value
}

func (c *chart) observeValue(encID string, at time.Time, v vital, value float64) {
	o := c.observation(encID, at, v.category, v.snomed, v.loinc)
	o["valueQuantity"] = quantity(value, v.decimals, v.unit, v.ucum)
	c.add(o)
}

// bloodPressure writes the panel with systolic and diastolic components.
func (c *chart) bloodPressure(encID string, at time.Time) {
	o := c.observation(encID, at, "vital-signs", bloodPressure.snomed, bloodPressure.loinc)
	sys := systolic.low + c.r.Float64()*(systolic.high-systolic.low)
	dia := min(sys-25, diastolic.low+c.r.Float64()*(diastolic.high-diastolic.low))
	o["component"] = []any{
		object{"code": codeable(snomed, systolic.snomed, coding(loinc, systolic.loinc)), "valueQuantity": quantity(sys, 0, systolic.unit, systolic.ucum)},
		object{"code": codeable(snomed, diastolic.snomed, coding(loinc, diastolic.loinc)), "valueQuantity": quantity(dia, 0, diastolic.unit, diastolic.ucum)},
	}
	c.add(o)
}

// observation starts a final, SNOMED and LOINC coded Observation.
func (c *chart) observation(encID string, at time.Time, category string, sct, lnc concept) object {
	o := resource("Observation", c.nextID("obs"), "Observation")
	o["status"] = "final"
	display := map[string]string{"vital-signs": "Vital Signs", "laboratory": "Laboratory"}[category]
	o["category"] = []any{object{"coding": []any{object{"system": "http://hl7.org/fhir/observation-category", "code": category, "display": display}}}}
	o["code"] = codeable(snomed, sct, coding(loinc, lnc))
	o["subject"] = c.patientRef()
	o["context"] = reference("Encounter", encID, "")
	o["effectiveDateTime"] = dateTime(at)
	o["issued"] = instant(at.Add(2 * time.Minute))
	o["performer"] = []any{c.gpRef()}
	return o
}
