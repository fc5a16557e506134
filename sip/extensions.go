package sip

import (
	"strings"

	gosip "github.com/emiago/sipgo/sip"
)

// supportedExtensions are the option tags (RFC 3261 §19.2) a request may
// Require of us.
var supportedExtensions = map[string]bool{
	tag100rel:  true, // RFC 3262
	"replaces": true, // RFC 3891
	tagTimer:   true, // RFC 4028
}

// unsupportedExtensions is the comma-separated list of the option tags in
// a Require value that we do not support, "" when there are none.
func unsupportedExtensions(require string) string {
	var bad []string
	for _, t := range strings.Split(require, ",") {
		if t = strings.TrimSpace(t); t != "" && !supportedExtensions[strings.ToLower(t)] {
			bad = append(bad, t)
		}
	}
	return strings.Join(bad, ", ")
}

// unsupportedRequire lists, comma-separated, the option tags of req's
// Require headers that we do not implement (RFC 3261 §8.2.2.3); "" when
// none.
func unsupportedRequire(req *gosip.Request) string {
	var bad []string
	for _, h := range req.GetHeaders("Require") {
		if b := unsupportedExtensions(h.Value()); b != "" {
			bad = append(bad, b)
		}
	}
	return strings.Join(bad, ", ")
}
