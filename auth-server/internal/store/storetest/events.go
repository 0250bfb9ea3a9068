package storetest

import (
	"testing"

	"github.com/smartgate/auth-server/internal/store"
)

var eventTests = []subtest{
	{"EventsAppendAndPage", testEventsAppendAndPage},
}

func testEventsAppendAndPage(t *testing.T, s store.Store) {
	var seqs []int64
	for i, typ := range []string{"login.succeeded", "login.failed", "key.rotated", "admin.user.deleted", "client.registered"} {
		e := &store.Event{At: at(i), Type: typ, Outcome: store.OutcomeSuccess, Actor: "demo-admin", Target: "user:bob", Address: "192.0.2.1", Detail: "d"}
		if err := s.AppendEvent(ctx(t), e); err != nil {
			t.Fatalf("AppendEvent: %v", err)
		}
		if len(seqs) > 0 && e.Seq <= seqs[len(seqs)-1] {
			t.Fatalf("Seq %d after %d: want increasing", e.Seq, seqs[len(seqs)-1])
		}
		seqs = append(seqs, e.Seq)
	}
	first, err := s.ListEvents(ctx(t), 0, 2)
	if err != nil || len(first) != 2 {
		t.Fatalf("ListEvents newest 2 = %v, %v", first, err)
	}
	if first[0].Type != "client.registered" || first[1].Type != "admin.user.deleted" || first[0].Seq != seqs[4] {
		t.Errorf("newest page = %s, %s; want client.registered, admin.user.deleted", first[0].Type, first[1].Type)
	}
	if !first[0].At.Equal(at(4)) || first[0].Actor != "demo-admin" || first[0].Target != "user:bob" || first[0].Address != "192.0.2.1" {
		t.Errorf("event read back = %+v", first[0])
	}
	rest, err := s.ListEvents(ctx(t), first[1].Seq, 10)
	if err != nil || len(rest) != 3 || rest[0].Type != "key.rotated" || rest[2].Type != "login.succeeded" {
		t.Fatalf("next page = %v, %v; want the 3 older events, newest first", rest, err)
	}
	if none, err := s.ListEvents(ctx(t), seqs[0], 10); err != nil || len(none) != 0 {
		t.Errorf("page before the first = %v, %v; want none", none, err)
	}
}
