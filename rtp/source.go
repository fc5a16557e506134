package rtp

// remoteSource decides which synchronization source (SSRC) a stream plays.
//
// Anyone who knows the peer's address can send packets that pass the
// stream's source-address check. If every new SSRC were taken at once, a
// spoofer sending one packet per new SSRC would restart the playout, the
// statistics and the DTMF detector with each packet: the call goes silent
// and every spoofed event packet reports a digit. So a new SSRC is put on
// probation as in RFC 3550 §A.1: it replaces the current source only after
// minSequential packets with consecutive sequence numbers, and its
// probation packets are dropped (a restarting peer loses one packet).
// Several SSRCs can be on probation at once (the least recently heard one
// gives way to a newcomer), so that a spoofer's packets interleaved with a
// restarted stream do not keep it from passing.
//
// The first source of a stream is played from its first packet: there is
// nothing yet to protect, and a call's first packet is not lost. It is
// confirmed by its first packet that follows another in sequence; until
// then a digit it sends is held back (see digits), so that a spoofer who gets in
// first with a single event packet reports nothing.
//
// DTMF events are reported once per event per source: the detector of the
// source that was replaced is kept, and restored if that source comes back
// (after its own probation), so its retransmitted event packets do not
// report a digit again.
//
// A remoteSource is not safe for concurrent use; the stream guards it with
// its mutex. It never allocates.
type remoteSource struct {
	ssrc      uint32 // the accepted source
	known     bool   // a source was accepted
	confirmed bool   // ssrc sent consecutive packets (or passed probation)
	lastSeq   uint16 // ssrc's latest sequence number, until confirmed
	held      byte   // a digit of the unconfirmed ssrc; 0: none

	cands [probationSlots]candidate // SSRCs on probation
	clock uint64                    // counts probation packets, for cands' ages

	prev      uint32       // the source accepted before ssrc
	prevKnown bool         // prev is set
	dtmf      DTMFDetector // events of ssrc
	prevDTMF  DTMFDetector // events of prev
}

// probationSlots is the number of SSRCs kept on probation at once.
const probationSlots = 4

// candidate is an SSRC on probation.
type candidate struct {
	ssrc uint32
	seq  uint16 // its latest sequence number
	left int    // consecutive packets it still needs; 0: a free slot
	seen uint64 // remoteSource.clock at its latest packet
}

// admission is what to do with a packet, as decided by remoteSource.admit.
type admission int

const (
	// admitted: a packet of the current source (or the first source).
	admitted admission = iota
	// admittedNew: a new source passed probation and replaced the current
	// one; the playout and the statistics start over with this packet.
	admittedNew
	// probation: a packet of a new source still on probation; drop it.
	probation
)

// admit decides about a packet from ssrc with sequence number seq.
func (r *remoteSource) admit(ssrc uint32, seq uint16) admission {
	switch {
	case !r.known:
		r.ssrc, r.known, r.lastSeq = ssrc, true, seq
		return admitted
	case ssrc == r.ssrc:
		if !r.confirmed {
			r.confirmed = seq == r.lastSeq+1
			r.lastSeq = seq
		}
		return admitted
	case r.probe(ssrc, seq):
		r.replace(ssrc)
		return admittedNew
	}
	return probation
}

// probe records a packet of an SSRC on probation and reports whether that
// SSRC has now sent minSequential consecutive packets.
func (r *remoteSource) probe(ssrc uint32, seq uint16) bool {
	r.clock++
	slot := 0
	for i := range r.cands {
		c := &r.cands[i]
		if c.left > 0 && c.ssrc == ssrc {
			c.seen = r.clock
			if seq != c.seq+1 {
				c.seq, c.left = seq, minSequential-1 // out of sequence: start over
				return false
			}
			c.seq, c.left = seq, c.left-1
			return c.left == 0
		}
		if r.cands[slot].left > 0 && (c.left == 0 || c.seen < r.cands[slot].seen) {
			slot = i // a free slot, else the least recently heard
		}
	}
	r.cands[slot] = candidate{ssrc: ssrc, seq: seq, left: minSequential - 1, seen: r.clock}
	return false
}

// replace makes ssrc, which passed probation, the current source,
// remembering the one it replaces and restoring ssrc's DTMF history if it
// was that previous source.
func (r *remoteSource) replace(ssrc uint32) {
	if r.prevKnown && r.prev == ssrc {
		r.dtmf, r.prevDTMF = r.prevDTMF, r.dtmf
	} else {
		r.prevDTMF = r.dtmf
		r.dtmf.Reset()
	}
	r.prev, r.prevKnown = r.ssrc, true
	r.ssrc, r.confirmed, r.held = ssrc, true, 0
	r.cands = [probationSlots]candidate{}
}

// digits passes the digit (0: none) detected in an admitted packet of the
// current source and returns the digits to report now (0: none). A digit of
// an unconfirmed source is held back (the first one only) until a packet
// confirms the source, and then comes out first.
func (r *remoteSource) digits(digit byte) (first, second byte) {
	if !r.confirmed {
		if r.held == 0 {
			r.held = digit
		}
		return 0, 0
	}
	if r.held == 0 {
		return digit, 0
	}
	first, r.held = r.held, 0
	return first, digit
}
