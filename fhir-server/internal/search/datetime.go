package search

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"time"
)

// dateRE matches FHIR date, dateTime and instant values at any precision,
// and search values, which may stop at minutes.
var dateRE = regexp.MustCompile(`^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$`)

// parseDate returns the instants bounding s at its precision, in UTC:
// "2017-01" is [2017-01-01T00:00:00Z, 2017-02-01T00:00:00Z). A value
// without a time zone is taken as UTC.
func parseDate(s string) (low, high time.Time, err error) {
	m := dateRE.FindStringSubmatch(s)
	if m == nil {
		return low, high, fmt.Errorf("invalid date %q: want YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm[:ss[.fff]][Z|+hh:mm]", s)
	}
	num := func(i, def int) int {
		if m[i] == "" {
			return def
		}
		n, _ := strconv.Atoi(m[i])
		return n
	}
	year, month, day := num(1, 0), num(2, 1), num(3, 1)
	hour, minute, sec := num(4, 0), num(5, 0), num(6, 0)
	loc := time.UTC
	if z := m[8]; z != "" && z != "Z" {
		h, _ := strconv.Atoi(z[1:3])
		mm, _ := strconv.Atoi(z[4:6])
		if h > 14 || mm > 59 {
			return low, high, fmt.Errorf("invalid time zone in date %q", s)
		}
		off := (h*60 + mm) * 60
		if z[0] == '-' {
			off = -off
		}
		loc = time.FixedZone(z, off)
	}
	var nanos int
	if f := m[7]; f != "" {
		v, _ := strconv.ParseFloat("0"+f, 64)
		nanos = int(math.Round(v * 1e9))
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nanos, loc)
	if t.Month() != time.Month(month) || t.Day() != day || t.Hour() != hour || t.Minute() != minute || t.Second() != sec {
		return low, high, fmt.Errorf("invalid date %q: out of range", s)
	}
	switch {
	case m[2] == "":
		high = t.AddDate(1, 0, 0)
	case m[3] == "":
		high = t.AddDate(0, 1, 0)
	case m[4] == "":
		high = t.AddDate(0, 0, 1)
	case m[6] == "":
		high = t.Add(time.Minute)
	case m[7] == "":
		high = t.Add(time.Second)
	default:
		step := time.Duration(math.Pow10(9 - min(len(m[7])-1, 9)))
		high = t.Add(step)
	}
	return t.UTC(), high.UTC(), nil
}
