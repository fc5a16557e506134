package media

import (
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/libvoip/libvoip/internal/audiotest"
	"github.com/zaf/g711"
)

// wavFile builds a WAV file: format tag, channels, rate, bits and the
// interleaved sample bytes.
func wavFile(format, channels, rate, bits int, data []byte, extensible bool) []byte {
	fmtLen := 16
	if extensible {
		fmtLen = 40
	}
	b := make([]byte, 0, 44+len(data)+24)
	le := binary.LittleEndian
	b = append(b, "RIFF"...)
	b = le.AppendUint32(b, uint32(4+8+fmtLen+8+len(data)))
	b = append(b, "WAVEfmt "...)
	b = le.AppendUint32(b, uint32(fmtLen))
	tag := format
	if extensible {
		tag = wavExtensible
	}
	b = le.AppendUint16(b, uint16(tag))
	b = le.AppendUint16(b, uint16(channels))
	b = le.AppendUint32(b, uint32(rate))
	b = le.AppendUint32(b, uint32(rate*channels*bits/8))
	b = le.AppendUint16(b, uint16(channels*bits/8))
	b = le.AppendUint16(b, uint16(bits))
	if extensible {
		b = le.AppendUint16(b, 22)
		b = le.AppendUint16(b, uint16(bits))
		b = le.AppendUint32(b, 0)
		b = le.AppendUint16(b, uint16(format))
		b = append(b, make([]byte, 14)...)
	}
	b = append(b, "LIST"...) // an unknown chunk to skip
	b = le.AppendUint32(b, 3)
	b = append(b, 'a', 'b', 'c', 0)
	b = append(b, "data"...)
	b = le.AppendUint32(b, uint32(len(data)))
	return append(b, data...)
}

// toneWAV encodes a tone of hz for ms at rate in format; with two
// channels, the right channel holds the tone and the left silence, so a
// mixdown keeps it (at half level).
func toneWAV(t testing.TB, format, channels, rate, bits int, hz float64, ms int) []byte {
	t.Helper()
	pcm := audiotest.Tone(make([]int16, rate*ms/1000), hz, 0.5, rate, nil)
	var data []byte
	for _, v := range pcm {
		for c := 0; c < channels; c++ {
			if channels == 2 && c == 0 {
				v2 := int16(0)
				data = appendSample(data, format, bits, v2)
				continue
			}
			data = appendSample(data, format, bits, v)
		}
	}
	return wavFile(format, channels, rate, bits, data, false)
}

func appendSample(b []byte, format, bits int, v int16) []byte {
	switch {
	case format == wavALaw:
		return append(b, g711.EncodeAlawFrame(v))
	case format == wavMuLaw:
		return append(b, g711.EncodeUlawFrame(v))
	case bits == 8:
		return append(b, byte(int(v>>8)+128))
	}
	return binary.LittleEndian.AppendUint16(b, uint16(v))
}

func TestDecodeWAVFormats(t *testing.T) {
	for _, tc := range []struct {
		name                         string
		format, channels, rate, bits int
	}{
		{"pcm16 mono 8k", wavPCM, 1, 8000, 16},
		{"pcm8 mono 8k", wavPCM, 1, 8000, 8},
		{"ulaw mono 8k", wavMuLaw, 1, 8000, 8},
		{"alaw stereo 8k", wavALaw, 2, 8000, 8},
		{"pcm16 stereo 44.1k", wavPCM, 2, 44100, 16},
	} {
		pcm, info, err := DecodeWAV(toneWAV(t, tc.format, tc.channels, tc.rate, tc.bits, 1000, 500))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if info.Rate != tc.rate || info.Channels != tc.channels || len(pcm) != tc.rate/2 {
			t.Errorf("%s: %+v, %d samples", tc.name, info, len(pcm))
		}
		hz, rms := audiotest.DominantFrequency(pcm, tc.rate)
		wantRMS := 0.5 * 32767 / math.Sqrt2 / float64(tc.channels)
		if math.Abs(hz-1000) > 3 || math.Abs(rms-wantRMS) > wantRMS*0.1 {
			t.Errorf("%s: %.1f Hz at RMS %.0f, want 1000 Hz at %.0f", tc.name, hz, rms, wantRMS)
		}
	}
	ext := wavFile(wavMuLaw, 1, 8000, 8, []byte{0xFF, 0xFF}, true)
	if pcm, info, err := DecodeWAV(ext); err != nil || info.Format != wavMuLaw || len(pcm) != 2 {
		t.Errorf("extensible µ-law: %v %+v", err, info)
	}
}

func TestDecodeWAVErrors(t *testing.T) {
	good := toneWAV(t, wavPCM, 1, 8000, 16, 440, 100)
	noFmt := append([]byte("RIFF\x04\x00\x00\x00WAVE"), "data\x02\x00\x00\x00\x00\x00"...)
	for _, tc := range []struct {
		name string
		b    []byte
		want error
	}{
		{"empty", nil, ErrCorrupt},
		{"not RIFF", []byte("hello, this is not a wav file"), ErrCorrupt},
		{"truncated data", good[:len(good)-10], ErrCorrupt},
		{"truncated header", good[:30], ErrCorrupt},
		{"no fmt", noFmt, ErrCorrupt},
		{"float32", wavFile(3, 1, 8000, 32, make([]byte, 8), false), ErrFormat},
		{"pcm 24-bit", wavFile(wavPCM, 1, 8000, 24, make([]byte, 6), false), ErrFormat},
		{"g729", wavFile(0x83, 1, 8000, 1, make([]byte, 6), false), ErrFormat},
		{"rate 0", wavFile(wavPCM, 1, 0, 16, make([]byte, 6), false), ErrFormat},
		{"9 channels", wavFile(wavPCM, 9, 8000, 16, make([]byte, 18), false), ErrFormat},
	} {
		if _, _, err := DecodeWAV(tc.b); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	if _, err := NewPlayer(wavFile(wavPCM, 1, 8000, 16, nil, false), 8000, PlayerOptions{}); !errors.Is(err, ErrCorrupt) {
		t.Errorf("no audio: %v", err)
	}
	if _, err := OpenPlayer(filepath.Join(t.TempDir(), "missing.wav"), 8000, PlayerOptions{}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	if _, err := CreateRecorder(filepath.Join(t.TempDir(), "no", "dir.wav"), 8000, RecorderOptions{}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("recorder in a missing directory: %v", err)
	}
}
