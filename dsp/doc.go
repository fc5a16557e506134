// Package dsp holds libvoip's pure signal processing: tone synthesis with
// cadences and presets (tone.go, tonespec.go), in-band DTMF detection with
// the Goertzel algorithm (goertzel.go) and resampling (resample.go). It
// imports no other libvoip package, keeps no global state, and its per-frame
// functions allocate nothing: the rtp and media packages call them from the
// phone's media clock.
package dsp
