package main

import (
	"encoding/binary"
	"errors"
	"math"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/libvoip/libvoip/voip"
)

// silenceLevel is the RMS (of 32767) below which a frame counts as silent:
// about -40 dBFS, well above a line's noise and below speech.
const silenceLevel = 300

// sampleRate is the phone's application audio rate (option sample_rate:
// 8000, 16000 or 48000; 8000 when the library has no such option).
func sampleRate(c *voip.Call) int {
	v, err := c.Phone().Option("sample_rate")
	if n, convErr := strconv.Atoi(v); err == nil && convErr == nil && n > 0 {
		return n
	}
	return 8000
}

// frameBytes is 20 ms of s16le mono at rate.
func frameBytes(rate int) int { return rate / 50 * 2 }

// farEnd reads the call's audio for as long as it lasts: it notes when the
// far end was last heard (--dtmf-after-silence) and plays the audio on
// the sound card (--sound), whose microphone feeds the call.
type farEnd struct {
	c        *voip.Call
	rate     int // samples per second of the call's audio
	start    time.Time
	lastLoud atomic.Int64 // UnixNano of the last frame above silenceLevel; 0: none
	sound    *soundDevice
	done     chan struct{}
}

// startMedia starts reading the call's audio and, with --sound, the sound
// card.
func startMedia(c *voip.Call, set *settings) (*farEnd, error) {
	m := &farEnd{c: c, rate: sampleRate(c), start: time.Now(), done: make(chan struct{})}
	if set.sound {
		d, err := openSound(set.soundBackend, c, m.rate)
		if err != nil {
			close(m.done)
			return nil, err
		}
		m.sound = d
	}
	go m.readLoop()
	return m, nil
}

func (m *farEnd) readLoop() {
	defer close(m.done)
	buf := make([]byte, frameBytes(m.rate))
	for {
		n, err := m.c.ReadAudio(buf, 200*time.Millisecond)
		if n > 0 {
			if level(buf[:n]) > silenceLevel {
				m.lastLoud.Store(time.Now().UnixNano())
			}
			if m.sound != nil {
				m.sound.play(buf[:n])
			}
		}
		if err != nil && !errors.Is(err, voip.ErrTimeout) {
			return // the call ended
		}
	}
}

// silentFor is how long the far end has been silent (since the answer,
// when it never spoke).
func (m *farEnd) silentFor() time.Duration {
	since := m.start
	if t := m.lastLoud.Load(); t != 0 {
		since = time.Unix(0, t)
	}
	return time.Since(since)
}

// stop waits for the reader (the call has ended) and closes the sound
// card; it returns the SOUND line to print, or "".
func (m *farEnd) stop() string {
	select {
	case <-m.done:
	case <-time.After(time.Second):
	}
	if m.sound == nil {
		return ""
	}
	return m.sound.close()
}

// level is the RMS of s16le samples.
func level(pcm []byte) float64 {
	n := len(pcm) / 2
	if n == 0 {
		return 0
	}
	var sum float64
	for i := 0; i < n; i++ {
		v := float64(int16(binary.LittleEndian.Uint16(pcm[2*i:])))
		sum += v * v
	}
	return math.Sqrt(sum / float64(n))
}
