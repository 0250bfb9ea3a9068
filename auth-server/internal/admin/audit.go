package admin

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"
)

// auditPageSize is how many security events a page shows.
const auditPageSize = 50

// auditPage is GET /admin/audit?before=SEQ: the auth-server's security
// events, newest first, a page at a time.
func (h *Handler) auditPage(c *gin.Context) {
	before, _ := strconv.ParseInt(c.Query("before"), 10, 64)
	list, err := h.Events.List(c.Request.Context(), before, auditPageSize+1)
	if err != nil {
		h.unavailable(c, "list the security events", err)
		return
	}
	var older int64
	if len(list) > auditPageSize {
		list = list[:auditPageSize]
		older = list[len(list)-1].Seq
	}
	h.render(c, browser(c), http.StatusOK, "audit", "Audit", page{Data: map[string]any{
		"Events": list, "Older": older, "Paged": before > 0}})
}
