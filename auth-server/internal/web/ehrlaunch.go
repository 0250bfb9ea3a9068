package web

import (
	"context"
	"errors"

	"github.com/smartgate/auth-server/internal/launch"
	"github.com/smartgate/auth-server/internal/oauth"
	"github.com/smartgate/auth-server/internal/store"
)

// redeemLaunch consumes the launch id of an EHR launch at /authorize.
// The request must ask for the launch scope; the launch must exist, be
// unexpired, unused and created for this client. Refusals go back to
// the client (its redirect URI is checked by then) as invalid_request.
func (h *Handler) redeemLaunch(ctx context.Context, req *oauth.AuthorizeRequest, id string) (*flowLaunch, error) {
	if !req.Has(launch.Scope) {
		return nil, req.Refuse(oauth.ErrInvalidRequest.WithDescription("the launch parameter needs the launch scope"))
	}
	if h.Launches == nil {
		return nil, req.Refuse(oauth.ErrInvalidRequest.WithDescription("this server takes no EHR launches"))
	}
	l, err := h.Launches.Redeem(ctx, id, req.ClientID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, req.Refuse(oauth.ErrInvalidRequest.WithDescription("unknown, expired or already used launch, or one created for another application"))
	}
	if err != nil {
		return nil, err
	}
	return &flowLaunch{UserID: l.UserID, PatientName: l.PatientName, Context: l.Context}, nil
}
