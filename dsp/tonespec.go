package dsp

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// DTMF frequencies (ITU-T Q.23): rows then columns.
var (
	dtmfRows = [4]float64{697, 770, 852, 941}
	dtmfCols = [4]float64{1209, 1336, 1477, 1633}
)

// dtmfKeys lays the keypad out by row and column.
const dtmfKeys = "123A456B789C*0#D"

// DTMFFrequencies returns the row and column frequencies of a DTMF key
// (0-9, *, #, A-D; a-d accepted), and false for anything else.
func DTMFFrequencies(key byte) (row, col float64, ok bool) {
	if key >= 'a' && key <= 'd' {
		key -= 'a' - 'A'
	}
	i := strings.IndexByte(dtmfKeys, key)
	if i < 0 {
		return 0, 0, false
	}
	return dtmfRows[i/4], dtmfCols[i%4], true
}

// DTMFTone is the cadence of a key sequence: each key sounds for on
// milliseconds followed by off milliseconds of silence, played once.
func DTMFTone(keys string, on, off int) (Tone, error) {
	if keys == "" {
		return Tone{}, fmt.Errorf("%w: no DTMF keys", ErrToneSpec)
	}
	t := Tone{Segments: make([]Segment, 0, len(keys))}
	for i := 0; i < len(keys); i++ {
		r, c, ok := DTMFFrequencies(keys[i])
		if !ok {
			return Tone{}, fmt.Errorf("%w: %q is not a DTMF key", ErrToneSpec, keys[i])
		}
		t.Segments = append(t.Segments, Segment{F1: r, F2: c, On: on, Off: off})
	}
	return t, nil
}

// preset returns the spec of a named call-progress tone. US values are
// ANSI T1.401 / Telcordia; EU values are the ITU-T E.180 / ETSI ES 201 970
// recommendations (425 Hz).
func preset(name string) (string, bool) {
	switch name {
	case "dial:us":
		return "350+440", true
	case "dial:eu":
		return "425", true
	case "ringback:us":
		return "440+480/2000/4000", true
	case "ringback:eu":
		return "425/1000/4000", true
	case "busy:us":
		return "480+620/500/500", true
	case "busy:eu":
		return "425/500/500", true
	case "congestion:us", "reorder:us":
		return "480+620/250/250", true
	case "congestion:eu", "reorder:eu":
		return "425/200/200", true
	case "callwaiting:us":
		return "440/300/9700", true
	case "callwaiting:eu":
		return "425/200/200,425/200/9400", true
	}
	return "", false
}

// ParseTone reads a tone description:
//
//   - a preset: dial, ringback, busy, congestion (or reorder) or
//     callwaiting, followed by ":us" or ":eu" (":us" when omitted), e.g.
//     "ringback:eu";
//   - "dtmf:<keys>": each key for 100 ms with 100 ms of silence after it,
//     played once, e.g. "dtmf:123#";
//   - a cadence: segments separated by commas, each
//     "<f1>[+<f2>][/<on ms>[/<off ms>]]" (frequencies in Hz, 0 for a pause),
//     repeated for ever, e.g. "440+480/2000/4000" or "425/200/200,425/200/9400";
//     a segment without an on time sounds continuously and must be the only
//     or last one, e.g. "350+440";
//   - "once:" followed by a preset or cadence: played once instead of
//     repeated, e.g. "once:880/500" (a half-second beep).
func ParseTone(spec string) (Tone, error) {
	spec = strings.ToLower(strings.TrimSpace(spec))
	if keys, ok := strings.CutPrefix(spec, "dtmf:"); ok {
		return DTMFTone(keys, 100, 100)
	}
	if rest, ok := strings.CutPrefix(spec, "once:"); ok {
		if strings.HasPrefix(rest, "once:") || strings.HasPrefix(rest, "dtmf:") {
			return Tone{}, fmt.Errorf("%w: once: takes a preset or a cadence", ErrToneSpec)
		}
		t, err := ParseTone(rest)
		if err == nil && t.Segments[len(t.Segments)-1].On == 0 {
			err = fmt.Errorf("%w: a continuous tone cannot be played once", ErrToneSpec)
		}
		t.Loop = false
		return t, err
	}
	if spec != "" && spec[0] >= 'a' && spec[0] <= 'z' {
		name := spec
		if !strings.Contains(name, ":") {
			name += ":us"
		}
		p, ok := preset(name)
		if !ok {
			return Tone{}, fmt.Errorf("%w: unknown preset %q", ErrToneSpec, spec)
		}
		spec = p
	}
	var t Tone
	for _, part := range strings.Split(spec, ",") {
		seg, err := parseSegment(part)
		if err != nil {
			return Tone{}, fmt.Errorf("%w: segment %q: %w", ErrToneSpec, part, err)
		}
		t.Segments = append(t.Segments, seg)
	}
	t.Loop = true
	if err := t.validate(192000); err != nil {
		return Tone{}, err
	}
	return t, nil
}

func parseSegment(s string) (Segment, error) {
	fields := strings.Split(strings.TrimSpace(s), "/")
	if len(fields) > 3 {
		return Segment{}, errors.New("more than freqs/on/off")
	}
	var seg Segment
	freqs := strings.Split(fields[0], "+")
	if len(freqs) > 2 {
		return Segment{}, errors.New("more than two frequencies")
	}
	for i, f := range freqs {
		v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil {
			return Segment{}, fmt.Errorf("frequency %q", f)
		}
		if i == 0 {
			seg.F1 = v
		} else {
			seg.F2 = v
		}
	}
	for i, d := range fields[1:] {
		v, err := strconv.Atoi(strings.TrimSpace(d))
		if err != nil || v < 0 {
			return Segment{}, fmt.Errorf("duration %q", d)
		}
		if i == 0 {
			seg.On = v
			if v == 0 {
				return Segment{}, errors.New("on time 0")
			}
		} else {
			seg.Off = v
		}
	}
	return seg, nil
}
