package api

import (
	"context"
	"errors"

	"github.com/smartgate/fhir-server/internal/outcome"
	"github.com/smartgate/fhir-server/internal/search"
	"github.com/smartgate/fhir-server/internal/store"
)

// Observer is told what each request below the base (the open routes
// aside) did. The audit recorder is one: it keeps a record of every
// request, and a client must not be told of a request it has not
// recorded.
type Observer interface {
	// Written is called in the store transaction of the request's writes
	// once they have succeeded, with what that transaction stored: an
	// observer keeping a record of writes appends it to tx here, so the
	// writes and their record commit together or not at all. An error
	// rolls the writes back and answers the request.
	Written(ctx context.Context, tx store.Tx, o *outcome.Outcome, writes []store.Write) error
	// Finished is called once the response is known, before it leaves:
	// an error (an *fhirerr.Error) withholds the response, and the
	// client is answered the error instead.
	Finished(ctx context.Context, o *outcome.Outcome) error
}

// noting is a store transaction (or the store itself, for reads) that
// notes in the request's Outcome what the store hands the request, and
// keeps the writes it makes for the observers.
type noting struct {
	store.Tx
	out    *outcome.Outcome
	writes []store.Write
}

func (n *noting) Read(ctx context.Context, typ, id string) (*store.Resource, error) {
	r, err := n.Tx.Read(ctx, typ, id)
	n.out.Return(r) // a deletion comes back with ErrGone
	return r, err
}

func (n *noting) VRead(ctx context.Context, typ, id string, version int64) (*store.Resource, error) {
	r, err := n.Tx.VRead(ctx, typ, id, version)
	n.out.Return(r)
	return r, err
}

func (n *noting) Search(ctx context.Context, q *search.Query) (*store.Page, error) {
	p, err := n.Tx.Search(ctx, q)
	if err == nil {
		n.out.Return(p.Matches...)
		n.out.Return(p.Included...)
		n.out.Search(q.Type, len(p.Matches))
	}
	return p, err
}

func (n *noting) History(ctx context.Context, q store.HistoryQuery) (*store.HistoryPage, error) {
	p, err := n.Tx.History(ctx, q)
	if err == nil {
		n.out.Return(p.Versions...)
	}
	return p, err
}

func (n *noting) Put(ctx context.Context, w store.Write) error {
	if err := n.Tx.Put(ctx, w); err != nil {
		return err
	}
	n.writes = append(n.writes, w)
	return nil
}

// CurrentVersions keeps the store's optional batch lookup (see
// store.VersionReader); what it finds is not handed to the client.
func (n *noting) CurrentVersions(ctx context.Context, refs []store.Ref) (map[store.Ref]store.Current, error) {
	vr, ok := n.Tx.(store.VersionReader)
	if !ok {
		return nil, errors.ErrUnsupported
	}
	return vr.CurrentVersions(ctx, refs)
}
