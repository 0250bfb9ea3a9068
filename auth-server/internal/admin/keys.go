package admin

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// keysPage is GET /admin/keys: the key set (kid, algorithm, created,
// retired, which key signs new tokens), with "rotate now" and "retire
// early".
func (h *Handler) keysPage(c *gin.Context) {
	list, err := h.Keys.List(c.Request.Context())
	if err != nil {
		h.unavailable(c, "list the keys", err)
		return
	}
	h.render(c, browser(c), http.StatusOK, "keys", "Signing keys", page{Data: map[string]any{
		"Keys": list, "Delay": h.KeyRetireDelay.String()}})
}
