package search

import "time"

// Kind is the type of a search parameter, as STU3 names them.
type Kind string

const (
	KindToken     Kind = "token"
	KindString    Kind = "string"
	KindDate      Kind = "date"
	KindReference Kind = "reference"
	KindQuantity  Kind = "quantity"
	KindURI       Kind = "uri"
	KindNumber    Kind = "number"
)

// IndexEntry is one search-index row extracted from a resource at write
// time. Which fields are set depends on Kind.
type IndexEntry struct {
	Param string // search parameter code, e.g. "identifier"
	Kind  Kind

	// token: System and Code (either may be empty); Text holds the display
	// or text for :text. uri and string: Value.
	System string
	Code   string
	Text   string

	// string: Value is normalised for matching (lower case, accents
	// removed); Exact keeps the original for :exact. uri: Value as written.
	Value string
	Exact string

	// date: the instants bounding the value at its precision, e.g.
	// "2017-01" is [2017-01-01T00:00:00Z, 2017-02-01T00:00:00Z).
	// High is exclusive. A Period is [start, end); open ends use
	// MinTime/MaxTime.
	Low, High time.Time

	// number and quantity: Number; quantity also System and Code (unit).
	Number float64

	// reference: RefType and RefID for a resolvable local reference
	// ("Patient/4" -> Patient, 4); URL keeps the reference as written
	// (absolute or relative) for matching by URL.
	RefType string
	RefID   string
	URL     string
}

// Query is a parsed, validated search on one resource type, ready for a
// store to run. The parser fills it from the request; the security layer
// may add a Compartment (and clauses) before the store runs it.
type Query struct {
	Type    string   // resource type searched
	Clauses []Clause // all must match (AND)

	Sort   []SortKey
	Count  int    // page size; 0 means the store's default
	Cursor string // opaque position from a previous Page (NextCursor/PrevCursor)

	Includes    []Include // _include
	RevIncludes []Include // _revinclude

	Total       TotalMode
	SummaryOnly bool // _summary=count (or _count=0): no resources, only the total

	// Summary is _summary when it asks for a shaped resource ("true",
	// "text", "data", "false"); Elements lists _elements. Both shape the
	// returned resources only (the API applies them), not the matches.
	Summary  string
	Elements []string

	// Compartment, when set, restricts matches, included resources and
	// chained targets to the compartment (the patient compartment of a
	// patient/ scope). Types outside the CompartmentDefinition are not
	// restricted.
	Compartment *Compartment
}

// Clause is one occurrence of a parameter in the query: any of Values
// matches (OR). Repeating a parameter yields several clauses (AND).
type Clause struct {
	Param    string // "_id", "_lastUpdated" or a parameter code of Query.Type
	Kind     Kind
	Modifier string // "", "exact", "contains", "missing", "not", "text", or a type name for references ("Patient")
	Values   []Value

	// Chain, for a reference parameter, is the clause to evaluate on the
	// referenced resources (subject:Patient.name=x). TargetType names the
	// referenced type.
	Chain      *Clause
	TargetType string
}

// Value is one comma-separated value of a clause, parsed by Kind.
type Value struct {
	Raw    string // as written, after unescaping
	Prefix string // eq ne gt lt ge le sa eb ap (date, number, quantity); "" means eq

	// token: System and Code; HasSystem distinguishes "|code" (no system)
	// from "code" (any system).
	System    string
	Code      string
	HasSystem bool

	// string and uri: Value normalised like IndexEntry.Value (string) or as written (uri).
	Value string

	// date: the bounds of the value at its precision, as in IndexEntry.
	Low, High time.Time

	// number and quantity. Quantity also System and Code.
	Number float64
	// NumberLow/NumberHigh: the range implied by the value's precision
	// (100 means [99.5, 100.5)).
	NumberLow, NumberHigh float64

	// reference: a local reference (RefType may be empty when only an id
	// was given) or a URL.
	RefType string
	RefID   string
	URL     string

	// missing: true for :missing=true.
	Missing bool
}

// SortKey orders results by a parameter ("_id", "_lastUpdated" or a code).
type SortKey struct {
	Param      string
	Kind       Kind
	Descending bool
}

// Include is one _include or _revinclude: resources of SourceType whose
// reference parameter Param points at TargetType ("" for any).
type Include struct {
	SourceType string
	Param      string
	TargetType string
	Iterate    bool
}

// TotalMode says whether Page.Total must be filled.
type TotalMode string

const (
	TotalNone     TotalMode = "none"
	TotalAccurate TotalMode = "accurate"
)

// Compartment names one compartment instance, e.g. Patient/4.
type Compartment struct {
	Type string // "Patient"
	ID   string
}

// MinTime and MaxTime stand for open ends of periods and date ranges.
var (
	MinTime = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	MaxTime = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)
)
