package main

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"time"

	"github.com/google/uuid"

	"github.com/smartgate/fhir-server/internal/app"
	"github.com/smartgate/fhir-server/internal/audit"
	"github.com/smartgate/fhir-server/internal/store/auditlog"
)

const (
	base   = "http://fhir.bench/STU3"
	issuer = "http://auth.bench"
	span   = 30 * 24 * time.Hour // the events spread over the last 30 days
)

// resourceTypes are the types of a patient's record the events name.
var resourceTypes = []string{"Observation", "Condition", "Encounter", "MedicationRequest", "Procedure", "AllergyIntolerance"}

// logUnderTest is the filled log served by the server, and values
// its events name, for the searches.
type logUnderTest struct {
	h        http.Handler
	patients []string
	clients  []string
	agents   []string
	entities []string // a sample of the references the events name
	end      time.Time
}

// fill records o.events AuditEvents in a's log through a recorder of its
// own (in batches of o.batch, with a clock that spreads them over span)
// and returns the server over it.
func fill(ctx context.Context, a *app.App, o options) (*logUnderTest, error) {
	ls := a.Store
	l := &logUnderTest{h: a.Handler}
	for i := range o.patients {
		l.patients = append(l.patients, fmt.Sprint("pat-", i))
	}
	for i := range o.clients {
		l.clients = append(l.clients, fmt.Sprint("client-", i))
	}
	for i := range 200 {
		l.agents = append(l.agents, fmt.Sprint("Practitioner/pr-", i))
	}
	step := span / time.Duration(o.events)
	l.end = time.Now().UTC().Truncate(time.Millisecond)
	start := l.end.Add(-span)
	// The recorder's clock and its ids (UUIDv7, which carry the instant
	// they were made), read by its writer goroutine only.
	clock := start
	ids := rand.New(rand.NewPCG(5, 6))
	journal, err := os.MkdirTemp("", "auditbench-journal")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(journal)
	rec, err := audit.New(ctx, audit.Options{Journal: journal,
		Store: ls, BaseURL: base, BatchSize: o.batch, QueueSize: max(4*o.batch, 10000), FlushInterval: 10 * time.Millisecond,
		Now:   func() time.Time { clock = clock.Add(step); return clock },
		NewID: func() string { return uuidV7(clock, ids) },
	})
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(1, 2))
	sampleEvery := max(1, o.events/(4*o.queries))
	for i := range o.events {
		e := l.event(rng, i, start.Add(time.Duration(i)*step))
		if i%sampleEvery == 0 && len(e.Entities) > 0 && e.Entities[0].ID != "" {
			l.entities = append(l.entities, e.Entities[0].Type+"/"+e.Entities[0].ID)
		}
		for {
			err := rec.Record(e)
			if err == nil {
				break
			}
			if !errors.Is(err, audit.ErrBusy) {
				return nil, err
			}
			if err := ctx.Err(); err != nil {
				rec.Close(context.Background())
				return nil, err
			}
			time.Sleep(50 * time.Microsecond) // the queue is full: the writer is storing a batch
		}
	}
	if err := rec.Close(ctx); err != nil {
		return nil, err
	}
	// As the server's indexer does within a second of each append.
	if err := ls.IndexKeysNow(ctx); err != nil {
		return nil, err
	}
	return l, nil
}

// event is the i-th request: 55% reads of a resource in a patient's
// record, 5% reads of the Patient, 25% searches of a type for a patient,
// 10% writes creating or updating a resource in a patient's record, 5%
// reads of a practitioner; a third of them by a user (a practitioner)
// through a client, the rest by a client alone; one in twenty refused.
func (l *logUnderTest) event(rng *rand.Rand, i int, at time.Time) auditlog.Event {
	e := auditlog.Event{Recorded: at, Status: 200, Address: fmt.Sprintf("10.0.%d.%d", rng.IntN(4), rng.IntN(250)),
		Issuer: issuer, ClientID: l.clients[rng.IntN(len(l.clients))], RequestID: fmt.Sprintf("%032x", rng.Uint64())}
	e.Subject = e.ClientID
	if rng.IntN(20) == 0 {
		e.Status = 403
	}
	agent := l.agents[rng.IntN(len(l.agents))]
	if rng.IntN(3) == 0 {
		e.Subject, e.FHIRUser = "user-"+agent[len("Practitioner/"):], agent
	}
	patient := l.patients[rng.IntN(len(l.patients))]
	typ := resourceTypes[rng.IntN(len(resourceTypes))]
	switch r := rng.IntN(100); {
	case r < 55:
		e.Interaction, e.Patients = "read", []string{patient}
		e.Entities = []auditlog.Entity{{Type: typ, ID: fmt.Sprintf("%s-%s-%d", typ, patient, rng.IntN(5)), Interaction: "read"}}
	case r < 60:
		e.Interaction, e.Patients = "read", []string{patient}
		e.Entities = []auditlog.Entity{{Type: "Patient", ID: patient, Interaction: "read"}}
	case r < 85:
		e.Interaction, e.Patients = "search-type", []string{patient}
		e.Entities = []auditlog.Entity{{Type: typ, Interaction: "search-type", Query: "patient=" + patient}}
	case r < 95:
		e.Interaction, e.Patients = "create", []string{patient}
		e.Entities = []auditlog.Entity{{Type: typ, ID: fmt.Sprintf("%s-w%d", typ, i), Interaction: "create"}}
	default:
		e.Interaction = "read"
		e.Entities = []auditlog.Entity{{Type: "Practitioner", ID: agent[len("Practitioner/"):], Interaction: "read"}}
	}
	return e
}

// uuidV7 returns a version-7 UUID made at.
func uuidV7(at time.Time, rng *rand.Rand) string {
	var u uuid.UUID
	binary.BigEndian.PutUint64(u[8:], rng.Uint64())
	binary.BigEndian.PutUint64(u[:8], uint64(at.UnixMilli())<<16|rng.Uint64()&0x0fff)
	u[6] = 0x70 | u[6]&0x0f // version 7
	u[8] = 0x80 | u[8]&0x3f // RFC 4122 variant
	return u.String()
}
