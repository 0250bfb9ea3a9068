package storetest

import (
	"time"

	"github.com/smartgate/fhir-server/internal/search"
)

// Index rows and clause values, built by hand as the search package would.

func tok(param, system, code string) search.IndexEntry {
	return search.IndexEntry{Param: param, Kind: search.KindToken, System: system, Code: code}
}

func str(param, value string) search.IndexEntry {
	return search.IndexEntry{Param: param, Kind: search.KindString, Value: normalizeText(value), Exact: value}
}

func dateEntry(param string, low, high time.Time) search.IndexEntry {
	return search.IndexEntry{Param: param, Kind: search.KindDate, Low: low, High: high}
}

func ref(param, typ, id string) search.IndexEntry {
	return search.IndexEntry{Param: param, Kind: search.KindReference, RefType: typ, RefID: id, URL: typ + "/" + id}
}

func num(param string, n float64) search.IndexEntry {
	return search.IndexEntry{Param: param, Kind: search.KindNumber, Number: n}
}

func qty(param string, n float64, system, code string) search.IndexEntry {
	return search.IndexEntry{Param: param, Kind: search.KindQuantity, Number: n, System: system, Code: code}
}

func uriEntry(param, v string) search.IndexEntry {
	return search.IndexEntry{Param: param, Kind: search.KindURI, Value: v}
}

func clause(param string, kind search.Kind, mod string, vs ...search.Value) search.Clause {
	return search.Clause{Param: param, Kind: kind, Modifier: mod, Values: vs}
}

// tokV parses "system|code", "|code" or "code".
func tokV(s string) search.Value {
	for i := 0; i < len(s); i++ {
		if s[i] == '|' {
			return search.Value{Raw: s, System: s[:i], Code: s[i+1:], HasSystem: true}
		}
	}
	return search.Value{Raw: s, Code: s}
}

func strV(s string) search.Value { return search.Value{Raw: s, Value: normalizeText(s)} }

func missingV(b bool) search.Value { return search.Value{Missing: b} }

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// dateV is a date value with prefix over [low, high).
func dateV(prefix string, low, high time.Time) search.Value {
	return search.Value{Prefix: prefix, Low: low, High: high}
}

func dayV(prefix string, y int, m time.Month, d int) search.Value {
	return dateV(prefix, day(y, m, d), day(y, m, d+1))
}

func monthV(prefix string, y int, m time.Month) search.Value {
	return dateV(prefix, day(y, m, 1), day(y, m+1, 1))
}

// numV is a number value with the precision range [lo, hi).
func numV(prefix string, n, lo, hi float64) search.Value {
	return search.Value{Prefix: prefix, Number: n, NumberLow: lo, NumberHigh: hi}
}

func refV(typ, id string) search.Value { return search.Value{RefType: typ, RefID: id} }
