package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/smartgate/auth-server/internal/clientauth"
	"github.com/smartgate/auth-server/internal/oauth"
)

// revocations is GET /revocations[?since=<cursor>], the feed of revoked
// access tokens for resource servers (token.FeedDocument, README
// "Endpoints"): one page of at most revocation.FeedPageSize entries after the
// cursor, with the cursor to ask from next. Only clients listed in
// revocation_feed_clients may read it.
func (a *api) revocations(c *gin.Context) {
	client, _ := clientauth.FromContext(c.Request.Context())
	if !a.feedReader[client.ID] {
		a.abort(c, oauth.ErrAccessDenied.WithDescription("this client may not read the revocation feed"))
		return
	}
	feed, err := a.Revocation.Feed(c.Request.Context(), c.Query("since"))
	if err != nil {
		a.Log.ErrorContext(c.Request.Context(), "revocation feed", "err", err)
		a.abort(c, oauth.ErrTemporarilyUnavailable)
		return
	}
	noStore(c)
	c.JSON(http.StatusOK, feed)
}
