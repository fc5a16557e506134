package voip_test

import (
	"context"
	"fmt"
	"log"
	"math"
	"net"
	"strings"
	"time"

	gosip "github.com/emiago/sipgo/sip"

	"github.com/libvoip/libvoip/voip"
)

// newPhone starts a phone on 127.0.0.1 with a free SIP port, RTP ports from
// rtpLow, and the options given as key, value pairs. The examples' own
// helper: a program sets what it needs the same way.
func newPhone(rtpLow int, h voip.Handler, kv ...string) *voip.Phone {
	cfg := voip.DefaultConfig()
	opts := append([]string{
		"bind_ip", "127.0.0.1", "bind_port", "0",
		"rtp_port_low", fmt.Sprint(rtpLow), "rtp_port_high", fmt.Sprint(rtpLow + 19),
	}, kv...)
	for i := 0; i+1 < len(opts); i += 2 {
		if err := cfg.Set(opts[i], opts[i+1]); err != nil {
			log.Fatal(err)
		}
	}
	p := voip.NewPhone(cfg)
	p.SetHandler(h)
	if err := p.Start(); err != nil {
		log.Fatal(err)
	}
	return p
}

// uri is the SIP URI of user at phone p.
func uri(p *voip.Phone, user string) string {
	port, _ := p.Option("sip_port")
	return "sip:" + user + "@127.0.0.1:" + port
}

// wait waits up to d for call c to reach state s (or end).
func wait(c *voip.Call, s voip.CallState, d time.Duration) voip.CallState {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	got, _ := c.Wait(ctx, s.Mask())
	return got
}

