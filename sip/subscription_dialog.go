package sip

import (
	"context"
	"math/rand/v2"
	"strings"
	"sync"

	gosip "github.com/emiago/sipgo/sip"
)

// This file is the dialog of a subscription (RFC 6665 §4.1.2.4, §4.2.1):
// a dialog usage of its own, outside any call, holding what RFC 3261 §12
// keeps: Call-ID, both tags, the remote target, the route set and both
// CSeq counters. Both sides of a subscription build their in-dialog
// requests (refreshing SUBSCRIBEs, NOTIFYs) here.

// evDialog is one subscription dialog; its mutex guards the fields.
type evDialog struct {
	u *UA

	mu        sync.Mutex
	callID    string
	localTag  string
	remoteTag string
	local     gosip.Uri // our URI in From
	remote    gosip.Uri // the peer's URI in To
	target    gosip.Uri // the remote target (its Contact)
	routes    []string  // the route set, as Route values
	cseq      uint32    // our last CSeq
	peerCSeq  uint32    // the peer's last CSeq, 0 before any
}

// newEvDialog starts the counters of a dialog.
func newEvDialog(u *UA) *evDialog {
	return &evDialog{u: u, cseq: rand.Uint32N(1 << 16)}
}

// setTarget takes the remote target from a Contact, when there is one.
func (d *evDialog) setTarget(c *gosip.ContactHeader) {
	if c == nil {
		return
	}
	d.mu.Lock()
	d.target = *c.Address.Clone()
	d.mu.Unlock()
}

// setRoutes takes the route set from a message's Record-Route headers:
// in order when we are the UAS of that message, reversed when the UAC.
func (d *evDialog) setRoutes(m interface{ GetHeaders(string) []gosip.Header }, reversed bool) {
	var rs []string
	for _, h := range m.GetHeaders("Record-Route") {
		for _, v := range splitContacts(h.Value()) {
			if v != "" {
				rs = append(rs, v)
			}
		}
	}
	if reversed {
		for i, j := 0, len(rs)-1; i < j; i, j = i+1, j-1 {
			rs[i], rs[j] = rs[j], rs[i]
		}
	}
	d.mu.Lock()
	d.routes = rs
	d.mu.Unlock()
}

// newRequest is a request of method in the dialog with the next CSeq.
func (d *evDialog) newRequest(method gosip.RequestMethod) *gosip.Request {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.cseq++
	req := gosip.NewRequest(method, *d.target.Clone())
	from := &gosip.FromHeader{Address: d.local, Params: gosip.NewParams()}
	from.Params.Add("tag", d.localTag)
	to := &gosip.ToHeader{Address: d.remote, Params: gosip.NewParams()}
	if d.remoteTag != "" {
		to.Params.Add("tag", d.remoteTag)
	}
	callID := gosip.CallIDHeader(d.callID)
	req.AppendHeader(from)
	req.AppendHeader(to)
	req.AppendHeader(&callID)
	req.AppendHeader(&gosip.CSeqHeader{SeqNo: d.cseq, MethodName: method})
	for _, r := range d.routes {
		req.AppendHeader(gosip.NewHeader("Route", r))
	}
	req.AppendHeader(d.u.contactHeader())
	d.u.commonHeaders(req)
	req.SetTransport(strings.ToUpper(d.u.cfg.Transport))
	return req
}

// send sends the request build returns (called again for each try: a
// new CSeq after a 401/407 challenge) and returns the final response.
func (d *evDialog) send(ctx context.Context, build func() *gosip.Request) (*gosip.Response, error) {
	res, err := d.u.cli.Do(ctx, build())
	if err != nil {
		return nil, certificateError(err)
	}
	return d.u.retryChallenged(ctx, res, build, func(ctx context.Context, r *gosip.Request) (*gosip.Response, error) {
		return d.u.cli.Do(ctx, r)
	})
}

// readCSeq checks a request of the peer against its last CSeq (RFC 3261
// §12.2.2): false for an older or repeated one.
func (d *evDialog) readCSeq(req *gosip.Request) bool {
	n := req.CSeq().SeqNo
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.peerCSeq != 0 && n <= d.peerCSeq {
		return false
	}
	d.peerCSeq = n
	return true
}

// toTag and fromTag are the tags of a request's To and From, "" when
// absent.
func toTag(req *gosip.Request) string {
	if to := req.To(); to != nil {
		return tagOf(to.Params)
	}
	return ""
}

func fromTag(req *gosip.Request) string {
	if f := req.From(); f != nil {
		return tagOf(f.Params)
	}
	return ""
}
