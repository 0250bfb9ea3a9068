package search

import (
	"testing"
	"time"
)

func TestParseDate(t *testing.T) {
	tests := []struct {
		in        string
		low, high string
		bad       bool
	}{
		{in: "2017", low: "2017-01-01T00:00:00Z", high: "2018-01-01T00:00:00Z"},
		{in: "2017-02", low: "2017-02-01T00:00:00Z", high: "2017-03-01T00:00:00Z"},
		{in: "2017-12-31", low: "2017-12-31T00:00:00Z", high: "2018-01-01T00:00:00Z"},
		{in: "2017-01-02T10:00", low: "2017-01-02T10:00:00Z", high: "2017-01-02T10:01:00Z"},
		{in: "2017-01-02T10:00:05+01:00", low: "2017-01-02T09:00:05Z", high: "2017-01-02T09:00:06Z"},
		{in: "2017-01-02T10:00:05-05:30", low: "2017-01-02T15:30:05Z", high: "2017-01-02T15:30:06Z"},
		{in: "2017-01-02T10:00:05.12Z", low: "2017-01-02T10:00:05.12Z", high: "2017-01-02T10:00:05.13Z"},
		{in: "2017-02-30", bad: true},
		{in: "2017-13", bad: true},
		{in: "17-01-01", bad: true},
		{in: "2017-01-02T25:00", bad: true},
		{in: "2017-01-02T10:00:00+15:00", bad: true},
		{in: "yesterday", bad: true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			low, high, err := parseDate(tc.in)
			if tc.bad {
				if err == nil {
					t.Fatalf("want an error, got [%v, %v)", low, high)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !low.Equal(utc(tc.low)) || !high.Equal(utc(tc.high)) || low.Location() != time.UTC {
				t.Errorf("got [%v, %v), want [%s, %s)", low, high, tc.low, tc.high)
			}
		})
	}
}
