package media

import (
	"bufio"
	"encoding/binary"
	"os"
	"sync"
	"time"
)

// headerEvery is how often (in frames: one second) a recorder flushes its
// audio and rewrites the header, so that a process killed mid-recording
// leaves a valid file missing at most that much.
const headerEvery = 50

// Recorder records what it hears to a 16-bit PCM WAV file (a sink port;
// sipsimple's RecordingWaveFile, PJSUA2's AudioMediaRecorder). Mono, it
// records the mix of its sources; stereo, the left channel is that mix and
// the right one the audio its call sources sent, so a call connected to a
// stereo recorder is recorded in both directions. Writes go through a
// buffer on the pacer goroutine; the header is rewritten every second and
// on Close.
type Recorder struct {
	ending
	mu       sync.Mutex
	f        *os.File
	w        *bufio.Writer
	rate     int
	channels int
	bytes    uint32 // audio bytes written
	limit    uint32 // 0: up to the WAV format's 4 GiB
	frames   int
	buf      []byte
	hdr      [wavHeaderSize]byte
	closed   bool
	err      error
}

// RecorderOptions configure a Recorder.
type RecorderOptions struct {
	Stereo      bool                // both directions of a call
	MaxDuration time.Duration       // 0: no limit but the format's
	OnEnd       func(reason string) // called once when it ends; must not block
}

// CreateRecorder creates (or truncates) the file at path for a bridge of
// rate Hz.
func CreateRecorder(path string, rate int, opt RecorderOptions) (*Recorder, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, err
	}
	r := &Recorder{ending: newEnding(opt.OnEnd), f: f, w: bufio.NewWriterSize(f, 64<<10),
		rate: rate, channels: 1, limit: 0xFFFFFFFF - wavHeaderSize}
	if opt.Stereo {
		r.channels = 2
	}
	r.setLimit(opt.MaxDuration)
	r.buf = make([]byte, rate/50*2*r.channels)
	wavHeader(r.hdr[:], rate, r.channels, 0)
	if _, err := r.w.Write(r.hdr[:]); err != nil {
		f.Close()
		return nil, err
	}
	return r, nil
}

func (r *Recorder) setLimit(d time.Duration) {
	r.limit = 0xFFFFFFFF - wavHeaderSize
	if d > 0 {
		r.limit = uint32(min(int64(r.limit), int64(d)*int64(r.rate)/int64(time.Second)*int64(2*r.channels)))
	}
}

// SetMaxDuration bounds the recording (0: no bound but the format's 4
// GiB); a recording already longer ends at its next frame.
func (r *Recorder) SetMaxDuration(d time.Duration) {
	r.mu.Lock()
	r.setLimit(d)
	r.limit = max(r.limit, r.bytes)
	r.mu.Unlock()
}

// Caps reports that a recorder is a sink only.
func (r *Recorder) Caps() (source, sink bool) { return false, true }

// Read gives nothing: a recorder produces no audio.
func (r *Recorder) Read([]int16) bool { return false }

// Write records a mono frame (the right channel silent when stereo).
func (r *Recorder) Write(mix []int16) { r.WriteStereo(mix, nil) }

// WriteStereo records one frame: left, and right when stereo.
func (r *Recorder) WriteStereo(left, right []int16) {
	r.mu.Lock()
	reason := r.writeLocked(left, right)
	r.mu.Unlock()
	if reason != "" {
		r.finish(reason)
	}
}

func (r *Recorder) writeLocked(left, right []int16) string {
	if r.closed {
		return ""
	}
	n := 0
	for i, v := range left {
		binary.LittleEndian.PutUint16(r.buf[n:], uint16(v))
		n += 2
		if r.channels == 2 {
			var w int16
			if i < len(right) {
				w = right[i]
			}
			binary.LittleEndian.PutUint16(r.buf[n:], uint16(w))
			n += 2
		}
	}
	n = min(n, int(r.limit-r.bytes))
	if _, err := r.w.Write(r.buf[:n]); err != nil {
		r.err = err
		r.closeLocked()
		return "error: " + err.Error()
	}
	r.bytes += uint32(n)
	if r.bytes >= r.limit {
		r.closeLocked()
		return ReasonMaxDuration
	}
	if r.frames++; r.frames%headerEvery == 0 {
		r.syncLocked()
	}
	return ""
}

// syncLocked flushes the audio, then rewrites the header to cover it.
func (r *Recorder) syncLocked() {
	if err := r.w.Flush(); err != nil {
		r.err = err
		return
	}
	wavHeader(r.hdr[:], r.rate, r.channels, r.bytes)
	if _, err := r.f.WriteAt(r.hdr[:], 0); err != nil {
		r.err = err
	}
}

func (r *Recorder) closeLocked() {
	if r.closed {
		return
	}
	r.closed = true
	r.syncLocked()
	if err := r.f.Close(); err != nil && r.err == nil {
		r.err = err
	}
}

// Close finishes the file (ReasonStopped) and returns the first write
// error, if any. It is safe to call more than once.
func (r *Recorder) Close() error {
	r.mu.Lock()
	r.closeLocked()
	err := r.err
	r.mu.Unlock()
	r.finish(ReasonStopped)
	return err
}

// Duration is the audio recorded so far.
func (r *Recorder) Duration() time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return time.Duration(r.bytes) * time.Second / time.Duration(r.rate*2*r.channels)
}
