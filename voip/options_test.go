package voip

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"
)

// readHeader returns include/voip.h.
func readHeader(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../include/voip.h")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// headerOptions parses the key/default table of voip_phone_set_option's
// comment in voip.h: lines ` *   "key"   "default"   meaning`.
func headerOptions(t *testing.T, h string) map[string]string {
	t.Helper()
	start := strings.Index(h, "/* Set one option")
	end := strings.Index(h, "VOIP_API int voip_phone_set_option(")
	if start < 0 || end < start {
		t.Fatal("voip.h: voip_phone_set_option's comment not found")
	}
	row := regexp.MustCompile(`(?m)^ \*\s+"([a-z_0-9]+)"\s+"([^"]*)"`)
	out := map[string]string{}
	for _, m := range row.FindAllStringSubmatch(h[start:end], -1) {
		if _, dup := out[m[1]]; dup {
			t.Errorf("voip.h documents option %q twice", m[1])
		}
		out[m[1]] = m[2]
	}
	return out
}

func TestOptionsMatchHeader(t *testing.T) {
	documented := headerOptions(t, readHeader(t))
	for _, o := range options {
		def, ok := documented[o.key]
		if !ok {
			t.Errorf("option %q is not documented in voip.h", o.key)
			continue
		}
		want := strings.ReplaceAll(o.def, Version, "<version>")
		if def != want {
			t.Errorf("option %q: voip.h says default %q, the table %q", o.key, def, want)
		}
		delete(documented, o.key)
	}
	for k := range documented {
		t.Errorf("voip.h documents option %q, which Set does not accept", k)
	}
}

func TestOptionDefaultsRoundTrip(t *testing.T) {
	c := DefaultConfig()
	for _, o := range options {
		if o.doc == "" {
			t.Errorf("option %q has no documentation", o.key)
		}
		got, err := c.Get(o.key)
		if o.format == nil {
			if err == nil {
				t.Errorf("Get(%q) = %q, want an error (write-only)", o.key, got)
			}
			continue
		}
		if err != nil || got != o.def {
			t.Errorf("Get(%q) of DefaultConfig = %q, %v; want %q", o.key, got, err, o.def)
		}
		if err := c.Set(o.key, got); err != nil {
			t.Errorf("Set(%q, %q) of its own default: %v", o.key, got, err)
		}
	}
	if len(OptionKeys) != len(options) {
		t.Errorf("OptionKeys has %d keys, the table %d", len(OptionKeys), len(options))
	}
}

func TestOptionRanges(t *testing.T) {
	tests := []struct {
		key, value string
		ok         bool
	}{
		{"register_expires", "0", true},
		{"register_expires", "604800", true},
		{"register_expires", "604801", false},
		{"register_expires", "2147483647", false},
		{"invite_timeout_ms", "86400000", true},
		{"invite_timeout_ms", "86400001", false},
		{"dtmf_payload_type", "0", true},
		{"dtmf_payload_type", "95", false},
		{"dtmf_payload_type", "96", true},
		{"dtmf_payload_type", "128", false},
		{"jitter_ms", "30", false},
		{"jitter_ms", "1000", true},
		{"bind_port", "65536", false},
		{"rtp_port_low", "0", false},
		{"no_such_key", "1", false},
		{"accept_any_user", "0", true},
		{"accept_any_user", "1", true},
		{"accept_any_user", "maybe", false},
		{"user_agent", "", true},
		{"user_agent", "a\r\nX-Injected: 1", false},
	}
	for _, tt := range tests {
		c := DefaultConfig()
		err := c.Set(tt.key, tt.value)
		if (err == nil) != tt.ok {
			t.Errorf("Set(%q, %q) = %v, want ok=%v", tt.key, tt.value, err, tt.ok)
		}
	}
}

// The version is defined once, in voip.h (VOIP_VERSION, which CMake
// reads); every other copy must match it.
func TestVersionMatchesHeader(t *testing.T) {
	h := readHeader(t)
	m := regexp.MustCompile(`(?m)^#define VOIP_VERSION "([^"]+)"`).FindStringSubmatch(h)
	if m == nil {
		t.Fatal("voip.h: no #define VOIP_VERSION")
	}
	want := m[1]
	parts := map[string]string{}
	for _, p := range []string{"MAJOR", "MINOR", "PATCH"} {
		pm := regexp.MustCompile(`(?m)^#define VOIP_VERSION_` + p + ` (\d+)`).FindStringSubmatch(h)
		if pm == nil {
			t.Fatalf("voip.h: no VOIP_VERSION_%s", p)
		}
		parts[p] = pm[1]
	}
	if got := parts["MAJOR"] + "." + parts["MINOR"] + "." + parts["PATCH"]; got != want {
		t.Errorf("voip.h: VOIP_VERSION_MAJOR.MINOR.PATCH = %s, VOIP_VERSION = %s", got, want)
	}
	if Version != want {
		t.Errorf("voip.Version = %q, voip.h VOIP_VERSION = %q", Version, want)
	}
	var pkg struct {
		Version string `json:"version"`
	}
	b, err := os.ReadFile("../bindings/node/package.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &pkg); err != nil {
		t.Fatal(err)
	}
	if pkg.Version != want {
		t.Errorf("bindings/node/package.json version %q, voip.h %q", pkg.Version, want)
	}
	for _, f := range []struct{ path, re string }{
		{"../bindings/python/pyproject.toml", `(?m)^version = "([^"]+)"`},
		{"../bindings/python/src/voip/__init__.py", `(?m)^__version__ = "([^"]+)"`},
	} {
		b, err := os.ReadFile(f.path)
		if err != nil {
			t.Fatal(err)
		}
		m := regexp.MustCompile(f.re).FindSubmatch(b)
		if m == nil || string(m[1]) != want {
			t.Errorf("%s: version %q, voip.h %q", f.path, m, want)
		}
	}
}
