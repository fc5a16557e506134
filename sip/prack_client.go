package sip

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	gosip "github.com/emiago/sipgo/sip"
)

// prackTimeout bounds a PRACK transaction we send (Timer F).
const prackTimeout = 32 * time.Second

// reliableRSeq is the RSeq of a reliable provisional response (RFC 3262
// §4: Require: 100rel and an RSeq), ok false for any other response.
func reliableRSeq(res *gosip.Response) (uint32, bool) {
	if res.StatusCode <= 100 || res.StatusCode >= 200 || !hasOptionTag(res, "Require", tag100rel) {
		return 0, false
	}
	h := res.GetHeader("RSeq")
	if h == nil {
		return 0, false
	}
	n, err := strconv.ParseUint(strings.TrimSpace(h.Value()), 10, 32)
	if err != nil || n == 0 {
		return 0, false
	}
	return uint32(n), true
}

// newProvisional reports whether a provisional response is new to us:
// not a retransmission of a reliable one already seen (and PRACKed). A
// reliable one is PRACKed here, in the early dialog it belongs to; its
// RSeq must follow the last one of that dialog (RFC 3262 §4), else it is
// dropped.
func (oc *OutgoingCall) newProvisional(res *gosip.Response) bool {
	rseq, ok := reliableRSeq(res)
	if !ok || oc.u.cfg.Rel100 == Rel100Off {
		return true
	}
	tag, _ := res.To().Params.Get("tag")
	oc.mu.Lock()
	if oc.rseqs == nil {
		oc.rseqs = map[string]uint32{}
	}
	last, seen := oc.rseqs[tag]
	fresh := !seen || rseq == last+1
	if fresh {
		oc.rseqs[tag] = rseq
	}
	oc.mu.Unlock()
	if !fresh {
		return false
	}
	oc.sendPrack(res, rseq)
	return true
}

// sendPrack PRACKs res in its early dialog; the answer is awaited in the
// background (and only logged: the peer retransmits its 18x meanwhile).
// It runs on the goroutine waiting for the INVITE's responses, where the
// dialog's current response is res.
func (oc *OutgoingCall) sendPrack(res *gosip.Response, rseq uint32) {
	target := oc.ds.InviteRequest.Recipient
	if c := res.Contact(); c != nil {
		target = c.Address
	}
	req := gosip.NewRequest(gosip.PRACK, *target.Clone())
	req.AppendHeader(gosip.NewHeader("RAck", fmt.Sprintf("%d %d INVITE", rseq, res.CSeq().SeqNo)))
	oc.u.addVia(req, oc.viaHost)
	oc.u.commonHeaders(req)
	ctx, cancel := context.WithTimeout(context.Background(), prackTimeout)
	tx, err := oc.ds.TransactionRequest(ctx, req)
	if err != nil {
		cancel()
		oc.u.log.Info("sip: PRACK not sent", "call_id", oc.CallID(), "error", err)
		return
	}
	go func() {
		defer cancel()
		defer tx.Terminate()
		for {
			select {
			case r := <-tx.Responses():
				if r.IsProvisional() {
					continue
				}
				if !r.IsSuccess() {
					oc.u.log.Info("sip: PRACK refused", "call_id", oc.CallID(), "status", r.StatusCode)
				}
				return
			case <-tx.Done():
				return
			case <-ctx.Done():
				return
			}
		}
	}()
}
