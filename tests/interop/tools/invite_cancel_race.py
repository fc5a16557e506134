#!/usr/bin/env python3
"""invite_cancel_race.py — INVITE then CANCEL a few milliseconds later, N times.

A reproducer for the callee side of the INVITE/CANCEL race (standard library
only, UDP, loopback):

    voip-echo --bind 127.0.0.1:5534 --rtp-ports 21400-21409 --user bob > echo.out &
    python3 tests/interop/tools/invite_cancel_race.py 5534 80
    kill -TERM %1; wait %1; echo "exit $?"

Each round sends an INVITE (PCMU + telephone-event offer) to
sip:bob@127.0.0.1:PORT, then, after 0-4 ms, a CANCEL of it.  A 200 OK is
ACKed and the call hung up with BYE; a 487 is ACKed.  Prints how many rounds
ended with which final response.  What to look at on the callee: every
"CALL n RINGING" line of voip-echo must be followed by "CALL n ENDED ...",
and voip-echo must exit 0 promptly on SIGTERM.
"""
import random
import socket
import sys
import time

SDP = ("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
       "m=audio 21450 RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\n"
       "a=rtpmap:101 telephone-event/8000\r\n")


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    port = int(sys.argv[1])
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 50
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    s.settimeout(0.05)
    me = "127.0.0.1:%d" % s.getsockname()[1]

    def send(method, cid, branch, cseq=1, body="", to_tag=""):
        m = (f"{method} sip:bob@127.0.0.1:{port} SIP/2.0\r\n"
             f"Via: SIP/2.0/UDP {me};branch=z9hG4bK{branch}\r\n"
             f"From: <sip:alice@127.0.0.1>;tag=ft-{cid}\r\n"
             f"To: <sip:bob@127.0.0.1>{';tag=' + to_tag if to_tag else ''}\r\n"
             f"Call-ID: {cid}\r\nCSeq: {cseq} {method}\r\n"
             f"Contact: <sip:alice@{me}>\r\nMax-Forwards: 70\r\n")
        if body:
            m += "Content-Type: application/sdp\r\n"
        m += f"Content-Length: {len(body)}\r\n\r\n{body}"
        s.sendto(m.encode(), ("127.0.0.1", port))

    outcome = {}
    for i in range(rounds):
        cid = f"race-{i}-{random.randint(0, 1 << 30)}"
        send("INVITE", cid, f"inv{i}", body=SDP)
        time.sleep(random.uniform(0, 0.004))
        send("CANCEL", cid, f"inv{i}")
        finals = set()
        end = time.time() + 0.3
        while time.time() < end:
            try:
                msg = s.recv(65535).decode(errors="replace")
            except socket.timeout:
                continue
            lines = msg.split("\r\n")
            first = lines[0]
            cseq = next((l for l in lines if l.lower().startswith("cseq:")), "")
            if "INVITE" not in cseq or first.startswith("SIP/2.0 1"):
                continue
            to = next((l for l in lines if l.lower().startswith("to:")), "")
            tag = to.split("tag=")[1].split(";")[0] if "tag=" in to else ""
            code = first.split(" ")[1]
            if code not in finals:
                finals.add(code)
                if code == "200":
                    send("ACK", cid, f"ack{i}", to_tag=tag)
                    send("BYE", cid, f"bye{i}", cseq=2, to_tag=tag)
                else:
                    send("ACK", cid, f"inv{i}", to_tag=tag)
        key = "+".join(sorted(finals)) or "none"
        outcome[key] = outcome.get(key, 0) + 1
    print("final responses per round:", outcome)


if __name__ == "__main__":
    main()
