package sip

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// This file is the bounded XML walk the PIDF and dialog-info parsers
// share: encoding/xml tokens, namespaces reduced to local names, depth and
// element counts capped, no entity expansion beyond XML's own five.

// Bounds of an XML event body.
const (
	maxXMLDepth    = 32
	maxXMLElements = 4096
)

// xmlNode is an element with its attributes (by local name), its text and
// its children.
type xmlNode struct {
	Name     string
	Attrs    map[string]string
	Text     string
	Children []*xmlNode
}

// child is the first child named name, nil when none.
func (n *xmlNode) child(name string) *xmlNode {
	for _, c := range n.Children {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// text is the trimmed text of the first child named name, "" when none.
func (n *xmlNode) text(name string) string {
	if c := n.child(name); c != nil {
		return strings.TrimSpace(c.Text)
	}
	return ""
}

// parseXMLTree reads body into a tree, within the bounds above.
func parseXMLTree(body []byte) (*xmlNode, error) {
	if len(body) > maxEventBody {
		return nil, fmt.Errorf("%w: XML body of %d bytes", ErrBadBody, len(body))
	}
	dec := xml.NewDecoder(bytes.NewReader(body))
	dec.Strict = true
	var stack []*xmlNode
	var root *xmlNode
	count := 0
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrBadBody, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			count++
			if count > maxXMLElements || len(stack) >= maxXMLDepth {
				return nil, fmt.Errorf("%w: XML too large or too deep", ErrBadBody)
			}
			n := &xmlNode{Name: t.Name.Local, Attrs: map[string]string{}}
			for _, a := range t.Attr {
				n.Attrs[a.Name.Local] = a.Value
			}
			if len(stack) == 0 {
				if root != nil {
					return nil, fmt.Errorf("%w: two root elements", ErrBadBody)
				}
				root = n
			} else {
				p := stack[len(stack)-1]
				p.Children = append(p.Children, n)
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].Text += string(t)
			}
		case xml.Directive:
			return nil, fmt.Errorf("%w: XML directives are not allowed", ErrBadBody)
		}
	}
	if root == nil {
		return nil, fmt.Errorf("%w: no XML element", ErrBadBody)
	}
	return root, nil
}

// xmlEscape escapes s for XML text or an attribute.
func xmlEscape(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// isXMLName reports whether s is a plain XML name: a letter, then
// letters, digits, '-', '_' or '.'.
func isXMLName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		other := c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.'
		if !letter && (i == 0 || !other) {
			return false
		}
	}
	return s != ""
}
