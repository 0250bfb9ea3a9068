package revocation

import (
	"context"
	"strconv"
	"strings"

	"github.com/smartgate/auth-server/internal/store"
	"github.com/smartgate/pkg/token"
)

// FeedPageSize is the most entries one answer of the feed holds (about
// 130 bytes each), far below what a resource server reads in one answer.
const FeedPageSize = 5000

// Feed returns one page of the revocation feed after the cursor since
// (empty: from the beginning). A cursor this store did not give (another
// store, data lost, garbage) also starts from the beginning, with Reset
// set. Both lists are non-nil, so they marshal as [].
func (r *Revoker) Feed(ctx context.Context, since string) (*token.FeedDocument, error) {
	page, err := r.revoked.RevocationsSince(ctx, parseCursor(since), FeedPageSize)
	if err != nil {
		return nil, err
	}
	doc := &token.FeedDocument{
		Revoked:        make([]token.Revoked, 0, len(page.Tokens)),
		RevokedClients: make([]token.RevokedClient, 0, len(page.Clients)),
		Cursor:         formatCursor(page.Next),
		Reset:          page.Reset,
		More:           page.More,
	}
	now := r.now()
	for _, r := range page.Tokens {
		if !r.ExpiresAt.After(now) {
			continue
		}
		e := token.Revoked{ID: r.JTI, Expiry: r.ExpiresAt.Unix(), ClientID: r.ClientID}
		if r.ClientID != "" {
			e.IssuedAt = r.IssuedAt.Unix()
		}
		doc.Revoked = append(doc.Revoked, e)
	}
	for _, r := range page.Clients {
		if r.ExpiresAt.After(now) {
			doc.RevokedClients = append(doc.RevokedClients, token.RevokedClient{
				ClientID: r.ClientID, Before: r.RevokedAt.Unix(), Expiry: r.ExpiresAt.Unix(),
			})
		}
	}
	return doc, nil
}

// A cursor is "<epoch>.<position>": opaque to readers.
func formatCursor(p store.FeedPosition) string {
	return p.Epoch + "." + strconv.FormatInt(p.Seq, 10)
}

// parseCursor reads a cursor; anything else is the zero position, which
// no store's epoch matches.
func parseCursor(s string) store.FeedPosition {
	epoch, seq, ok := strings.Cut(s, ".")
	n, err := strconv.ParseInt(seq, 10, 64)
	if !ok || err != nil || epoch == "" || n < 0 {
		return store.FeedPosition{}
	}
	return store.FeedPosition{Epoch: epoch, Seq: n}
}
