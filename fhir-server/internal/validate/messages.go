package validate

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
)

// formats names the FHIR primitive type behind each (anchored) pattern of
// the STU3 schema, for messages such as `"2017-13-01" is not a valid date`.
var formats = map[string]string{
	`^(?:-?[0-9]{4}(-(0[1-9]|1[0-2])(-(0[0-9]|[1-2][0-9]|3[0-1]))?)?)$`:                                                                                                    "date",
	`^(?:-?[0-9]{4}(-(0[1-9]|1[0-2])(-(0[0-9]|[1-2][0-9]|3[0-1])(T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00)))?)?)?)$`: "dateTime",
	`^(?:([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?)$`:                                                                                                            "time",
	`^(?:[^\s]+([\s]?[^\s]+)*)$`:                                                  "code",
	`^(?:urn:oid:(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*)$`:                           "oid",
	`^(?:urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$`: "uuid",
	`^(?:[A-Za-z0-9\-\.]{1,64})$`:                                                 "id",
}

// issues collects one Issue per leaf of the validation error tree.
func (v *Validator) issues(doc any, e *jsonschema.ValidationError, acc []Issue) []Issue {
	if len(e.Causes) > 0 {
		for _, c := range e.Causes {
			acc = v.issues(doc, c, acc)
		}
		return acc
	}
	at := location(doc, e.InstanceLocation)
	switch k := e.ErrorKind.(type) {
	case *kind.AdditionalProperties:
		for _, p := range k.Properties {
			acc = append(acc, Issue{CodeStructure, at + "." + p, fmt.Sprintf("unknown element %q", p)})
		}
	case *kind.Required:
		for _, p := range k.Missing {
			acc = append(acc, Issue{CodeRequired, at + "." + p, fmt.Sprintf("missing required element %q", p)})
		}
	case *kind.Type:
		acc = append(acc, Issue{CodeStructure, at, fmt.Sprintf("wrong type: expected %s, got %s", describeTypes(k.Want), article(k.Got))})
	case *kind.Enum:
		acc = append(acc, Issue{CodeValue, at, enumMessage(e.InstanceLocation, k)})
	case *kind.Pattern:
		if f, ok := formats[k.Want]; ok {
			acc = append(acc, Issue{CodeValue, at, fmt.Sprintf("%q is not a valid %s", k.Got, f)})
		} else {
			acc = append(acc, Issue{CodeValue, at, fmt.Sprintf("%q does not match %s", k.Got, k.Want)})
		}
	case *kind.Minimum:
		acc = append(acc, Issue{CodeValue, at, fmt.Sprintf("%v is below the minimum %v", k.Got, k.Want)})
	default:
		acc = append(acc, Issue{CodeInvalid, at, e.ErrorKind.LocalizedString(v.printer)})
	}
	return acc
}

func enumMessage(loc []string, k *kind.Enum) string {
	if len(loc) > 0 && loc[len(loc)-1] == "resourceType" && len(k.Want) > 1 {
		return fmt.Sprintf("unknown resource type %s", display(k.Got))
	}
	want := make([]string, len(k.Want))
	for i, w := range k.Want {
		want[i] = display(w)
	}
	if len(want) == 1 {
		return fmt.Sprintf("value %s is not allowed here; expected %s", display(k.Got), want[0])
	}
	return fmt.Sprintf("value %s is not in the value set; expected one of %s", display(k.Got), strings.Join(want, ", "))
}

// describeTypes names JSON Schema types as a FHIR author thinks of them;
// null, allowed only as a placeholder in repeating primitives, is not
// worth suggesting.
func describeTypes(want []string) string {
	var out []string
	for _, w := range want {
		switch w {
		case "null":
			if len(want) == 1 {
				out = append(out, "null")
			}
		case "object":
			out = append(out, "an object (a FHIR complex type)")
		case "array":
			out = append(out, "an array (the element repeats)")
		default:
			out = append(out, article(w))
		}
	}
	return strings.Join(out, " or ")
}

func article(t string) string {
	switch t {
	case "object", "array", "integer":
		return "an " + t
	case "null":
		return "null"
	default:
		return "a " + t
	}
}

// display renders a JSON value for a message.
func display(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	if len(b) > 80 {
		return string(b[:77]) + "..."
	}
	return string(b)
}
