package search

import (
	"errors"
	"net/url"
	"testing"
)

func TestCheckLimits(t *testing.T) {
	opts := ParseOptions{MaxParameters: 3, MaxValues: 4}
	for _, tc := range []struct {
		query string
		what  string // "": within the limits
	}{
		{"family=a,b&given=c,d", ""},
		{"family=a&family=b&family=c", ""},
		{"family=a&family=b&family=c&family=d", "parameters"},
		{"family=a&_sort=family,given,birthdate", "parameters"},
		{"family=a&_include=Patient:organization&_revinclude=Observation:subject&_count=5&_cursor=x&_total=accurate&_summary=true", ""},
		{"family=a&_include=Patient:organization&_revinclude=Observation:subject&_revinclude=Encounter:subject", "parameters"},
		{"family=a&_count=5&_cursor=x&_total=accurate&_elements=a,b,c,d,e", ""},
		{"family=a,b,c,d,e", "values"},
		{"family=a,b,c&given=d,e", "values"},
		{`family=a\,b\,c\,d\,e`, ""}, // escaped commas are one value
		{"subject:Patient.family=a,b,c,d", ""},
	} {
		params, _ := url.ParseQuery(tc.query)
		_, _, err := Parse("Patient", params, opts)
		var le *LimitError
		switch {
		case tc.what == "" && errors.As(err, &le):
			t.Errorf("%s: %v", tc.query, err)
		case tc.what != "" && (!errors.As(err, &le) || le.What != tc.what):
			t.Errorf("%s: %v, want a limit on %s", tc.query, err, tc.what)
		}
	}
	params, _ := url.ParseQuery("family=a,b,c,d,e,f")
	if _, _, err := Parse("Patient", params, ParseOptions{}); err != nil {
		t.Errorf("no limits set: %v", err)
	}
}
