package bulkexport

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/smartgate/fhir-server/internal/access"
	"github.com/smartgate/fhir-server/internal/fhirerr"
	"github.com/smartgate/fhir-server/internal/route"
	"github.com/smartgate/fhir-server/internal/search"
)

// maxGroupMembers bounds the patients of one Group export: the job's
// plan names each.
const maxGroupMembers = 10_000

// groupMembers returns the ids of the active Patient members of Group
// id, which the client must be allowed to read under its system/ scopes
// (a granular scope's conditions apply: a Group outside them is absent).
func (x *Exports) groupMembers(ctx context.Context, id string, authorize Authorizer) ([]string, error) {
	g, err := authorize(ctx, access.Access{Interaction: route.Operation, Type: "Group"})
	if err != nil {
		return nil, err
	}
	q, _, err := search.Parse("Group", url.Values{"_id": {id}}, search.ParseOptions{Strict: true})
	if err != nil {
		return nil, err
	}
	q.Clauses, q.Count, q.Total = append(q.Clauses, g.Clauses...), 1, search.TotalNone
	page, err := x.o.Reader.Search(ctx, q)
	if err != nil {
		return nil, err
	}
	if len(page.Matches) == 0 {
		return nil, fhirerr.Errorf(http.StatusNotFound, "not-found", "Group/%s not found", id)
	}
	var group struct {
		Member []struct {
			Entity struct {
				Reference string `json:"reference"`
			} `json:"entity"`
			Inactive bool `json:"inactive"`
		} `json:"member"`
	}
	if err := json.Unmarshal(page.Matches[0].Body, &group); err != nil {
		return nil, err
	}
	var out []string
	for _, m := range group.Member {
		ref := strings.TrimPrefix(m.Entity.Reference, x.base+"/")
		pid, ok := strings.CutPrefix(ref, "Patient/")
		if m.Inactive || !ok || !route.ValidID(pid) || slices.Contains(out, pid) {
			continue
		}
		out = append(out, pid)
	}
	if len(out) > maxGroupMembers {
		return nil, fhirerr.Errorf(http.StatusBadRequest, "too-costly", "Group/%s has %d active Patient members; an export takes at most %d", id, len(out), maxGroupMembers)
	}
	return out, nil
}
