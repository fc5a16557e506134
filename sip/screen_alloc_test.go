package sip

import "testing"

// floodOptions is one request of an OPTIONS flood.
var floodOptions = []byte("OPTIONS sip:127.0.0.1:5060 SIP/2.0\r\n" +
	"Via: SIP/2.0/UDP 127.0.0.1:5555;branch=z9hG4bK-flood-1;rport\r\n" +
	"Max-Forwards: 70\r\nFrom: <sip:flood@127.0.0.1>;tag=f1\r\nTo: <sip:127.0.0.1>\r\n" +
	"Call-ID: flood-1@127.0.0.1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n")

// BenchmarkScreenOptions: the screen's cost per OPTIONS of a flood.
func BenchmarkScreenOptions(b *testing.B) {
	msg := floodOptions
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if v := screen("127.0.0.1:5555", msg); !v.pass {
			b.Fatal(v.why)
		}
	}
}

// TestScreenAllocations: screening an OPTIONS builds and checks one
// response, not two (369 allocations a message before, about 200 after).
func TestScreenAllocations(t *testing.T) {
	msg := floodOptions
	n := testing.AllocsPerRun(100, func() {
		if v := screen("127.0.0.1:5555", msg); !v.pass {
			t.Fatal(v.why)
		}
	})
	if n > 250 {
		t.Errorf("screening an OPTIONS takes %.0f allocations, want <= 250", n)
	}
}
