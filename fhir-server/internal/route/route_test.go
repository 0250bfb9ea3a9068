package route_test

import (
	"errors"
	"testing"

	"github.com/smartgate/fhir-server/internal/fhirerr"
	"github.com/smartgate/fhir-server/internal/route"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		method, path string
		want         route.Route
		status       int // of the error; 0: none
	}{
		{"GET", "/STU3/metadata", route.Route{Open: true, Interaction: route.Capabilities, Template: "[base]/metadata"}, 0},
		{"POST", "/STU3/metadata", route.Route{Open: true, Interaction: route.Capabilities, Template: "[base]/metadata"}, 405},
		{"GET", "/STU3/.well-known/smart-configuration", route.Route{Open: true, Template: "[base]/.well-known/smart-configuration"}, 0},
		{"POST", "/STU3", route.Route{Interaction: route.Transaction, Template: "[base]"}, 0},
		{"GET", "/STU3/", route.Route{Interaction: route.Transaction, Template: "[base]"}, 405},
		{"GET", "/STU3/_history", route.Route{Interaction: route.HistorySystem, Template: "[base]/_history"}, 0},
		{"GET", "/STU3/Patient", route.Route{Interaction: route.Search, Type: "Patient", Template: "[base]/{type}"}, 0},
		{"POST", "/STU3/Patient", route.Route{Interaction: route.Create, Type: "Patient", Template: "[base]/{type}"}, 0},
		{"PUT", "/STU3/Patient", route.Route{Interaction: route.Search, Type: "Patient", Template: "[base]/{type}"}, 405},
		{"POST", "/STU3/Patient/_search", route.Route{Interaction: route.Search, Type: "Patient", Template: "[base]/{type}/_search"}, 0},
		{"GET", "/STU3/Patient/_history", route.Route{Interaction: route.HistoryType, Type: "Patient", Template: "[base]/{type}/_history"}, 0},
		{"GET", "/STU3/Patient/4", route.Route{Interaction: route.Read, Type: "Patient", ID: "4", Template: "[base]/{type}/{id}"}, 0},
		{"HEAD", "/STU3/Patient/4/", route.Route{Interaction: route.Read, Type: "Patient", ID: "4", Template: "[base]/{type}/{id}"}, 0},
		{"PUT", "/STU3/Patient/4", route.Route{Interaction: route.Update, Type: "Patient", ID: "4", Template: "[base]/{type}/{id}"}, 0},
		{"PUT", "/STU3/Patient/a_b", route.Route{Interaction: route.Update, Type: "Patient", ID: "a_b", Template: "[base]/{type}/{id}"}, 400},
		{"GET", "/STU3/Patient/a_b", route.Route{Interaction: route.Read, Type: "Patient", ID: "a_b", Template: "[base]/{type}/{id}"}, 404},
		{"DELETE", "/STU3/Patient/4", route.Route{Interaction: route.Delete, Type: "Patient", ID: "4", Template: "[base]/{type}/{id}"}, 0},
		{"PATCH", "/STU3/Patient/4", route.Route{Interaction: route.Read, Type: "Patient", ID: "4", Template: "[base]/{type}/{id}"}, 405},
		{"GET", "/STU3/Patient/4/_history", route.Route{Interaction: route.History, Type: "Patient", ID: "4", Template: "[base]/{type}/{id}/_history"}, 0},
		{"GET", "/STU3/Patient/4/_history/2", route.Route{Interaction: route.VRead, Type: "Patient", ID: "4", Version: 2, Template: "[base]/{type}/{id}/_history/{vid}"}, 0},
		{"GET", "/STU3/Patient/4/_history/0", route.Route{Interaction: route.VRead, Type: "Patient", ID: "4", Template: "[base]/{type}/{id}/_history/{vid}"}, 404},
		{"GET", "/STU3/Patient/4/x/y/z", route.Route{Interaction: route.History, Type: "Patient", ID: "4", Template: "[base]/other"}, 404},
		{"GET", "/STU3/Spaceship/1", route.Route{Interaction: route.Read, Type: "Spaceship", ID: "1", Template: "[base]/{type}/{id}"}, 404},
		{"GET", "/STU3/$export", route.Route{Interaction: route.Operation, Op: route.OpExport, Template: "[base]/$export"}, 0},
		{"POST", "/STU3/Patient/$export", route.Route{Interaction: route.Operation, Op: route.OpExport, Type: "Patient", Template: "[base]/{type}/$export"}, 0},
		{"GET", "/STU3/Group/g1/$export", route.Route{Interaction: route.Operation, Op: route.OpExport, Type: "Group", ID: "g1", Template: "[base]/{type}/{id}/$export"}, 0},
		{"GET", "/STU3/Observation/$export", route.Route{Interaction: route.Operation, Op: route.OpExport, Type: "Observation", Template: "[base]/{type}/$export"}, 404},
		{"PUT", "/STU3/$export", route.Route{Interaction: route.Operation, Op: route.OpExport, Template: "[base]/$export"}, 405},
		{"DELETE", "/STU3/$export-poll/j1", route.Route{Interaction: route.Operation, Op: route.OpExportPoll, ID: "j1", Template: "[base]/$export-poll/{job}"}, 0},
		{"POST", "/STU3/$export-poll/j1", route.Route{Interaction: route.Operation, Op: route.OpExportPoll, ID: "j1", Template: "[base]/$export-poll/{job}"}, 405},
		{"GET", "/STU3/$export-file/j1/2", route.Route{Interaction: route.Operation, Op: route.OpExportFile, ID: "j1", File: 2, Template: "[base]/$export-file/{job}/{n}"}, 0},
		{"GET", "/STU3/$export-file/j1/x", route.Route{Interaction: route.Operation, Op: route.OpExportFile, ID: "j1", Template: "[base]/$export-file/{job}/{n}"}, 404},
		{"GET", "/STU3/$everything", route.Route{Interaction: route.Search, Type: "$everything", Template: "[base]/other"}, 404},
	} {
		got, err := route.Parse("/STU3", tc.method, tc.path, "q=1")
		tc.want.Below, tc.want.Query = true, "q=1"
		if got != tc.want {
			t.Errorf("%s %s: %+v, want %+v", tc.method, tc.path, got, tc.want)
		}
		var e *fhirerr.Error
		switch {
		case tc.status == 0 && err != nil:
			t.Errorf("%s %s: %v", tc.method, tc.path, err)
		case tc.status != 0 && (!errors.As(err, &e) || e.Status != tc.status):
			t.Errorf("%s %s: error %v, want status %d", tc.method, tc.path, err, tc.status)
		}
	}
	for _, p := range []string{"/STU3x/Patient", "/healthz", "/"} {
		if r, err := route.Parse("/STU3", "GET", p, ""); r.Below || err != nil {
			t.Errorf("%s: %+v %v, want outside the base", p, r, err)
		}
	}
}

// A Bundle entry names no open route, and a load writes typ/id as the
// resource states them.
func TestEntriesAndPuts(t *testing.T) {
	if _, err := route.ParseEntry("GET", "metadata"); err == nil {
		t.Error("an entry reached [base]/metadata")
	}
	if r, err := route.ParseEntry("GET", "/Patient/4/_history/2"); err != nil || r.Interaction != route.VRead || r.Version != 2 {
		t.Errorf("entry vread: %+v %v", r, err)
	}
	if r, err := route.Put("Patient", "4"); err != nil || r.Interaction != route.Update || r.ID != "4" {
		t.Errorf("put: %+v %v", r, err)
	}
	for _, bad := range [][2]string{{"Patient", "a/b"}, {"", "4"}, {"Spaceship", "4"}} {
		if _, err := route.Put(bad[0], bad[1]); err == nil {
			t.Errorf("put %s/%s: no error", bad[0], bad[1])
		}
	}
}