// Place a call, wait for the answer, hang up.
func ExamplePhone_Call() {
	// bob answers every call.
	bob := newPhone(39000, voip.Handler{IncomingCall: func(c *voip.Call) { _ = c.Answer() }})
	defer bob.Close(true)
	alice := newPhone(39020, voip.Handler{})
	defer alice.Close(true)

	call, err := alice.Call(uri(bob, "bob"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(call.State())
	fmt.Println(wait(call, voip.Answered, 5*time.Second))
	_ = call.Hangup()
	fmt.Println(wait(call, voip.Ended, 5*time.Second))
	reason, _ := call.EndReason()
	fmt.Println(reason)
	// Output:
	// DIALING
	// ANSWERED
	// ENDED
	// local hangup
}

// Answer or refuse incoming calls in the IncomingCall handler.
func ExampleCall_Answer() {
	ended := make(chan string, 1)
	bob := newPhone(39040, voip.Handler{
		IncomingCall: func(c *voip.Call) {
			if from, _ := c.Info("remote_uri"); strings.Contains(from, "mallory") {
				_ = c.Deny(603) // 603 Decline
				return
			}
			_ = c.Answer()
		},
		CallState: func(c *voip.Call, s voip.CallState, reason string) {
			if s == voip.Ended {
				ended <- reason
			}
		},
	})
	defer bob.Close(true)
	mallory := newPhone(39060, voip.Handler{}, "user", "mallory")
	defer mallory.Close(true)

	call, err := mallory.Call(uri(bob, "bob"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(wait(call, voip.Answered, 5*time.Second))
	reason, code := call.EndReason()
	fmt.Println(reason, code)
	fmt.Println("bob:", <-ended)
	// Output:
	// ENDED
	// 603 Decline 603
	// bob: 603 Decline
}

// Send audio and read the peer's: 20 ms frames of signed 16-bit mono
// 8 kHz samples. The echo side writes back every frame it reads.
func ExampleCall_ReadAudio() {
	echo := newPhone(39080, voip.Handler{IncomingCall: func(c *voip.Call) {
		_ = c.Answer()
		go func() {
			frame := make([]byte, 320)
			for {
				n, err := c.ReadAudio(frame, time.Second)
				if err != nil {
					return // the call ended
				}
				_, _ = c.WriteAudio(frame[:n], time.Second)
			}
		}()
	}})
	defer echo.Close(true)
	alice := newPhone(39100, voip.Handler{})
	defer alice.Close(true)

	call, _ := alice.Call(uri(echo, "echo"))
	if wait(call, voip.Answered, 5*time.Second) != voip.Answered {
		log.Fatal("not answered")
	}
	// One second of a 1000 Hz tone, queued at once; the phone sends it at
	// the pace of the media clock.
	tone := make([]byte, 2*8000)
	for i := 0; i < 8000; i++ {
		v := int16(8000 * math.Sin(2*math.Pi*1000*float64(i)/8000))
		tone[2*i], tone[2*i+1] = byte(v), byte(v>>8)
	}
	if _, err := call.WriteAudio(tone, 2*time.Second); err != nil {
		log.Fatal(err)
	}
	// Read 1.5 s back and measure its loudest 20 ms.
	var peak float64
	frame := make([]byte, 320)
	for i := 0; i < 75; i++ {
		n, err := call.ReadAudio(frame, time.Second)
		if err != nil {
			log.Fatal(err)
		}
		peak = math.Max(peak, rms(frame[:n]))
	}
	fmt.Println("echo heard:", peak > 3000)
	_ = call.Hangup()
	// Output:
	// echo heard: true
}

// rms is the root mean square of s16le samples.
func rms(b []byte) float64 {
	var sum float64
	for i := 0; i+1 < len(b); i += 2 {
		v := float64(int16(uint16(b[i]) | uint16(b[i+1])<<8))
		sum += v * v
	}
	return math.Sqrt(sum / float64(len(b)/2))
}

// Send DTMF digits and receive them through the DTMF handler.
func ExampleCall_SendDTMF() {
	digits := make(chan byte, 16)
	bob := newPhone(39120, voip.Handler{
		IncomingCall: func(c *voip.Call) { _ = c.Answer() },
		DTMF:         func(c *voip.Call, d byte) { digits <- d },
	})
	defer bob.Close(true)
	alice := newPhone(39140, voip.Handler{})
	defer alice.Close(true)

	call, _ := alice.Call(uri(bob, "bob"))
	if wait(call, voip.Answered, 5*time.Second) != voip.Answered {
		log.Fatal("not answered")
	}
	// 0 = the default tone length (100 ms); digits are sent one after
	// another, as RFC 4733 events here (the peer offered them).
	if err := call.SendDTMF("123#", 0); err != nil {
		log.Fatal(err)
	}
	var got []byte
	for len(got) < 4 {
		select {
		case d := <-digits:
			got = append(got, d)
		case <-time.After(5 * time.Second):
			log.Fatal("digits missing: ", string(got))
		}
	}
	fmt.Println(string(got))
	_ = call.Hangup()
	// Output:
	// 123#
}

// Register with a PBX: set "server" and "user", add the credentials, and
// Start waits for the registrar's first answer. The registrar here is a
// stand-in on 127.0.0.1 that challenges once, then accepts.
func ExamplePhone_AddCredentials() {
	registrar := startRegistrar()
	defer registrar.Close()

	cfg := voip.DefaultConfig()
	for k, v := range map[string]string{
		"bind_ip": "127.0.0.1", "bind_port": "0", "rtp_port_low": "39160", "rtp_port_high": "39179",
		"server": registrar.LocalAddr().String(), "user": "alice", "register_expires": "300",
	} {
		if err := cfg.Set(k, v); err != nil {
			log.Fatal(err)
		}
	}
	phone := voip.NewPhone(cfg)
	defer phone.Close(true)
	if err := phone.AddCredentials("alice", "secret", "", ""); err != nil {
		log.Fatal(err)
	}
	if err := phone.Start(); err != nil {
		log.Fatal(err)
	}
	status, reason := phone.Status()
	fmt.Println(status, reason)
	// Output:
	// REGISTERED 200 OK
}

// startRegistrar answers REGISTERs on a UDP socket of 127.0.0.1: 401 with
// a digest challenge to one without Authorization, 200 OK (the Contact
// back, with its expiry) to one with it. A stand-in for a PBX, not one.
func startRegistrar() *net.UDPConn {
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		log.Fatal(err)
	}
	go func() {
		buf := make([]byte, 65535)
		for {
			n, from, err := conn.ReadFromUDP(buf)
			if err != nil {
				return
			}
			m, err := gosip.NewParser().ParseSIP(buf[:n])
			req, ok := m.(*gosip.Request)
			if err != nil || !ok || req.Method != gosip.REGISTER {
				continue
			}
			var res *gosip.Response
			if req.GetHeader("Authorization") == nil {
				res = gosip.NewResponseFromRequest(req, 401, "Unauthorized", nil)
				res.AppendHeader(gosip.NewHeader("WWW-Authenticate", `Digest realm="example", nonce="n0nce", algorithm=MD5, qop="auth"`))
			} else {
				res = gosip.NewResponseFromRequest(req, 200, "OK", nil)
				if c := req.GetHeader("Contact"); c != nil {
					res.AppendHeader(gosip.NewHeader("Contact", c.Value()+";expires=300"))
				}
			}
			_, _ = conn.WriteToUDP([]byte(res.String()), from)
		}
	}()
	return conn
}
