package bulk

import (
	"bufio"
	"context"
	"strings"
	"testing"
)

func TestDetect(t *testing.T) {
	cases := []struct {
		name, path, content string
		want                Format
		err                 string
	}{
		{"ndjson by name", "x.ndjson", `{"resourceType":"Bundle"}`, FormatNDJSON, ""},
		{"ndjson by content", "x.txt", "{\"resourceType\":\"Patient\",\"id\":\"1\"}\n{\"resourceType\":\"Patient\",\"id\":\"2\"}\n", FormatNDJSON, ""},
		{"one resource", "x.json", "{\"resourceType\":\"Patient\",\"id\":\"1\"}\n", FormatNDJSON, ""},
		{"one-line Bundle", "x.json", `{"entry":[],"resourceType":"Bundle","type":"batch"}`, FormatBundle, ""},
		{"pretty Bundle", "x.json", "{\n  \"resourceType\": \"Bundle\"\n}\n", FormatBundle, ""},
		{"empty", "x.json", " \n", "", "empty"},
		{"not JSON", "x.csv", "a,b\n", "", "not JSON"},
	}
	for _, c := range cases {
		got, err := detect(c.path, bufio.NewReader(strings.NewReader(c.content)))
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s: %v, want error %q", c.name, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%s: %q %v, want %q", c.name, got, err, c.want)
		}
	}
}

// TestWalkBundleLines: entries are reported with the line they begin on,
// and JSON errors with theirs.
func TestWalkBundleLines(t *testing.T) {
	doc := "{\n \"entry\": [\n  {\"resource\": {\"resourceType\": \"Patient\", \"id\": \"a\"}},\n\n  {\n   \"resource\": {\"resourceType\": \"Patient\", \"id\": \"b\"}\n  }\n ],\n \"resourceType\": \"Bundle\", \"type\": \"collection\"\n}\n"
	var lines []int
	typ, err := walkBundle(context.Background(), strings.NewReader(doc), func(i, line int, e *bundleEntry) error {
		lines = append(lines, line)
		return nil
	})
	if err != nil || typ != "collection" {
		t.Fatalf("walk: %q %v", typ, err)
	}
	if len(lines) != 2 || lines[0] != 3 || lines[1] != 5 {
		t.Errorf("entry lines %v, want [3 5]", lines)
	}
	bad := strings.Replace(doc, `"id": "b"}`, `"id": "b",}`, 1)
	_, err = walkBundle(context.Background(), strings.NewReader(bad), func(int, int, *bundleEntry) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "line 6: invalid JSON") {
		t.Errorf("syntax error: %v", err)
	}
	for _, c := range []struct{ doc, want string }{
		{`{"resourceType":"Bundle","type":"history","entry":[]}`, `Bundle.type "history"`},
		{`{"resourceType":"Bundle","type":"batch"} {}`, "content after the Bundle"},
		{"{\"resourceType\":\"Bundle\",\n\"entry\": [", "line 2: invalid JSON: the file ends"},
	} {
		_, err := walkBundle(context.Background(), strings.NewReader(c.doc), func(int, int, *bundleEntry) error { return nil })
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.doc, err, c.want)
		}
	}
}

func TestEntryTarget(t *testing.T) {
	e := &bundleEntry{Resource: []byte(`{"resourceType":"Patient"}`)}
	e.Request = &struct {
		Method string `json:"method"`
		URL    string `json:"url"`
	}{"PUT", "http://x/STU3/Patient/p-1?_format=json"}
	if typ, id, err := e.target(); typ != "Patient" || id != "p-1" || err != nil {
		t.Errorf("PUT target: %s %s %v", typ, id, err)
	}
	e.Request.Method = "POST"
	if _, id, _ := e.target(); id != "" {
		t.Errorf("POST without id got id %q", id)
	}
}
