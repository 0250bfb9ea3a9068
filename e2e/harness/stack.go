package harness

import (
	"fmt"
	"testing"
)

// Stack is an auth-server and a fhir-server wired together as docker-compose
// and `make run` wire them, on loopback ports with fresh data directories.
type Stack struct {
	Auth    *Process
	FHIR    *Process
	Issuer  string // auth-server issuer, e.g. http://127.0.0.1:41234
	FHIRURL string // FHIR base URL, e.g. http://127.0.0.1:41235/STU3
}

// StackOptions tune a stack; the zero value is the demo configuration.
type StackOptions struct {
	AuthEnv []string // extra environment for the auth-server
	FHIREnv []string // extra environment for the fhir-server
	NoDemo  bool
}

// StartStack builds both binaries and starts the auth-server, then the
// fhir-server pointed at it.
func StartStack(t testing.TB, o StackOptions) *Stack {
	t.Helper()
	bins := Build(t)
	ports := FreePorts(t, 2)
	authPort, fhirPort := ports[0], ports[1]
	s := &Stack{
		Issuer:  fmt.Sprintf("http://127.0.0.1:%d", authPort),
		FHIRURL: fmt.Sprintf("http://127.0.0.1:%d/STU3", fhirPort),
	}
	demo := "true"
	if o.NoDemo {
		demo = "false"
	}
	dir := t.TempDir()
	authEnv := append([]string{
		fmt.Sprintf("AUTH_LISTEN_ADDR=127.0.0.1:%d", authPort),
		"AUTH_ISSUER=" + s.Issuer,
		"AUTH_DATA_DIR=" + dir + "/auth",
		"AUTH_DEMO=" + demo,
		"FHIR_BASE_URL=" + s.FHIRURL,
	}, o.AuthEnv...)
	s.Auth = Start(t, "auth-server", bins.AuthServer, s.Issuer, authEnv)
	fhirEnv := append([]string{
		fmt.Sprintf("FHIR_LISTEN_ADDR=127.0.0.1:%d", fhirPort),
		"FHIR_BASE_URL=" + s.FHIRURL,
		"FHIR_DATA_DIR=" + dir + "/fhir",
		"FHIR_DEMO=" + demo,
		"FHIR_AUTH_ISSUER=" + s.Issuer,
	}, o.FHIREnv...)
	s.FHIR = Start(t, "fhir-server", bins.FHIRServer, fmt.Sprintf("http://127.0.0.1:%d", fhirPort), fhirEnv)
	return s
}
