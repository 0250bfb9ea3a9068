package audit

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/smartgate/fhir-server/internal/outcome"
	"github.com/smartgate/fhir-server/internal/store"
	"github.com/smartgate/fhir-server/internal/store/auditlog"
)

// Written appends the AuditEvent of the writes one transaction of a
// request makes to the audit log, in that transaction (the Recorder is an
// observer of the API): a write and its audit record commit together or
// not at all. The event names each resource written, with the version it
// stored, and the patients whose compartments the written (and, for
// deletions and updates, the read) versions are in. AuditEvents a
// client creates are records themselves, appended by auditlog.Store.
func (r *Recorder) Written(ctx context.Context, tx store.Tx, o *outcome.Outcome, writes []store.Write) error {
	var ws []store.Write
	for _, w := range writes {
		if w.Resource.Type != auditlog.ResourceType {
			ws = append(ws, w)
		}
	}
	if len(ws) == 0 {
		return nil
	}
	ap, ok := tx.(store.AuditTx)
	if !ok {
		return errors.New("audit: the store's transactions cannot append to its audit log")
	}
	_, err := ap.AppendAudit(ctx, []store.AuditBlock{r.writeBlock(o, ws)})
	return err
}

// writeBlock encodes the AuditEvent of writes, with its keys.
func (r *Recorder) writeBlock(o *outcome.Outcome, writes []store.Write) store.AuditBlock {
	e := requestEvent(o)
	e.Recorded = r.now()
	e.Entities = make([]auditlog.Entity, 0, len(writes))
	for _, w := range writes {
		res := w.Resource
		e.Entities = append(e.Entities, auditlog.Entity{Type: res.Type, ID: res.ID, Interaction: writeKind(res), Version: strconv.FormatInt(res.VersionID, 10)})
	}
	e.Patients = r.patients(o, writes)
	if c := o.Claims; c != nil && c.Patient != "" {
		e.Patients = appendNew(e.Patients, c.Patient)
	}
	switch {
	case e.Interaction == "transaction" || e.Interaction == "batch" && len(writes) > 1:
		e.Interaction, e.Status = "transaction", http.StatusOK
	default:
		e.Interaction = e.Entities[0].Interaction
		e.Status = writeStatus(e.Interaction)
	}
	return r.enc.KeyedBlock(auditlog.Stamped{ID: r.newID(), At: r.now().UTC().Truncate(time.Millisecond), Event: e})
}

// writeKind names the interaction that stored res.
func writeKind(res store.Resource) string {
	switch {
	case res.Deleted:
		return "delete"
	case res.VersionID == 1:
		return "create"
	}
	return "update"
}

func writeStatus(interaction string) int {
	switch interaction {
	case "create":
		return http.StatusCreated
	case "delete":
		return http.StatusNoContent
	}
	return http.StatusOK
}
