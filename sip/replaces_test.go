package sip

import "testing"

func TestParseReferTo(t *testing.T) {
	tests := []struct {
		in       string
		uri      string
		replaces string
		ok       bool
	}{
		{"<sip:bob@example.com>", "sip:bob@example.com", "", true},
		{"sip:bob@example.com;x=1", "sip:bob@example.com", "", true},
		{`"Bob" <sip:bob@h:5070;transport=udp>;p=1`, "sip:bob@h:5070;transport=udp", "", true},
		{"<sip:c@h?Replaces=abc%40h%3Bto-tag%3D1%3Bfrom-tag%3D2>", "sip:c@h", "abc@h;to-tag=1;from-tag=2", true},
		{"<sip:c@h?Subject=x&replaces=id%3Bfrom-tag%3DF%3Bto-tag%3DT>", "sip:c@h", "id;from-tag=F;to-tag=T", true},
		{"<sip:c@h?Replaces=id%3Bto-tag%3D1>", "", "", false}, // no from-tag
		{"<sip:c@h?Replaces=%zz>", "", "", false},
		{"<sip:c@h", "", "", false},
		{"<>", "", "", false},
	}
	for _, tt := range tests {
		got, err := ParseReferTo(tt.in)
		if (err == nil) != tt.ok {
			t.Errorf("ParseReferTo(%q) error %v, want ok=%v", tt.in, err, tt.ok)
			continue
		}
		if tt.ok && (got.URI != tt.uri || got.Replaces != tt.replaces) {
			t.Errorf("ParseReferTo(%q) = %+v, want %q %q", tt.in, got, tt.uri, tt.replaces)
		}
	}
}

// TestReferToRoundTrip: a Replaces whose Call-ID holds characters that
// would end or corrupt a URI header ('@', '?', '%', ':') survives String
// and ParseReferTo, and its ';' and '=' are escaped.
func TestReferToRoundTrip(t *testing.T) {
	ref := DialogRef{CallID: "a%b+c@h:1?x", ToTag: "T1", FromTag: "F2"}
	in := ReferTarget{URI: "sip:bob@127.0.0.1:5070", Replaces: ref.String()}
	s := in.String()
	for _, bad := range []string{";to-tag", "@h", "?x", "%b", "=T1"} {
		if containsStr(s, bad) {
			t.Errorf("Refer-To %q holds %q unescaped", s, bad)
		}
	}
	out, err := ParseReferTo(s)
	if err != nil || out != in {
		t.Fatalf("round trip of %+v: %+v, %v", in, out, err)
	}
	if r, err := ParseReplaces(out.Replaces); err != nil || r != ref {
		t.Errorf("ParseReplaces: %+v, %v", r, err)
	}
}

func containsStr(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

func TestParseSipfrag(t *testing.T) {
	tests := []struct {
		body string
		want ReferProgress
		ok   bool
	}{
		{"SIP/2.0 100 Trying\r\n", ReferProgress{Code: 100, Reason: "Trying"}, true},
		{"SIP/2.0 180 Ringing\r\nContact: <sip:x@y>\r\n", ReferProgress{Code: 180, Reason: "Ringing"}, true},
		{"SIP/2.0 200 OK", ReferProgress{Code: 200, Reason: "OK", Final: true}, true},
		{"SIP/2.0 603 Declined\r\n", ReferProgress{Code: 603, Reason: "Declined", Final: true}, true},
		{"SIP/2.0 486", ReferProgress{Code: 486, Final: true}, true},
		{"INVITE sip:x SIP/2.0", ReferProgress{}, false},
		{"SIP/2.0 99 Low", ReferProgress{}, false},
		{"", ReferProgress{}, false},
	}
	for _, tt := range tests {
		got, ok := parseSipfrag([]byte(tt.body))
		if ok != tt.ok || got != tt.want {
			t.Errorf("parseSipfrag(%q) = %+v %v, want %+v %v", tt.body, got, ok, tt.want, tt.ok)
		}
	}
}

func TestUnsupportedExtensions(t *testing.T) {
	tests := map[string]string{
		"replaces":           "",
		" Replaces ":         "",
		"replaces, 100rel":   "",
		"100rel, timer":      "", // RFC 4028 (session_timer.go)
		"100rel, foo":        "foo",
		"foo,bar":            "foo, bar",
		"":                   "",
		"replaces,,timer, x": "x",
	}
	for in, want := range tests {
		if got := unsupportedExtensions(in); got != want {
			t.Errorf("unsupportedExtensions(%q) = %q, want %q", in, got, want)
		}
	}
}
