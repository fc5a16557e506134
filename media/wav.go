package media

import (
	"encoding/binary"
	"fmt"

	"github.com/zaf/g711"
)

// WAV format tags.
const (
	wavPCM        = 1
	wavALaw       = 6
	wavMuLaw      = 7
	wavExtensible = 0xFFFE
	wavHeaderSize = 44
	// maxWAVBytes bounds the audio a player loads into memory (about 35
	// minutes of 16-bit stereo at 48 kHz).
	maxWAVBytes = 400 << 20
)

// WAVInfo describes a WAV file's audio.
type WAVInfo struct {
	Format   int // 1 PCM, 6 A-law, 7 µ-law
	Channels int
	Rate     int
	Bits     int
}

// DecodeWAV reads a WAV file's audio as mono 16-bit samples (channels
// mixed down by averaging) at the file's own rate. It accepts PCM 16-bit
// and 8-bit, A-law and µ-law (also in WAVE_FORMAT_EXTENSIBLE), 1 to 8
// channels, any rate from 1000 to 192000 Hz. Errors wrap ErrFormat or
// ErrCorrupt.
func DecodeWAV(b []byte) ([]int16, WAVInfo, error) {
	if len(b) < 12 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return nil, WAVInfo{}, fmt.Errorf("%w: not a RIFF/WAVE file", ErrCorrupt)
	}
	var info WAVInfo
	var data []byte
	haveFmt := false
	for p := 12; p+8 <= len(b); {
		id, size := string(b[p:p+4]), int(binary.LittleEndian.Uint32(b[p+4:]))
		body := b[p+8:]
		switch {
		case id == "data" && (size == 0 || size == 0xFFFFFFFF):
			size = len(body) // written by a streaming tool that never came back
		case size > len(body):
			return nil, WAVInfo{}, fmt.Errorf("%w: chunk %q declares %d bytes, %d present", ErrCorrupt, id, size, len(body))
		}
		switch id {
		case "fmt ":
			var err error
			if info, err = parseFmt(body[:size]); err != nil {
				return nil, WAVInfo{}, err
			}
			haveFmt = true
		case "data":
			data = body[:size]
		}
		p += 8 + size + size&1
	}
	if !haveFmt || data == nil {
		return nil, WAVInfo{}, fmt.Errorf("%w: no fmt or data chunk", ErrCorrupt)
	}
	if len(data) > maxWAVBytes {
		return nil, WAVInfo{}, fmt.Errorf("%w: more than %d bytes of audio", ErrFormat, maxWAVBytes)
	}
	return mixdown(data, info), info, nil
}

func parseFmt(b []byte) (WAVInfo, error) {
	if len(b) < 16 {
		return WAVInfo{}, fmt.Errorf("%w: fmt chunk of %d bytes", ErrCorrupt, len(b))
	}
	le := binary.LittleEndian
	info := WAVInfo{Format: int(le.Uint16(b[0:])), Channels: int(le.Uint16(b[2:])),
		Rate: int(le.Uint32(b[4:])), Bits: int(le.Uint16(b[14:]))}
	if info.Format == wavExtensible {
		if len(b) < 26 {
			return WAVInfo{}, fmt.Errorf("%w: short WAVE_FORMAT_EXTENSIBLE", ErrCorrupt)
		}
		info.Format = int(le.Uint16(b[24:])) // the sub-format GUID's first field
	}
	ok := info.Format == wavPCM && (info.Bits == 16 || info.Bits == 8) ||
		(info.Format == wavALaw || info.Format == wavMuLaw) && info.Bits == 8
	if !ok {
		return WAVInfo{}, fmt.Errorf("%w: format %d with %d bits (PCM 8/16-bit, A-law and µ-law are supported)", ErrFormat, info.Format, info.Bits)
	}
	if info.Channels < 1 || info.Channels > 8 {
		return WAVInfo{}, fmt.Errorf("%w: %d channels", ErrFormat, info.Channels)
	}
	if info.Rate < 1000 || info.Rate > 192000 {
		return WAVInfo{}, fmt.Errorf("%w: sample rate %d", ErrFormat, info.Rate)
	}
	return info, nil
}

// mixdown decodes interleaved frames into mono samples.
func mixdown(data []byte, info WAVInfo) []int16 {
	width := info.Bits / 8
	frames := len(data) / (width * info.Channels)
	out := make([]int16, frames)
	for i := range out {
		sum := 0
		for c := 0; c < info.Channels; c++ {
			sum += int(sample(data[(i*info.Channels+c)*width:], info))
		}
		out[i] = int16(sum / info.Channels)
	}
	return out
}

func sample(b []byte, info WAVInfo) int16 {
	switch {
	case info.Format == wavALaw:
		return g711.DecodeAlawFrame(b[0])
	case info.Format == wavMuLaw:
		return g711.DecodeUlawFrame(b[0])
	case info.Bits == 8:
		return int16(int(b[0])-128) << 8
	}
	return int16(binary.LittleEndian.Uint16(b))
}

// wavHeader writes a 44-byte header of 16-bit PCM with dataBytes of audio.
func wavHeader(h []byte, rate, channels int, dataBytes uint32) {
	le := binary.LittleEndian
	copy(h[0:], "RIFF")
	le.PutUint32(h[4:], 36+dataBytes)
	copy(h[8:], "WAVEfmt ")
	le.PutUint32(h[16:], 16)
	le.PutUint16(h[20:], wavPCM)
	le.PutUint16(h[22:], uint16(channels))
	le.PutUint32(h[24:], uint32(rate))
	le.PutUint32(h[28:], uint32(rate*channels*2))
	le.PutUint16(h[32:], uint16(channels*2))
	le.PutUint16(h[34:], 16)
	copy(h[36:], "data")
	le.PutUint32(h[40:], dataBytes)
}

// EncodeWAV returns a 16-bit PCM WAV file of interleaved samples.
func EncodeWAV(samples []int16, rate, channels int) []byte {
	out := make([]byte, wavHeaderSize+2*len(samples))
	wavHeader(out, rate, channels, uint32(2*len(samples)))
	for i, v := range samples {
		binary.LittleEndian.PutUint16(out[wavHeaderSize+2*i:], uint16(v))
	}
	return out
}
