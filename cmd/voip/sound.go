package main

import (
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/gen2brain/malgo"
	"github.com/libvoip/libvoip/voip"
)

// backendNull is miniaudio's null backend (no device: silence in,
// nothing out, on the device's clock). malgo's Backend list lacks
// ma_backend_custom, which comes before ma_backend_null in miniaudio's
// enum, so malgo.BackendNull names the custom backend: the null one is
// the next value.
const backendNull = malgo.BackendNull + 1

// playbackFrames bounds the audio queued for the speaker: ten 20 ms
// frames. More means the far end's audio is late; the oldest is dropped.
const playbackFrames = 10

// soundDevice is a duplex sound card stream at the call's format (mono
// s16le at the phone's sample_rate): the microphone's audio is written to the call, the call's
// audio is queued for the speaker.
type soundDevice struct {
	backend string
	ctx     *malgo.AllocatedContext
	dev     *malgo.Device
	call    *voip.Call

	mu    sync.Mutex
	queue []byte // for the speaker
	limit int    // most bytes queued

	captured, played atomic.Uint64 // frames (samples) through the device
}

// openSound opens and starts the default duplex device of backend
// ("default": miniaudio's choice, or "null") at rate.
func openSound(backend string, c *voip.Call, rate int) (*soundDevice, error) {
	var backends []malgo.Backend
	if backend == "null" {
		backends = []malgo.Backend{backendNull}
	}
	mctx, err := malgo.InitContext(backends, malgo.ContextConfig{}, nil)
	if err != nil {
		return nil, fmt.Errorf("no sound system (%v): try --sound-backend null or leave out --sound", err)
	}
	d := &soundDevice{backend: backend, ctx: mctx, call: c, limit: playbackFrames * frameBytes(rate)}
	cfg := malgo.DefaultDeviceConfig(malgo.Duplex)
	cfg.Capture.Format, cfg.Capture.Channels = malgo.FormatS16, 1
	cfg.Playback.Format, cfg.Playback.Channels = malgo.FormatS16, 1
	cfg.SampleRate = uint32(rate)
	cfg.PeriodSizeInMilliseconds = 20
	dev, err := malgo.InitDevice(mctx.Context, cfg, malgo.DeviceCallbacks{Data: d.data})
	if err != nil {
		_ = mctx.Uninit()
		mctx.Free()
		return nil, fmt.Errorf("no sound device (%v): try --sound-backend null", err)
	}
	d.dev = dev
	if err := dev.Start(); err != nil {
		d.close()
		return nil, fmt.Errorf("cannot start the sound device: %v", err)
	}
	return d, nil
}

// data is miniaudio's callback (its own thread): out is for the speaker,
// in comes from the microphone.
func (d *soundDevice) data(out, in []byte, frames uint32) {
	if len(in) > 0 {
		_, _ = d.call.WriteAudio(in, 0) // never wait on the audio thread
		d.captured.Add(uint64(len(in) / 2))
	}
	if len(out) > 0 {
		d.mu.Lock()
		n := copy(out, d.queue)
		d.queue = d.queue[:copy(d.queue, d.queue[n:])]
		d.mu.Unlock()
		clear(out[n:])
		d.played.Add(uint64(len(out) / 2))
	}
}

// play queues the call's audio for the speaker.
func (d *soundDevice) play(pcm []byte) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.queue = append(d.queue, pcm...)
	if over := len(d.queue) - d.limit; over > 0 {
		d.queue = d.queue[:copy(d.queue, d.queue[over:])]
	}
}

// close stops the device and returns the SOUND line.
func (d *soundDevice) close() string {
	if d.dev != nil {
		d.dev.Uninit()
		d.dev = nil
	}
	if d.ctx != nil {
		_ = d.ctx.Uninit()
		d.ctx.Free()
		d.ctx = nil
	}
	return fmt.Sprintf("SOUND backend=%s captured=%d played=%d", d.backend, d.captured.Load(), d.played.Load())
}
