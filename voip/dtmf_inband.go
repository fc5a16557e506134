package voip

import (
	"errors"
	"time"

	"github.com/libvoip/libvoip/rtp"
)

// sendInbandDTMF queues digits as tones in the call's audio (dtmf_mode
// "inband"): for gateways that understand neither RFC 4733 nor INFO.
func (c *Call) sendInbandDTMF(stream *rtp.Stream, digits string, duration time.Duration) error {
	err := stream.SendInbandDTMF(digits, duration)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, rtp.ErrClosed):
		return ErrCallEnded
	case errors.Is(err, rtp.ErrNoDTMF):
		return stateError("send DTMF in band on a call that does not send", Answered)
	}
	return errors.Join(ErrInvalidArgument, err)
}
