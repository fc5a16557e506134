package dsp

import (
	"errors"
	"testing"
)

// FuzzParseTone: any spec is a tone or ErrToneSpec, never a panic; a tone
// that parses plays a second at 8 kHz without trouble.
func FuzzParseTone(f *testing.F) {
	for _, s := range []string{"ringback:us", "440+480/2000/4000", "dtmf:123#", "once:880/500",
		"425/200/200,425/200/9400", "350+440", "0/100,1000/100/100"} {
		f.Add(s)
	}
	buf := make([]int16, 160)
	f.Fuzz(func(t *testing.T, spec string) {
		tone, err := ParseTone(spec)
		if err != nil {
			if !errors.Is(err, ErrToneSpec) {
				t.Fatalf("ParseTone(%q): %v is not ErrToneSpec", spec, err)
			}
			return
		}
		g, err := NewToneGenerator(tone, 8000, 0)
		if err != nil {
			if !errors.Is(err, ErrToneSpec) {
				t.Fatalf("NewToneGenerator(%q): %v", spec, err)
			}
			return
		}
		for range 50 {
			if n := g.Read(buf); n < 0 || n > len(buf) {
				t.Fatalf("Read gave %d", n)
			}
		}
	})
}
