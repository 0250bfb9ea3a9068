package config

// Admin configures the admin console.
type Admin struct {
	// FHIRClientID and FHIRClientSecret name the configured client whose
	// system/AuditEvent.read the console reads the FHIR server's
	// AuditEvents with; in demo mode they default to demo-system.
	FHIRClientID     string `yaml:"fhir_client_id" env:"FHIR_CLIENT_ID"`
	FHIRClientSecret string `yaml:"fhir_client_secret" env:"FHIR_CLIENT_SECRET"`
}

// DemoAdminFHIRClient is the demo's client for the console's AuditEvents.
const (
	DemoAdminFHIRClient = "demo-system"
	demoAdminFHIRSecret = "demo-system-secret"
)

// AdminFHIRClient is the client id and secret of the console's AuditEvent
// reads ("" when none is configured outside demo mode).
func (c Config) AdminFHIRClient() (id, secret string) {
	if c.Admin.FHIRClientID == "" && c.Demo {
		return DemoAdminFHIRClient, demoAdminFHIRSecret
	}
	return c.Admin.FHIRClientID, c.Admin.FHIRClientSecret
}
