module github.com/libvoip/libvoip

go 1.26.8

require (
	github.com/emiago/sipgo v1.7.2
	github.com/gen2brain/malgo v0.11.24
	github.com/icholy/digest v1.2.0
	github.com/pion/dtls/v3 v3.1.16
	github.com/pion/ice/v4 v4.4.9
	github.com/pion/logging v0.2.4
	github.com/pion/rtcp v1.2.20
	github.com/pion/rtp v1.10.6
	github.com/pion/sdp/v3 v3.0.20
	github.com/pion/srtp/v3 v3.1.3
	github.com/pion/stun/v3 v3.1.7
	github.com/pion/stun/v4 v4.0.1
	github.com/pion/transport/v5 v5.1.1
	github.com/pion/turn/v4 v4.1.4
	github.com/zaf/g711 v1.4.0
	golang.org/x/sys v0.41.0
)

require (
	github.com/gobwas/httphead v0.1.0 // indirect
	github.com/gobwas/pool v0.2.1 // indirect
	github.com/gobwas/ws v1.3.2 // indirect
	github.com/google/uuid v1.6.0 // indirect
	github.com/pion/mdns/v2 v2.2.2 // indirect
	github.com/pion/randutil v0.1.0 // indirect
	github.com/pion/transport/v4 v4.1.0 // indirect
	github.com/pion/turn/v5 v5.1.2 // indirect
	github.com/wlynxg/anet v0.0.5 // indirect
	golang.org/x/crypto v0.48.0 // indirect
	golang.org/x/net v0.49.0 // indirect
	golang.org/x/sync v0.16.0 // indirect
	golang.org/x/time v0.14.0 // indirect
)
