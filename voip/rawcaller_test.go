package voip

import (
	"encoding/binary"
	"fmt"
	"net"
	"regexp"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	gosip "github.com/emiago/sipgo/sip"
)

// rawCaller is a SIP caller written by hand on UDP sockets of 127.0.0.1, so
// that a test controls exactly what the peer sends: its INVITE's SDP
// direction, its ACK, its RTP, or nothing at all. Its media socket counts
// the RTP that reaches it.
type rawCaller struct {
	t     testing.TB
	sig   *net.UDPConn
	media *net.UDPConn
	phone *net.UDPAddr
	rtp   atomic.Int64 // RTP packets received on media
	buf   []byte
}

func newRawCaller(t testing.TB, p *Phone) *rawCaller {
	t.Helper()
	listen := func() *net.UDPConn {
		c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	port, err := p.Option("sip_port")
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(port)
	r := &rawCaller{t: t, sig: listen(), media: listen(), buf: make([]byte, 65535),
		phone: &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: n}}
	go func() {
		buf := make([]byte, 2048)
		for {
			if _, _, err := r.media.ReadFromUDP(buf); err != nil {
				return
			}
			r.rtp.Add(1)
		}
	}()
	return r
}

func (r *rawCaller) send(msg string) {
	if _, err := r.sig.WriteToUDP([]byte(msg), r.phone); err != nil {
		r.t.Fatal(err)
	}
}

// invite sends an INVITE with Call-ID callID whose SDP offers PCMU from the
// media socket with the direction attribute dir ("sendrecv", "sendonly").
func (r *rawCaller) invite(callID, dir string) {
	local := r.sig.LocalAddr().(*net.UDPAddr)
	mport := r.media.LocalAddr().(*net.UDPAddr).Port
	sdp := fmt.Sprintf("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"+
		"m=audio %d RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=%s\r\n", mport, dir)
	r.send(fmt.Sprintf("INVITE sip:test@127.0.0.1:%d SIP/2.0\r\n"+
		"Via: SIP/2.0/UDP %s;branch=z9hG4bK-%s;rport\r\n"+
		"Max-Forwards: 70\r\nFrom: <sip:caller@127.0.0.1>;tag=%s\r\nTo: <sip:test@127.0.0.1>\r\n"+
		"Call-ID: %s\r\nCSeq: 1 INVITE\r\nContact: <sip:caller@%s>\r\n"+
		"Content-Type: application/sdp\r\nContent-Length: %d\r\n\r\n%s",
		r.phone.Port, local, callID, callID, callID, local, len(sdp), sdp))
}

// ack acknowledges res, a 200 OK to one of our INVITEs.
func (r *rawCaller) ack(res *gosip.Response) {
	callID := res.CallID().Value()
	tag, _ := res.To().Params.Get("tag")
	target := res.Contact().Address.String()
	r.send(fmt.Sprintf("ACK %s SIP/2.0\r\nVia: SIP/2.0/UDP %s;branch=z9hG4bK-ack-%s;rport\r\n"+
		"Max-Forwards: 70\r\nFrom: <sip:caller@127.0.0.1>;tag=%s\r\nTo: <sip:test@127.0.0.1>;tag=%s\r\n"+
		"Call-ID: %s\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n",
		target, r.sig.LocalAddr(), callID, callID, tag, callID))
}

// reply answers a request of the phone (its BYE) with code.
func (r *rawCaller) reply(req *gosip.Request, code int) {
	r.send(gosip.NewResponseFromRequest(req, code, "OK", nil).String())
}

// read returns the next SIP message, nil when none came by deadline.
func (r *rawCaller) read(deadline time.Time) gosip.Message {
	for {
		_ = r.sig.SetReadDeadline(deadline)
		n, _, err := r.sig.ReadFromUDP(r.buf)
		if err != nil {
			return nil
		}
		if m, err := gosip.NewParser().ParseSIP(r.buf[:n]); err == nil {
			return m
		}
		r.t.Errorf("the phone sent an unparsable message: %q", r.buf[:n])
	}
}

// final reads until the final response to the INVITE of callID (nil after
// 5 s), skipping anything else.
func (r *rawCaller) final(callID string) *gosip.Response {
	deadline := time.Now().Add(5 * time.Second)
	for {
		m := r.read(deadline)
		if m == nil {
			return nil
		}
		if res, ok := m.(*gosip.Response); ok && res.StatusCode >= 200 && res.CallID().Value() == callID &&
			res.CSeq().MethodName == gosip.INVITE {
			return res
		}
	}
}

// call sends an INVITE, waits for its 200 OK and acknowledges it.
func (r *rawCaller) call(callID, dir string) *gosip.Response {
	r.t.Helper()
	r.invite(callID, dir)
	res := r.final(callID)
	if res == nil || res.StatusCode != 200 {
		r.t.Fatalf("INVITE %s: got %v, want 200 OK", callID, res)
	}
	r.ack(res)
	return res
}

var mLine = regexp.MustCompile(`m=audio (\d+) `)

// sendRTP sends n PCMU packets, one every 20 ms, from the media socket to
// the RTP port of the phone's answer res.
func (r *rawCaller) sendRTP(res *gosip.Response, n int) {
	r.t.Helper()
	m := mLine.FindSubmatch(res.Body())
	if m == nil {
		r.t.Fatalf("no m=audio line in the answer %q", res.Body())
	}
	port, _ := strconv.Atoi(string(m[1]))
	to := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port}
	pkt := make([]byte, 12+160)
	pkt[0], pkt[1] = 0x80, 0
	binary.BigEndian.PutUint32(pkt[8:], 0x5eed)
	for i := 0; i < n; i++ {
		binary.BigEndian.PutUint16(pkt[2:], uint16(i))
		binary.BigEndian.PutUint32(pkt[4:], uint32(160*i))
		if _, err := r.media.WriteToUDP(pkt, to); err != nil {
			r.t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
