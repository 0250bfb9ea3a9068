package security_test

import (
	"strings"
	"testing"
)

// A patient/*.* token for patient 1 probes ids with PUT and DELETE:
// another patient's existing or deleted resource, a free id and its own
// deleted resource all answer the same 404 (creation under patient/
// scopes goes through POST), directly and in batch and transaction
// entries; nothing is created or taken over. user/ scopes keep
// update-as-create.
func TestPatientWritesCannotProbeOrTakeOverIds(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		admin := e.token("user/*.*", "")
		obs := func(id, patient string) string {
			return `{"resourceType":"Observation","id":"` + id + `","status":"final","code":{"text":"x"},"subject":{"reference":"Patient/` + patient + `"}}`
		}
		for _, p := range []string{"1", "2"} {
			e.do("PUT", "/Observation/gone"+p, admin, obs("gone"+p, p)).expect(t, 201)
			e.do("DELETE", "/Observation/gone"+p, admin, "").expect(t, 204)
		}
		tok := e.token("patient/*.*", "1")
		same := func(t *testing.T, r response, id string) {
			t.Helper()
			d := r.outcome(t, 404)
			if want := "Observation/" + id + " not found"; !strings.HasPrefix(d, want) {
				t.Errorf("diagnostics %q, want %q...", d, want)
			}
			if strings.Contains(d, "deleted") || strings.Contains(d, "compartment of") {
				t.Errorf("diagnostics tell more than absence: %q", d)
			}
		}
		for _, c := range []struct{ name, id string }{
			{"another patient's resource", "lab2"},
			{"another patient's deleted resource", "gone2"},
			{"a free id", "free1"},
			{"its own deleted resource", "gone1"},
		} {
			t.Run("PUT "+c.name, func(t *testing.T) {
				same(t, e.do("PUT", "/Observation/"+c.id, tok, obs(c.id, "1")), c.id)
				same(t, e.doWith("PUT", "/Observation/"+c.id, tok, obs(c.id, "1"), "If-Match", `W/"1"`), c.id)
			})
		}
		t.Run("PUT another patient's record and a new Patient", func(t *testing.T) {
			e.do("PUT", "/Patient/2", tok, `{"resourceType":"Patient","id":"2","name":[{"family":"Mine"}]}`).outcome(t, 404)
			e.do("PUT", "/Patient/p9", tok, `{"resourceType":"Patient","id":"p9","name":[{"family":"Mine"}]}`).outcome(t, 404)
		})
		for _, c := range []struct{ name, id string }{
			{"another patient's resource", "lab2"},
			{"another patient's deleted resource", "gone2"},
			{"a free id", "free1"},
		} {
			t.Run("DELETE "+c.name, func(t *testing.T) {
				same(t, e.do("DELETE", "/Observation/"+c.id, tok, ""), c.id)
			})
		}
		t.Run("batch entries", func(t *testing.T) {
			r := e.do("POST", "", tok, `{"resourceType":"Bundle","type":"batch","entry":[
				{"resource":`+obs("lab2", "1")+`,"request":{"method":"PUT","url":"Observation/lab2"}},
				{"resource":`+obs("gone2", "1")+`,"request":{"method":"PUT","url":"Observation/gone2"}},
				{"resource":`+obs("free2", "1")+`,"request":{"method":"PUT","url":"Observation/free2"}},
				{"request":{"method":"DELETE","url":"Observation/gone2"}},
				{"request":{"method":"DELETE","url":"Observation/lab2"}}]}`)
			r.expect(t, 200)
			for i, s := range entryStatuses(t, r.body) {
				if !strings.HasPrefix(s, "404") {
					t.Errorf("entry %d: %s", i, s)
				}
			}
		})
		t.Run("transaction entries", func(t *testing.T) {
			for _, en := range []string{
				`{"resource":` + obs("gone2", "1") + `,"request":{"method":"PUT","url":"Observation/gone2"}}`,
				`{"resource":` + obs("free3", "1") + `,"request":{"method":"PUT","url":"Observation/free3"}}`,
				`{"request":{"method":"DELETE","url":"Observation/gone2"}}`,
			} {
				e.do("POST", "", tok, `{"resourceType":"Bundle","type":"transaction","entry":[`+en+`]}`).outcome(t, 404)
			}
		})

		// Nothing was created or taken over.
		e.do("GET", "/Observation/gone2", admin, "").outcome(t, 410)
		for _, id := range []string{"free1", "free2", "free3"} {
			e.do("GET", "/Observation/"+id, admin, "").outcome(t, 404)
		}
		e.do("GET", "/Patient/p9", admin, "").outcome(t, 404)
		if r := e.do("GET", "/Observation/gone2/_history", admin, ""); !strings.Contains(string(r.body), `"total":2`) {
			t.Errorf("history of gone2: %s", r.body)
		}
		for _, path := range []string{"/Observation/lab2", "/Patient/2"} {
			if r := e.do("GET", path, admin, ""); r.status != 200 || !strings.Contains(string(r.body), `"versionId":"1"`) {
				t.Errorf("%s changed: %d %s", path, r.status, r.body)
			}
		}

		// What stays allowed: updating and deleting inside the own
		// compartment (deleting again is a no-op), the own record, and
		// update-as-create under user/ scopes.
		e.do("PUT", "/Observation/lab1", tok, `{"resourceType":"Observation","id":"lab1","status":"amended","code":{"text":"Hb"},"subject":{"reference":"Patient/1"}}`).expect(t, 200)
		e.do("PUT", "/Patient/1", tok, `{"resourceType":"Patient","id":"1","name":[{"family":"Fam1"}]}`).expect(t, 200)
		e.do("DELETE", "/Observation/vital1", tok, "").expect(t, 204)
		e.do("DELETE", "/Observation/vital1", tok, "").expect(t, 204)
		e.do("DELETE", "/Observation/gone1", tok, "").expect(t, 204)
		e.do("PUT", "/Observation/byuser", admin, obs("byuser", "2")).expect(t, 201)
		e.do("PUT", "/Observation/gone2", admin, obs("gone2", "2")).expect(t, 201)
	})
}
