package rtp

// Opus (RFC 6716) through libopus. The library is linked statically
// (libopus.a from Debian's libopus-dev) so that libvoip.so needs no other
// shared library. Encoder and decoder states live in Go memory: libopus
// states hold no pointers into themselves (only offsets), Go's heap does
// not move, and C keeps nothing between calls, so no C allocation, no
// Close and no finalizer are needed.

/*
#cgo LDFLAGS: -l:libopus.a -lm
#include <opus/opus.h>

static int voip_opus_enc_init(void *st, int rate, int bitrate, int complexity) {
	int err = opus_encoder_init((OpusEncoder *)st, rate, 1, OPUS_APPLICATION_VOIP);
	if (err != OPUS_OK) return err;
	err = opus_encoder_ctl((OpusEncoder *)st, OPUS_SET_BITRATE(bitrate));
	if (err != OPUS_OK) return err;
	err = opus_encoder_ctl((OpusEncoder *)st, OPUS_SET_COMPLEXITY(complexity));
	if (err != OPUS_OK) return err;
	err = opus_encoder_ctl((OpusEncoder *)st, OPUS_SET_INBAND_FEC(1));
	if (err != OPUS_OK) return err;
	return opus_encoder_ctl((OpusEncoder *)st, OPUS_SET_PACKET_LOSS_PERC(5));
}

static int voip_opus_encode(void *st, const opus_int16 *pcm, int n, unsigned char *out, int max) {
	return opus_encode((OpusEncoder *)st, pcm, n, out, max);
}

static int voip_opus_dec_init(void *st, int rate) {
	return opus_decoder_init((OpusDecoder *)st, rate, 1);
}

static int voip_opus_decode(void *st, const unsigned char *data, int len, opus_int16 *pcm, int n) {
	return opus_decode((OpusDecoder *)st, data, len, pcm, n, 0);
}
*/
import "C"

import (
	"fmt"
	"unsafe"
)

const (
	opusBitrate    = 32000 // bit/s: wideband speech with room to spare
	opusComplexity = 5     // half of libopus's range: a fraction of the cost of 10
)

func opusRateOK(rate int) bool {
	switch rate {
	case 8000, 12000, 16000, 24000, 48000:
		return true
	}
	return false
}

func opusError(what string, code C.int) error {
	return fmt.Errorf("%w: opus %s: %s", ErrCodec, what, C.GoString(C.opus_strerror(code)))
}

// opusEncoder is a mono libopus encoder in Go memory.
type opusEncoder struct {
	state []byte // OpusEncoder, 8-byte aligned ([]uint64 backing)
	rate  int
}

func newOpusEncoder(rate int) (*opusEncoder, error) {
	if !opusRateOK(rate) {
		return nil, fmt.Errorf("%w: opus cannot encode at %d Hz", ErrCodec, rate)
	}
	e := &opusEncoder{state: alignedState(int(C.opus_encoder_get_size(1))), rate: rate}
	if err := e.init(); err != nil {
		return nil, err
	}
	return e, nil
}

func (e *opusEncoder) init() error {
	if r := C.voip_opus_enc_init(unsafe.Pointer(&e.state[0]), C.int(e.rate), opusBitrate, opusComplexity); r != C.OPUS_OK {
		return opusError("encoder", r)
	}
	return nil
}

// Encode codes one frame (2.5 to 60 ms at the encoder's rate).
func (e *opusEncoder) Encode(dst []byte, pcm []int16) (int, error) {
	if len(pcm) == 0 || len(dst) == 0 {
		return 0, fmt.Errorf("%w: opus encode of an empty frame", ErrCodec)
	}
	r := C.voip_opus_encode(unsafe.Pointer(&e.state[0]), (*C.opus_int16)(unsafe.Pointer(&pcm[0])),
		C.int(len(pcm)), (*C.uchar)(unsafe.Pointer(&dst[0])), C.int(len(dst)))
	if r < 0 {
		return 0, opusError("encode", r)
	}
	return int(r), nil
}

// Reset returns the encoder to its initial state.
func (e *opusEncoder) Reset() { _ = e.init() }

// opusDecoder is a mono libopus decoder in Go memory; it downmixes a
// stereo stream.
type opusDecoder struct {
	state []byte
	rate  int
}

func newOpusDecoder(rate int) (*opusDecoder, error) {
	if !opusRateOK(rate) {
		return nil, fmt.Errorf("%w: opus cannot decode at %d Hz", ErrCodec, rate)
	}
	d := &opusDecoder{state: alignedState(int(C.opus_decoder_get_size(1))), rate: rate}
	if err := d.init(); err != nil {
		return nil, err
	}
	return d, nil
}

func (d *opusDecoder) init() error {
	if r := C.voip_opus_dec_init(unsafe.Pointer(&d.state[0]), C.int(d.rate)); r != C.OPUS_OK {
		return opusError("decoder", r)
	}
	return nil
}

// Decode expands one packet into dst, which must hold the packet's
// duration at the decoder's rate.
func (d *opusDecoder) Decode(dst []int16, payload []byte) (int, error) {
	if len(payload) == 0 || len(dst) == 0 {
		return 0, nil
	}
	r := C.voip_opus_decode(unsafe.Pointer(&d.state[0]), (*C.uchar)(unsafe.Pointer(&payload[0])),
		C.int(len(payload)), (*C.opus_int16)(unsafe.Pointer(&dst[0])), C.int(len(dst)))
	if r < 0 {
		return 0, opusError("decode", r)
	}
	return int(r), nil
}

// Reset returns the decoder to its initial state.
func (d *opusDecoder) Reset() { _ = d.init() }

// alignedState returns n zero bytes aligned for any C type.
func alignedState(n int) []byte {
	words := make([]uint64, (n+7)/8)
	return unsafe.Slice((*byte)(unsafe.Pointer(&words[0])), n)
}
