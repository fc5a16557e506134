package media

import (
	"errors"
	"testing"
)

// FuzzDecodeWAV: any bytes give audio or ErrFormat/ErrCorrupt, never a
// panic, and a decoded file's samples fit its data.
func FuzzDecodeWAV(f *testing.F) {
	f.Add(EncodeWAV([]int16{1, -2, 3, -4}, 8000, 1))
	f.Add(EncodeWAV([]int16{1, -2, 3, -4}, 44100, 2))
	f.Add([]byte("RIFF\x10\x00\x00\x00WAVEjunk"))
	f.Add(wavFile(wavMuLaw, 1, 8000, 8, []byte{0xFF, 0x7F}, true))
	f.Fuzz(func(t *testing.T, b []byte) {
		pcm, info, err := DecodeWAV(b)
		if err != nil {
			if !errors.Is(err, ErrFormat) && !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error %v is neither ErrFormat nor ErrCorrupt", err)
			}
			return
		}
		if info.Channels < 1 || len(pcm)*info.Channels*info.Bits/8 > len(b) {
			t.Fatalf("%d samples of %+v from %d bytes", len(pcm), info, len(b))
		}
	})
}
