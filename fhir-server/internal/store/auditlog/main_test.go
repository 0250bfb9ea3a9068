package auditlog_test

import (
	"os"
	"testing"

	"github.com/gin-gonic/gin"
)

// TestMain runs gin as the server does (cmd/fhir-server sets the mode):
// in release mode, without its debug lines.
func TestMain(m *testing.M) {
	gin.SetMode(gin.ReleaseMode)
	os.Exit(m.Run())
}
