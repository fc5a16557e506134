"""sipmsg.py — the few SIP messages the soak tools send, and a lenient parser
for what comes back (Python standard library only).

Every message is built for 127.0.0.1; the tools never send anywhere else.
"""
import argparse
import os
import time


def loopback_addr(s):
    """An argparse type: "127.0.0.1:PORT" as (host, port); any other host is
    refused, so that no tool can be pointed off this machine."""
    host, _, port = s.rpartition(":")
    if host != "127.0.0.1":
        raise argparse.ArgumentTypeError("loopback only: 127.0.0.1:PORT")
    return host, int(port)


def token(n=10):
    """A random token for tags, branches and Call-IDs."""
    return os.urandom(n).hex()


def sdp(ip, port, session=None):
    """A PCMU + RFC 4733 audio offer naming ip:port as the media address."""
    session = session or int(time.time())
    return (
        "v=0\r\n"
        f"o=soak {session} {session} IN IP4 {ip}\r\n"
        "s=soak\r\n"
        f"c=IN IP4 {ip}\r\n"
        "t=0 0\r\n"
        f"m=audio {port} RTP/AVP 0 101\r\n"
        "a=rtpmap:0 PCMU/8000\r\n"
        "a=rtpmap:101 telephone-event/8000\r\n"
        "a=fmtp:101 0-16\r\n"
        "a=sendrecv\r\n"
    )


def request(method, ruri, local, call_id, from_tag, cseq, transport="UDP",
            to_tag=None, body="", ctype="application/sdp", branch=None,
            cseq_method=None, user="soak", to_uri=None):
    """A request from local (ip, port); returns (bytes, branch)."""
    branch = branch or "z9hG4bK" + token(8)
    ip, port = local
    to_uri = to_uri or ruri
    to = f"<{to_uri}>" + (f";tag={to_tag}" if to_tag else "")
    lines = [
        f"{method} {ruri} SIP/2.0",
        f"Via: SIP/2.0/{transport} {ip}:{port};branch={branch};rport",
        "Max-Forwards: 70",
        f"From: <sip:{user}@{ip}:{port}>;tag={from_tag}",
        f"To: {to}",
        f"Call-ID: {call_id}",
        f"CSeq: {cseq} {cseq_method or method}",
        f"Contact: <sip:{user}@{ip}:{port};transport={transport.lower()}>",
        "User-Agent: libvoip-soak",
    ]
    if body:
        lines.append(f"Content-Type: {ctype}")
    lines.append(f"Content-Length: {len(body.encode())}")
    return ("\r\n".join(lines) + "\r\n\r\n" + body).encode(), branch


class Message:
    """A parsed SIP message: first line, headers (lower-case names, lists of
    values, compact forms expanded) and body."""

    COMPACT = {"v": "via", "f": "from", "t": "to", "i": "call-id", "m": "contact",
               "l": "content-length", "c": "content-type"}

    def __init__(self, data):
        text = data.decode("utf-8", "replace")
        head, _, self.body = text.partition("\r\n\r\n")
        lines = head.split("\r\n")
        self.first = lines[0] if lines else ""
        self.headers = {}
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if not sep:
                continue
            name = name.strip().lower()
            name = self.COMPACT.get(name, name)
            self.headers.setdefault(name, []).append(value.strip())
        parts = self.first.split(" ", 2)
        self.is_response = parts[0] == "SIP/2.0"
        self.status = int(parts[1]) if self.is_response and len(parts) > 1 and parts[1].isdigit() else 0
        self.method = "" if self.is_response else parts[0]

    def get(self, name, default=""):
        v = self.headers.get(name.lower())
        return v[0] if v else default

    @property
    def call_id(self):
        return self.get("call-id")

    @property
    def cseq(self):
        """(number, method) of CSeq."""
        n, _, m = self.get("cseq").partition(" ")
        return (int(n) if n.isdigit() else 0), m.strip()

    @property
    def to_tag(self):
        return param(self.get("to"), "tag")

    @property
    def contact_uri(self):
        c = self.get("contact")
        if "<" in c:
            return c[c.index("<") + 1:c.index(">")]
        return c.split(";")[0]

    def response(self, code, reason, to_tag=None):
        """A response to this request copying Via, From, To, Call-ID, CSeq."""
        to = self.get("to")
        if to_tag and "tag=" not in to:
            to += f";tag={to_tag}"
        lines = [f"SIP/2.0 {code} {reason}"]
        lines += [f"Via: {v}" for v in self.headers.get("via", [])]
        lines += [f"From: {self.get('from')}", f"To: {to}",
                  f"Call-ID: {self.call_id}", f"CSeq: {self.get('cseq')}",
                  "Content-Length: 0"]
        return ("\r\n".join(lines) + "\r\n\r\n").encode()


def param(header, name):
    """The value of ;name=value in a header value ('' when absent)."""
    for p in header.split(";")[1:]:
        k, _, v = p.partition("=")
        if k.strip().lower() == name:
            return v.strip()
    return ""


def read_tcp_message(sock, buf=b""):
    """One SIP message from a TCP socket (blocking, socket timeout applies):
    returns (Message or None at EOF, rest of the buffer)."""
    while b"\r\n\r\n" not in buf:
        chunk = sock.recv(65536)
        if not chunk:
            return None, buf
        buf += chunk
    head, _, rest = buf.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() in (b"content-length", b"l"):
            length = int(v.strip() or b"0")
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            return None, buf
        rest += chunk
    return Message(head + b"\r\n\r\n" + rest[:length]), rest[length:]
