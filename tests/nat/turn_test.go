package nat

import (
	"fmt"
	"net"
	"time"

	"github.com/pion/turn/v4"
)

// The TURN server (RFC 8656) of the symmetric-NAT test runs as a process
// of the test binary in the public namespace (LV_ROLE=turn): pion/turn's
// server with one long-term credential, relaying from the public address.

const (
	turnUser     = "libvoip"
	turnPassword = "secret"
	turnRealm    = "libvoip.test"
	turnPort     = "3479" // coturn has 3478 (STUN)
)

// runTURN serves TURN on publicIP:turnPort until the process is killed.
func runTURN() error {
	conn, err := net.ListenPacket("udp4", publicIP+":"+turnPort)
	if err != nil {
		return err
	}
	key := turn.GenerateAuthKey(turnUser, turnRealm, turnPassword)
	srv, err := turn.NewServer(turn.ServerConfig{
		Realm: turnRealm,
		AuthHandler: func(username, _ string, _ net.Addr) ([]byte, bool) {
			return key, username == turnUser
		},
		PacketConnConfigs: []turn.PacketConnConfig{{
			PacketConn: conn,
			RelayAddressGenerator: &turn.RelayAddressGeneratorStatic{
				RelayAddress: net.ParseIP(publicIP), Address: publicIP,
			},
		}},
	})
	if err != nil {
		return err
	}
	defer srv.Close()
	fmt.Println("READY")
	select {} // until killed
}

// startTURN runs the TURN server in the public namespace.
func (n *natLab) startTURN() {
	p := n.startRole(n.pub, "turn")
	p.waitFor(n.t, "READY", 10*time.Second)
}

func init() { roles["turn"] = runTURN }
