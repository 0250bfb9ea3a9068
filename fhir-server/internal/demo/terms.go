package demo

// Code systems.
const (
	snomed = "http://snomed.info/sct"
	loinc  = "http://loinc.org"
	ucum   = "http://unitsofmeasure.org"
)

// concept is a coded clinical concept: a code and its display.
type concept struct {
	code, display string
}

// vital is an observation template: its SNOMED and LOINC codes, its UCUM
// unit, and the range values are drawn from.
type vital struct {
	snomed, loinc concept
	category      string // observation-category code
	unit, ucum    string
	low, high     float64
	decimals      int
}

var (
	heartRate   = vital{concept{"364075005", "Heart rate"}, concept{"8867-4", "Heart rate"}, "vital-signs", "beats/minute", "/min", 55, 95, 0}
	bodyWeight  = vital{concept{"27113001", "Body weight"}, concept{"29463-7", "Body weight"}, "vital-signs", "kg", "kg", 52, 110, 1}
	bodyHeight  = vital{concept{"50373000", "Body height"}, concept{"8302-2", "Body height"}, "vital-signs", "cm", "cm", 150, 192, 0}
	temperature = vital{concept{"276885007", "Core body temperature"}, concept{"8310-5", "Body temperature"}, "vital-signs", "degrees C", "Cel", 36.2, 37.9, 1}
	hba1c       = vital{concept{"999791000000106", "Haemoglobin A1c level - IFCC standardised"}, concept{"59261-8", "Hemoglobin A1c/Hemoglobin.total in Blood by IFCC protocol"}, "laboratory", "mmol/mol", "mmol/mol", 36, 75, 0}
	bmi         = vital{concept{"60621009", "Body mass index"}, concept{"39156-5", "Body mass index (BMI) [Ratio]"}, "vital-signs", "kg/m2", "kg/m2", 19, 34, 1}
	systolic    = vital{concept{"72313002", "Systolic arterial pressure"}, concept{"8480-6", "Systolic blood pressure"}, "vital-signs", "mmHg", "mm[Hg]", 105, 165, 0}
	diastolic   = vital{concept{"1091811000000102", "Diastolic arterial pressure"}, concept{"8462-4", "Diastolic blood pressure"}, "vital-signs", "mmHg", "mm[Hg]", 60, 100, 0}
)

// bloodPressure is the panel that holds the systolic and diastolic
// components.
var bloodPressure = struct{ snomed, loinc concept }{
	concept{"75367002", "Blood pressure"}, concept{"85354-9", "Blood pressure panel with all children optional"},
}

// encounterTypes are the reasons a patient sees the practice.
var encounterTypes = []concept{
	{"185349003", "Encounter for check up"},
	{"185345009", "Encounter for symptom"},
	{"390906007", "Follow-up encounter"},
	{"270427003", "Patient-initiated encounter"},
}

// conditions are long-term problems; medication names the dm+d medication
// (index into medications) that treats it, or -1.
var conditions = []struct {
	concept
	medication int
}{
	{concept{"44054006", "Diabetes mellitus type 2"}, 0},
	{concept{"38341003", "Hypertensive disorder, systemic arterial"}, 1},
	{concept{"195967001", "Asthma"}, 4},
	{concept{"55822004", "Hyperlipidaemia"}, 3},
	{concept{"396275006", "Osteoarthritis"}, 7},
	{concept{"35489007", "Depressive disorder"}, -1},
	{concept{"49436004", "Atrial fibrillation"}, -1},
	{concept{"13645005", "Chronic obstructive lung disease"}, 4},
}

var procedures = []concept{
	{"80146002", "Appendicectomy"},
	{"38102005", "Cholecystectomy"},
	{"73761001", "Colonoscopy"},
	{"71651007", "Mammography"},
	{"274474001", "Bone immobilisation"},
	{"11466000", "Caesarean section"},
}

// allergies pairs a substance allergy with its AllergyIntolerance category.
var allergies = []struct {
	concept
	category string
}{
	{concept{"91936005", "Allergy to penicillin"}, "medication"},
	{concept{"91935009", "Allergy to peanuts"}, "food"},
	{concept{"91930004", "Allergy to eggs"}, "food"},
	{concept{"300916003", "Latex allergy"}, "environment"},
	{concept{"418689008", "Allergy to grass pollen"}, "environment"},
}

var reactions = []concept{
	{"271807003", "Eruption of skin"},
	{"247472004", "Weal"},
	{"49727002", "Cough"},
	{"267036007", "Dyspnoea"},
}

// medications are dm+d virtual medicinal products (SNOMED CT codes, as Care
// Connect carries dm+d) with a typical dose.
var medications = []struct {
	concept
	dose     string
	perDay   int
	quantity int
	unit     string
}{
	{concept{"325278007", "Metformin 500mg tablets"}, "500mg twice a day", 2, 56, "tablet"},
	{concept{"319773006", "Amlodipine 5mg tablets"}, "5mg once a day", 1, 28, "tablet"},
	{concept{"318274004", "Ramipril 5mg capsules"}, "5mg once a day", 1, 28, "capsule"},
	{concept{"320000009", "Simvastatin 40mg tablets"}, "40mg at night", 1, 28, "tablet"},
	{concept{"39113611000001102", "Salbutamol 100micrograms/dose inhaler CFC free"}, "2 puffs when required", 4, 200, "dose"},
	{concept{"322236009", "Paracetamol 500mg tablets"}, "1g four times a day when required", 4, 100, "tablet"},
	{concept{"323509004", "Amoxicillin 500mg capsules"}, "500mg three times a day for 7 days", 3, 21, "capsule"},
	{concept{"329652003", "Ibuprofen 400mg tablets"}, "400mg three times a day with food", 3, 84, "tablet"},
}

// vaccines are SNOMED CT vaccine products.
var vaccines = []concept{
	{"396425006", "Influenza virus vaccine"},
	{"396429000", "Measles, mumps and rubella vaccine"},
	{"333598008", "Pneumococcal vaccine"},
	{"871751006", "Hepatitis A virus vaccine"},
}

// documentTypes are the kinds of letter a patient's record holds.
var documentTypes = []struct {
	concept
	contentType string
}{
	{concept{"371531000", "Report of clinical encounter"}, "text/plain"},
	{concept{"373942005", "Discharge summary"}, "application/pdf"},
}
