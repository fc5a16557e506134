package sip

import (
	"fmt"
	"strings"
)

// This file is the presence event package's body (RFC 3856 with PIDF,
// RFC 3863, and the RPID activities of RFC 4480): read by a pure, bounded
// function and written for PUBLISH and NOTIFY.

// PIDFType is the content type of a PIDF body.
const PIDFType = "application/pidf+xml"

// Presence is a presentity's state as a PIDF document tells it.
type Presence struct {
	Entity string // the presentity's URI
	// Basic is "open" when any tuple is open, else "closed".
	Basic string
	// Note is the first note of a tuple, the document or a person.
	Note string
	// Activities are the RPID activities' names ("busy", "away",
	// "on-the-phone", ...).
	Activities []string
}

// maxActivities bounds the activities read.
const maxActivities = 16

// ParsePIDF reads a PIDF document: a presence root with at least one
// tuple whose status has a basic of open or closed.
func ParsePIDF(body []byte) (Presence, error) {
	var p Presence
	root, err := parseXMLTree(body)
	if err != nil {
		return p, err
	}
	if root.Name != "presence" {
		return p, fmt.Errorf("%w: PIDF root is <%s>, not <presence>", ErrBadBody, clip(root.Name))
	}
	p.Entity = root.Attrs["entity"]
	tuples := 0
	for _, c := range root.Children {
		switch c.Name {
		case "tuple":
			st := c.child("status")
			if st == nil {
				return p, fmt.Errorf("%w: PIDF tuple without status", ErrBadBody)
			}
			basic := strings.ToLower(st.text("basic"))
			if basic != "open" && basic != "closed" {
				return p, fmt.Errorf("%w: PIDF basic %q", ErrBadBody, clip(basic))
			}
			tuples++
			if basic == "open" || p.Basic == "" {
				p.Basic = basic
			}
			if p.Note == "" {
				p.Note = c.text("note")
			}
		case "note":
			if p.Note == "" {
				p.Note = strings.TrimSpace(c.Text)
			}
		case "person":
			p.readPerson(c)
		}
	}
	if tuples == 0 {
		return p, fmt.Errorf("%w: PIDF without a tuple", ErrBadBody)
	}
	return p, nil
}

// readPerson takes the activities and note of an RPID person element.
func (p *Presence) readPerson(n *xmlNode) {
	if a := n.child("activities"); a != nil {
		for _, c := range a.Children {
			if len(p.Activities) < maxActivities && c.Name != "note" {
				p.Activities = append(p.Activities, c.Name)
			}
		}
	}
	if p.Note == "" {
		p.Note = n.text("note")
	}
}

// FormatPIDF writes p as a PIDF document with one tuple, and an RPID
// person with its activities when there are any.
func FormatPIDF(p Presence) []byte {
	basic := "closed"
	if strings.EqualFold(p.Basic, "open") {
		basic = "open"
	}
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\r\n")
	b.WriteString(`<presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model"` +
		` xmlns:rpid="urn:ietf:params:xml:ns:pidf:rpid" entity="` + xmlEscape(p.Entity) + `">` + "\r\n")
	b.WriteString(`<tuple id="t1"><status><basic>` + basic + `</basic></status>`)
	if p.Note != "" {
		b.WriteString(`<note>` + xmlEscape(p.Note) + `</note>`)
	}
	b.WriteString("</tuple>\r\n")
	if len(p.Activities) > 0 {
		b.WriteString(`<dm:person id="p1"><rpid:activities>`)
		for _, a := range p.Activities {
			if isXMLName(a) {
				b.WriteString("<rpid:" + a + "/>")
			}
		}
		b.WriteString("</rpid:activities></dm:person>\r\n")
	}
	b.WriteString("</presence>\r\n")
	return []byte(b.String())
}
