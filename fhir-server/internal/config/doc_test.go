package config

import (
	"path/filepath"
	"testing"

	"github.com/smartgate/pkg/configdoc"
)

// Every setting is documented in config/fhir-server.yaml and in README's
// configuration reference, so the documentation cannot drift from the code.
func TestEverySettingIsDocumented(t *testing.T) {
	root := filepath.Join("..", "..", "..")
	configdoc.CheckDocumented(t, configdoc.Fields(Default()),
		filepath.Join(root, "config", "fhir-server.yaml"), filepath.Join(root, "README.md"))
}
