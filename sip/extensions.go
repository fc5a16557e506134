package sip

import "strings"

// supportedExtensions are the option tags (RFC 3261 §19.2) a request may
// Require of us.
var supportedExtensions = map[string]bool{
	"replaces": true, // RFC 3891
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
