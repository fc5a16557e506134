package rtp

import (
	"encoding/binary"
	"unsafe"
)

// littleEndian: the host stores int16 as s16le, so converting is a copy.
var littleEndian = func() bool {
	x := uint16(1)
	return *(*byte)(unsafe.Pointer(&x)) == 1
}()

// bytesOf is the memory of pcm as bytes (a byte pointer is always aligned).
func bytesOf(pcm []int16) []byte {
	if len(pcm) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&pcm[0])), 2*len(pcm))
}

// PCMFromS16LE converts little-endian signed 16-bit samples in b into dst and
// returns dst[:len(b)/2]; a trailing odd byte is ignored. dst is reused when
// its capacity is large enough; otherwise a new slice is allocated.
func PCMFromS16LE(dst []int16, b []byte) []int16 {
	n := len(b) / 2
	dst = grow(dst, n)
	if littleEndian {
		copy(bytesOf(dst), b[:2*n])
		return dst
	}
	for i := range dst {
		dst[i] = int16(binary.LittleEndian.Uint16(b[2*i:]))
	}
	return dst
}

// S16LEFromPCM converts pcm into little-endian signed 16-bit bytes in dst and
// returns dst[:2*len(pcm)]. dst is reused when its capacity is large enough;
// otherwise a new slice is allocated.
func S16LEFromPCM(dst []byte, pcm []int16) []byte {
	dst = grow(dst, 2*len(pcm))
	if littleEndian {
		copy(dst, bytesOf(pcm))
		return dst
	}
	for i, s := range pcm {
		binary.LittleEndian.PutUint16(dst[2*i:], uint16(s))
	}
	return dst
}

// PCMFromU8 converts 8-bit unsigned linear samples (the format pyVoIP hands
// to applications, 128 being silence) into 16-bit samples:
// sample = (int16(b) - 128) << 8. It returns dst[:len(b)], reusing dst when
// its capacity is large enough.
func PCMFromU8(dst []int16, b []byte) []int16 {
	dst = grow(dst, len(b))
	for i, v := range b {
		dst[i] = (int16(v) - 128) << 8
	}
	return dst
}

// U8FromPCM converts 16-bit samples into 8-bit unsigned linear samples,
// keeping the high byte: b = uint8((s >> 8) + 128). It returns
// dst[:len(pcm)], reusing dst when its capacity is large enough.
func U8FromPCM(dst []byte, pcm []int16) []byte {
	dst = grow(dst, len(pcm))
	for i, s := range pcm {
		dst[i] = uint8((s >> 8) + 128)
	}
	return dst
}
