package store

import (
	"log/slog"
	"time"
)

// CompartmentType is the compartment type whose membership Options
// describe: the STU3 Patient compartment.
const CompartmentType = "Patient"

// ViaRef places a type in the compartment indirectly: a resource of the
// type is inside when a resource of SourceType that is itself inside
// references it through the reference parameter Param (Binary is inside
// when a DocumentReference inside points at it through `binary`).
type ViaRef struct {
	SourceType string
	Param      string
}

// Options configure a backend. Compartment membership is configuration
// (from the STU3 CompartmentDefinition/patient), never hard-coded.
type Options struct {
	// CompartmentParams maps a resource type to the reference parameter
	// codes that place it in the Patient compartment (Observation ->
	// subject, performer). The Patient/X resource itself is always inside
	// Patient/X's compartment.
	CompartmentParams map[string][]string
	// CompartmentVia maps a type to the reference that places it inside
	// indirectly (Binary -> DocumentReference.binary).
	CompartmentVia map[string]ViaRef
	// DefaultCount is the page size when a query names none (default 50);
	// MaxCount caps any page size (default 1000).
	DefaultCount int
	MaxCount     int
	// Logger receives what a backend does in the background and cannot
	// return to a caller (nil: discarded).
	Logger *slog.Logger
	// Now is the clock searches relative to now read (the ap prefix);
	// nil: time.Now.
	Now func() time.Time
}

// WithDefaults returns o with zero page sizes replaced by the defaults,
// a nil Logger by one that discards and a nil Now by time.Now.
func (o Options) WithDefaults() Options {
	if o.DefaultCount <= 0 {
		o.DefaultCount = 50
	}
	if o.MaxCount <= 0 {
		o.MaxCount = 1000
	}
	if o.DefaultCount > o.MaxCount {
		o.DefaultCount = o.MaxCount
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Restricted reports whether resources of typ are limited by a
// compartment: the compartment's own type, types with compartment
// parameters and types reached through a via reference. Other types
// (Organization, Practitioner, Medication ...) are readable as they are.
func (o Options) Restricted(typ string) bool {
	if typ == CompartmentType {
		return true
	}
	if _, ok := o.CompartmentParams[typ]; ok {
		return true
	}
	_, ok := o.CompartmentVia[typ]
	return ok
}
