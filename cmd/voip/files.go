package main

import (
	"context"
	"fmt"
	"sync"

	"github.com/libvoip/libvoip/media"
	"github.com/libvoip/libvoip/voip"
)

// files are the WAV player of --play and the recorder of --record, ports
// of the phone's audio bridge (package media, voip.Phone.NewPlayer and
// NewRecorder), opened before the call so that a bad file fails at once.
type files struct {
	player   *media.Player
	recorder *media.Recorder
	played   chan struct{} // closed when the playback ended
	once     sync.Once
}

// openFiles opens --play and creates --record. The phone is started.
func (a *app) openFiles() error {
	a.files.played = make(chan struct{})
	if a.set.play != "" {
		pl, err := a.phone.NewPlayer(a.set.play, false)
		if err != nil {
			return usagef("--play %s: %v", a.set.play, err)
		}
		a.files.player = pl
	}
	if a.set.record != "" {
		rec, err := a.phone.NewRecorder(a.set.record, media.RecorderOptions{Stereo: true})
		if err != nil {
			return usagef("--record %s: %v", a.set.record, err)
		}
		a.files.recorder = rec
	}
	return nil
}

// onMediaEvent notes the end of the playback.
func (a *app) onMediaEvent(port media.Port, name, detail string) {
	a.printf("EVENT %s %s", name, detail)
	if a.files.player != nil && port == media.Port(a.files.player) && name == voip.EventPlaybackEnded {
		a.files.once.Do(func() { close(a.files.played) })
	}
}

// connectFiles starts the playback into the answered call and the
// recording of both directions (left: received, right: sent).
func (a *app) connectFiles(c *voip.Call) error {
	if a.files.recorder != nil {
		if err := a.phone.Connect(c.Port(), a.files.recorder); err != nil {
			return fmt.Errorf("--record: %w", err)
		}
	}
	if a.files.player != nil {
		if err := a.phone.Connect(a.files.player, c.Port()); err != nil {
			return fmt.Errorf("--play: %w", err)
		}
	}
	return nil
}

// waitPlayed waits for the end of --play's file (at once without one).
func (a *app) waitPlayed(ctx context.Context) {
	if a.files.player == nil {
		return
	}
	select {
	case <-a.files.played:
	case <-ctx.Done():
	}
}

// closeFiles finishes the recording; it returns the RECORDED line, or "".
func (a *app) closeFiles() string {
	rec := a.files.recorder
	if rec == nil {
		return ""
	}
	a.phone.Release(rec) // the WAV header is complete
	a.files.recorder = nil
	return fmt.Sprintf("RECORDED %s %.1fs", a.set.record, rec.Duration().Seconds())
}
