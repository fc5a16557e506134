package sip

import (
	gosip "github.com/emiago/sipgo/sip"
)

// This file keeps a dialog's remote target current (RFC 3261 §12.2): a
// re-INVITE or UPDATE from the peer (§12.2.2) and the 2xx to ours
// (§12.2.1.2) are target refresh requests and responses, and their Contact
// replaces the remote target that every later in-dialog request (BYE,
// re-INVITE, UPDATE, INFO, the re-INVITE's ACK) is sent to.

// remoteTarget is the dialog's remote target: the last Contact a target
// refresh brought, else the one the dialog was set up with.
func (d *Dialog) remoteTarget() gosip.Uri {
	d.mu.Lock()
	refreshed := d.refreshed
	d.mu.Unlock()
	if refreshed != nil {
		return *refreshed.Clone()
	}
	return d.target()
}

// refreshTarget takes c's address as the new remote target; a missing or
// wildcard Contact, or one that is not a SIP URI, changes nothing.
func (d *Dialog) refreshTarget(c *gosip.ContactHeader) {
	if c == nil || c.Address.Wildcard || c.Address.Host == "" {
		return
	}
	switch c.Address.Scheme {
	case "sip", "sips":
	default:
		return
	}
	uri := c.Address.Clone()
	d.mu.Lock()
	d.refreshed = uri
	d.mu.Unlock()
}

// isTargetRefresh reports whether a request of method refreshes the
// remote target (RFC 3261 §12.2; RFC 3311 §5.1 for UPDATE).
func isTargetRefresh(method gosip.RequestMethod) bool {
	return method == gosip.INVITE || method == gosip.UPDATE
}

// byeRequest is a BYE to the dialog's remote target; the dialog session
// adds From, To, Call-ID, CSeq and Route.
func (d *Dialog) byeRequest(transport string) *gosip.Request {
	bye := gosip.NewRequest(gosip.BYE, d.remoteTarget())
	bye.SetTransport(transport)
	return bye
}
