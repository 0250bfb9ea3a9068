package demo

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"strings"
	"time"
)

// documents writes a clinic letter for the last visit and, for some
// patients, a hospital discharge summary; each is a Binary followed by the
// DocumentReference that points at it.
func (c *chart) documents() {
	last := len(c.visits) - 1
	c.document(0, c.visits[last].Add(2*time.Hour), last)
	if c.r.IntN(2) == 0 {
		c.document(1, c.visits[0].AddDate(0, 0, -10-c.r.IntN(60)), -1)
	}
}

// document writes document kind t (index into documentTypes) created at
// the given time, tied to visit v (-1: none).
func (c *chart) document(t int, created time.Time, v int) {
	kind := documentTypes[t]
	title := fmt.Sprintf("%s for %s %s, %s", kind.display, c.who.given, c.who.family, created.Format("2 January 2006"))
	body := c.letter(kind.display, created)
	content := []byte(body)
	if kind.contentType == "application/pdf" {
		content = pdf(title, body)
	}

	binID := c.nextID("bin")
	bin := resource("Binary", binID, "")
	bin["contentType"] = kind.contentType
	bin["content"] = base64.StdEncoding.EncodeToString(content)
	c.add(bin)

	doc := resource("DocumentReference", c.nextID("doc"), "")
	doc["status"] = "current"
	doc["type"] = codeable(snomed, kind.concept)
	doc["subject"] = c.patientRef()
	doc["created"] = dateTime(created)
	doc["indexed"] = instant(created.Add(time.Minute))
	doc["description"] = title
	author, custodian := c.gpRef(), c.practiceRef()
	if v < 0 {
		author = reference("Organization", orgID(hospitalIndex), hospital.name)
		custodian = author
	}
	doc["author"] = []any{author}
	doc["custodian"] = custodian
	doc["content"] = []any{object{"attachment": object{
		"contentType": kind.contentType,
		"url":         "Binary/" + binID,
		"size":        len(content),
		"title":       title,
		"creation":    dateTime(created),
	}}}
	if v >= 0 {
		doc["context"] = object{"encounter": c.encounterRef(v)}
	}
	c.add(doc)
}

// letter is the plain text of a document.
func (c *chart) letter(kind string, at time.Time) string {
	gp := practices[c.practice].gps[c.gp%2]
	return strings.Join([]string{
		kind,
		"Date: " + at.Format("2 January 2006"),
		fmt.Sprintf("Patient: %s %s %s, born %s", c.who.prefix, c.who.given, c.who.family, c.birth.Format("2 January 2006")),
		"Practice: " + practices[c.practice].name,
		"",
		"Seen today. Observations recorded and medication reviewed.",
		"Plan: continue current treatment and review in three months.",
		"",
		fmt.Sprintf("Dr %s %s", gp[2], gp[1]),
		"This is demonstration data about a fictitious person.",
	}, "\n") + "\n"
}

// pdf renders lines of text as a small, well-formed one-page PDF.
func pdf(title, text string) []byte {
	var stream strings.Builder
	stream.WriteString("BT /F1 11 Tf 56 780 Td 14 TL\n")
	for _, line := range append([]string{title, ""}, strings.Split(strings.TrimRight(text, "\n"), "\n")...) {
		r := strings.NewReplacer(`\`, `\\`, "(", `\(`, ")", `\)`)
		fmt.Fprintf(&stream, "(%s) Tj T*\n", r.Replace(line))
	}
	stream.WriteString("ET")

	objects := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", stream.Len(), stream.String()),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offsets := make([]int, len(objects))
	for i, o := range objects {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objects)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objects)+1, xref)
	return b.Bytes()
}
