package search

import "strings"

// InSummary reports whether _summary=true keeps the top-level element key
// of a resource of type typ: the elements its base StructureDefinition
// marks isSummary or isModifier (summaryTable, generated), a choice
// element under any of its type names (valueQuantity for value[x]), and a
// primitive's "_name" extension object with its element.
func InSummary(typ, key string) bool {
	key = strings.TrimPrefix(key, "_")
	for _, name := range summaryTable[typ] {
		base, choice := strings.CutSuffix(name, "[x]")
		if !choice {
			if key == name {
				return true
			}
			continue
		}
		if rest, ok := strings.CutPrefix(key, base); ok && rest != "" && rest[0] >= 'A' && rest[0] <= 'Z' {
			return true
		}
	}
	return false
}
