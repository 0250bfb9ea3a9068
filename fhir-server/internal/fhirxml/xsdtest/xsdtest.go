// Package xsdtest validates XML documents against the official FHIR STU3
// schema in tests: schema/ holds fhir-single.xsd and the two schemas it
// imports, unchanged from the npm package fhir@3.3.1 (schemas/stu3/),
// and xmllint (Debian libxml2-utils) checks them.
package xsdtest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"
)

// Validate checks each document (by name) against fhir-single.xsd in
// one xmllint run, and fails t naming every document that does not
// validate. Without xmllint the test is skipped, or fails when
// SMARTGATE_REQUIRE_BACKENDS=1 (CI installs it).
func Validate(t testing.TB, docs map[string][]byte) {
	t.Helper()
	xmllint, err := exec.LookPath("xmllint")
	if err != nil {
		if os.Getenv("SMARTGATE_REQUIRE_BACKENDS") == "1" {
			t.Fatal("xmllint is not installed (Debian libxml2-utils) and SMARTGATE_REQUIRE_BACKENDS=1: the schema validation must run")
		}
		t.Skip("xmllint not installed: skipping validation against fhir-single.xsd (apt-get install libxml2-utils)")
	}
	if len(docs) == 0 {
		t.Fatal("no documents to validate")
	}
	dir := t.TempDir()
	names := make([]string, 0, len(docs))
	for name := range docs {
		names = append(names, name)
	}
	sort.Strings(names)
	args := []string{"--noout", "--nonet", "--schema", Schema()}
	files := map[string]string{}
	for i, name := range names {
		f := filepath.Join(dir, fmt.Sprintf("%04d.xml", i))
		if err := os.WriteFile(f, docs[name], 0o644); err != nil {
			t.Fatal(err)
		}
		files[f] = name
		args = append(args, f)
	}
	out, err := exec.Command(xmllint, args...).CombinedOutput()
	if err == nil {
		return
	}
	// Name the documents in xmllint's report.
	report := string(out)
	for f, name := range files {
		report = strings.ReplaceAll(report, f, name)
	}
	var failed []string
	for _, line := range strings.Split(report, "\n") {
		if !strings.HasSuffix(line, " validates") && line != "" {
			failed = append(failed, line)
		}
	}
	t.Errorf("documents do not validate against fhir-single.xsd (%v):\n%s", err, strings.Join(failed, "\n"))
	for _, name := range names {
		if strings.Contains(report, name+" fails") {
			t.Logf("%s:\n%s", name, docs[name])
		}
	}
}

// Schema is the path of fhir-single.xsd.
func Schema() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "schema", "fhir-single.xsd")
}
