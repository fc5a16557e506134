package voip

import (
	"fmt"

	"github.com/libvoip/libvoip/media"
)

// Media events (Handler.MediaEvent; in C, the call event callback with the
// media handle in place of a call's).
const (
	// EventPlaybackEnded: a player reached the end of its file (detail
	// "finished") or was stopped ("stopped").
	EventPlaybackEnded = "playback_ended"
	// EventToneEnded: a tone that does not repeat (DTMF keys) has played,
	// or a tone was stopped.
	EventToneEnded = "tone_ended"
	// EventRecordingEnded: a recorder stopped: "stopped", "max duration"
	// or "error: <why>".
	EventRecordingEnded = "recording_ended"
)

// startBridgeLocked puts the phone's audio bridge, made by Start at the
// application's sample rate (option sample_rate: every stream's frames are
// at that rate), on the phone's media clock. Called with mu held, before
// the pacer starts.
func (p *Phone) startBridgeLocked(b *media.Bridge) {
	p.bridge, p.owned = b, map[media.Port]func(){}
	p.pacer.AddTicker(b)
}

// mediaRate is the running bridge's sample rate, or ErrInvalidState when
// the phone is not started.
func (p *Phone) mediaRate() (int, error) {
	b, err := p.Bridge()
	if err != nil {
		return 0, err
	}
	return b.Rate(), nil
}

// stopBridge ends every player, tone and recording (a recording's header
// is written) and closes the bridge. Called after the pacer stopped.
func (p *Phone) stopBridge() {
	p.mu.Lock()
	b, owned := p.bridge, p.owned
	p.bridge, p.owned = nil, nil
	p.mu.Unlock()
	if b == nil {
		return
	}
	b.Close()
	for _, stop := range owned {
		stop()
	}
}

// Bridge is the phone's audio bridge; ErrInvalidState when the phone is
// not started.
func (p *Phone) Bridge() (*media.Bridge, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bridge == nil {
		return nil, fmt.Errorf("%w: the phone is not started", ErrInvalidState)
	}
	return p.bridge, nil
}

// adopt adds a port the phone created to the bridge; stop ends it.
func (p *Phone) adopt(port media.Port, stop func()) error {
	p.mu.Lock()
	b := p.bridge
	if b != nil {
		p.owned[port] = stop
	}
	p.mu.Unlock()
	if b == nil {
		stop()
		return fmt.Errorf("%w: the phone is not started", ErrInvalidState)
	}
	return b.Add(port)
}

// mediaEnded reports a port's end to Handler.MediaEvent on the dispatcher
// (so it may run on the pacer goroutine).
func (p *Phone) mediaEnded(port *media.Port, name string) func(string) {
	return func(reason string) {
		p.events.post(func() {
			if f := p.handlers().MediaEvent; f != nil {
				f(*port, name, reason)
			}
		})
	}
}

// NewPlayer opens a WAV file (PCM 16/8-bit, A-law or µ-law, mono or
// stereo, any rate) as a port of the phone's bridge. It plays once (or
// loops) from the moment it is connected; EventPlaybackEnded reports its
// end. Errors: an *os.PathError, media.ErrFormat, media.ErrCorrupt,
// ErrInvalidState when the phone is not started.
func (p *Phone) NewPlayer(path string, loop bool) (*media.Player, error) {
	return p.newPlayer(func(rate int, o media.PlayerOptions) (*media.Player, error) {
		return media.OpenPlayer(path, rate, o)
	}, loop)
}

// NewPlayerFromMemory is NewPlayer for a WAV file held in b.
func (p *Phone) NewPlayerFromMemory(b []byte, loop bool) (*media.Player, error) {
	return p.newPlayer(func(rate int, o media.PlayerOptions) (*media.Player, error) {
		return media.NewPlayer(b, rate, o)
	}, loop)
}

func (p *Phone) newPlayer(open func(int, media.PlayerOptions) (*media.Player, error), loop bool) (*media.Player, error) {
	rate, err := p.mediaRate()
	if err != nil {
		return nil, err
	}
	var port media.Port
	pl, err := open(rate, media.PlayerOptions{Loop: loop, OnEnd: p.mediaEnded(&port, EventPlaybackEnded)})
	if err != nil {
		return nil, err
	}
	port = pl
	return pl, p.adopt(pl, pl.Stop)
}

// NewRecorder creates a WAV file recording what is connected to it (see
// media.Recorder); EventRecordingEnded reports its end.
func (p *Phone) NewRecorder(path string, opt media.RecorderOptions) (*media.Recorder, error) {
	rate, err := p.mediaRate()
	if err != nil {
		return nil, err
	}
	var port media.Port
	opt.OnEnd = p.mediaEnded(&port, EventRecordingEnded)
	r, err := media.CreateRecorder(path, rate, opt)
	if err != nil {
		return nil, err
	}
	port = r
	return r, p.adopt(r, func() { _ = r.Close() })
}

// NewTone creates a tone generator port playing spec (dsp.ParseTone:
// "ringback:us", "440+480/2000/4000", "dtmf:123"); EventToneEnded reports
// the end of a tone that does not repeat. A bad spec wraps
// dsp.ErrToneSpec.
func (p *Phone) NewTone(spec string) (*media.Tone, error) {
	rate, err := p.mediaRate()
	if err != nil {
		return nil, err
	}
	var port media.Port
	t, err := media.NewTone(spec, rate, p.mediaEnded(&port, EventToneEnded))
	if err != nil {
		return nil, err
	}
	port = t
	return t, p.adopt(t, t.Stop)
}

// Connect makes src's audio flow to dst (PJSUA2's startTransmit). A call
// (Call.Port) joins the bridge when first connected and leaves it when it
// ends. Errors: media.ErrSelf, media.ErrDirection, media.ErrClosed (a port
// released or of a call that ended), ErrInvalidState (phone stopped).
func (p *Phone) Connect(src, dst media.Port) error {
	b, err := p.Bridge()
	if err != nil {
		return err
	}
	for _, port := range []media.Port{src, dst} {
		if cp, ok := port.(*callPort); ok {
			if err := cp.join(b); err != nil {
				return err
			}
		}
	}
	return b.Connect(src, dst)
}

// Disconnect stops src's audio flowing to dst.
func (p *Phone) Disconnect(src, dst media.Port) error {
	b, err := p.Bridge()
	if err != nil {
		return err
	}
	return b.Disconnect(src, dst)
}

// Release takes a port the phone created off the bridge and ends it (a
// recorder's file is finished). Releasing twice does nothing.
func (p *Phone) Release(port media.Port) {
	p.mu.Lock()
	b, stop := p.bridge, p.owned[port]
	delete(p.owned, port)
	p.mu.Unlock()
	if b != nil {
		b.Remove(port)
	}
	if stop != nil {
		stop()
	}
}

// Conference connects every pair of ports both ways, so that each hears
// all the others but not itself.
func (p *Phone) Conference(ports ...media.Port) error {
	for _, a := range ports {
		for _, b := range ports {
			if a == b {
				continue
			}
			if err := p.Connect(a, b); err != nil {
				return err
			}
		}
	}
	return nil
}
