package main

import (
	"fmt"
	"io"
)

const usageText = `usage:
  voip call [options] URI     place a call to URI (sip:user@host[:port], or a
                              user or number with --server)
  voip answer [options]       wait for one call, answer it
  voip register [options]     register with --server and stay registered
                              until Ctrl-C (or --duration)

PBX and network:
  --server HOST[:PORT]        registrar and proxy (registers when set)
  --user NAME                 our user name (default libvoip)
  --password PW               digest password
  --auth-user U               digest user name when it differs from --user
  --register sip:USER@HOST[:PORT]   the same as --user USER --server HOST[:PORT]
  --transport udp|tcp|tls     SIP transport (default udp)
  --ca FILE                   TLS: CA bundle to verify the server
  --insecure                  TLS: do not verify the server's certificate
  --outbound-proxy URI        send every request through this proxy
  --bind IP:PORT              our SIP address (call, register: 0.0.0.0:0;
                              answer: 0.0.0.0:5060)
  --rtp-ports LOW-HIGH        RTP port range (default 10000-20000)
  --option KEY=VALUE          any phone option of voip.h (repeatable)
  --trace                     log every SIP message (phone option sip_trace)
  --verbose                   log the library's debug lines on stderr

The call:
  --timeout D                 call: cancel when not answered within D;
                              answer: give up when no call came within D
  --duration D                hang up D after the answer
  --dtmf DIGITS               send DIGITS (0-9 * # A-D) once the call is up
  --dtmf-delay D              ... D after the answer (default 500ms)
  --dtmf-after-silence D      ... once the far end was silent for D (an IVR's
                              prompt is over)
  --dtmf-duration D           each digit's length (default 100ms)
  --hold                      put the call on hold (after the digits)
  --transfer URI              blind-transfer the call to URI (after the digits)
  --play FILE.wav             play FILE into the call once it is up (PCM
                              8/16-bit, A-law, u-law; any rate)
  --record FILE.wav           record the call, both ways (stereo: left
                              received, right sent)
  --hangup                    hang up once the digits, hold, transfer and
                              --play's file are done
  --sound                     talk through the sound card (miniaudio)
  --sound-backend NAME        "default", or "null" (no device: for tests)
  --interactive / --no-interactive   keys on the terminal (default: when
                              standard input is a terminal)

Keys (interactive): 0-9 * # A-D send a digit, h hang up (or cancel),
  o hold / resume, q quit, ? help.

Output (standard output, one line each):
  LISTENING <uri>             answer: where to call us
  INCOMING <from>             answer: a call arrived
  STATUS <STATUS> <reason>    registration status
  CALL <STATE> <reason>       every state change of the call
  DTMF <digit>                a key the far end pressed
  EVENT <name> <detail>       hold, resume, transfer_progress, ...
  SENT <digits>               the digits of --dtmf or a key went out
  RECORDED <file> <seconds>s  --record's file is complete
  SOUND backend=... captured=<frames> played=<frames>   with --sound
  END code=<sip code> reason="<why>" talk=<seconds>s exit=<status>

Exit status: 0 answered (whoever hung up) or registered; 1 unexpected error;
  2 usage; 3 refused (busy, declined, 4xx-6xx); 4 no answer (timeout, 408,
  480); 5 registration refused or unanswered; 6 network (cannot bind, resolve
  or reach the peer); 7 the call was up but --dtmf/--hold/--transfer failed;
  130 interrupted before the answer.
`

func printUsage(w io.Writer) { _, _ = fmt.Fprint(w, usageText) }
