// Command voip-impair is a userspace lossy link for tests on 127.0.0.1: it
// relays one SIP peer's calls to another and drops, delays, jitters and
// reorders their RTP, with a seeded random generator so that a run can be
// repeated. This kernel has no netem, and the tests need no root.
//
//	voip-impair -target 127.0.0.1:5098 -listen 127.0.0.1:5097 \
//	    -loss 20 -delay 20ms -jitter 15ms -reorder 5 -seed 7 -duration 20s
//	voip-dial sip:echo@127.0.0.1:5097 ...    (calls the echo through the relay)
//
// How the media is made to pass through it: the caller dials the relay's
// SIP address, and the relay forwards every SIP datagram unimpaired to
// -target and the answers back, rewriting the SDP bodies on the way (the
// c= lines and the first m=audio port, and Content-Length): the offer then
// names a relay port facing the callee, the answer a relay port facing the
// caller, one pair of ports per call (Call-ID). Each side's RTP therefore
// goes to the relay, which sends it on from the port the other side was
// told about (symmetric RTP). Requests within the dialog (ACK, BYE) go
// straight to the Contact of the other side and are not relayed: only the
// INVITE's offer and its answer must be, and SIP stays loss-free so that
// a test measures the media path alone. Other designs were heavier: the
// phones have no option to advertise another media port, and network
// namespaces with a bridge need root and cleanup.
//
// Impairment, the same both ways and drawn independently for each
// direction of each call: -loss percent of the packets are dropped; the
// others wait -delay plus a uniform random part of -jitter (jitter larger
// than the packet interval reorders too), and -reorder percent of them a
// further -reorder-gap, so that later packets overtake them.
//
// Bounds: it stops after -duration or after -max-packets media packets
// (or on SIGINT/SIGTERM), holds at most 4096 waiting packets per
// direction and 64 calls, and listens, forwards and accepts packets only
// on loopback addresses. On exit it prints, on stdout, one line per
// direction of each call and the totals:
//
//	MEDIA <call-id> caller->target in=N dropped=N sent=N reordered=N held_back=N refused=N overflow=N
//	TOTAL caller->target in=N ...
//	TOTAL target->caller in=N ...
//
// Exit status: 0 after a run, 1 on a usage or socket error or when the
// report cannot be written.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// maxDuration caps -duration: the relay is a test tool, never a service.
const maxDuration = 10 * time.Minute

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is the whole program with its arguments and outputs.
func run(args []string, stdout, stderr io.Writer) int {
	cfg, limit, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		logf(stderr, "voip-impair: %v\n", err)
		return 1
	}
	ctx, cancel := context.WithTimeout(context.Background(), limit.duration)
	defer cancel()
	ctx, stopSignals := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stopSignals()
	b := &budget{stop: cancel}
	b.left.Store(limit.packets)
	cfg.Budget, cfg.Log = b, stderr

	r, err := newRelay(cfg)
	if err != nil {
		logf(stderr, "voip-impair: %v\n", err)
		return 1
	}
	logf(stderr, "voip-impair: listening on %v, relaying to %v (loss %.1f%%, delay %v, jitter %v, reorder %.1f%% by %v, seed %d)\n",
		r.addr(), cfg.Target, cfg.Impair.Loss*100, cfg.Impair.Delay, cfg.Impair.Jitter,
		cfg.Impair.Reorder*100, cfg.Impair.ReorderGap, cfg.Seed)
	r.serve(ctx)
	if err := r.report(stdout); err != nil {
		logf(stderr, "voip-impair: writing the report: %v\n", err)
		return 1
	}
	return 0
}

// logf writes a diagnostic line to w. A log that cannot be written has
// nowhere to report it, so its error is deliberately dropped.
func logf(w io.Writer, format string, args ...any) {
	_, _ = fmt.Fprintf(w, format, args...)
}

// limits are the relay's run bounds.
type limits struct {
	duration time.Duration
	packets  int64
}

// parseFlags turns the command line into a relay configuration and bounds.
func parseFlags(args []string, stderr io.Writer) (relayConfig, limits, error) {
	fs := flag.NewFlagSet("voip-impair", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:0", "SIP address the caller dials (loopback; port 0 picks one)")
	target := fs.String("target", "", "SIP address of the callee (loopback), required")
	loss := fs.Float64("loss", 0, "percent of media packets dropped, each direction")
	reorder := fs.Float64("reorder", 0, "percent of media packets held back by -reorder-gap")
	var cfg relayConfig
	fs.DurationVar(&cfg.Impair.Delay, "delay", 0, "fixed delay of every media packet")
	fs.DurationVar(&cfg.Impair.Jitter, "jitter", 0, "further uniform random delay, 0..jitter")
	fs.DurationVar(&cfg.Impair.ReorderGap, "reorder-gap", 50*time.Millisecond, "extra delay of a held-back packet")
	fs.Uint64Var(&cfg.Seed, "seed", 1, "seed of the random decisions (same seed, same decisions)")
	var lim limits
	fs.DurationVar(&lim.duration, "duration", time.Minute, "stop after this long (at most 10m)")
	fs.Int64Var(&lim.packets, "max-packets", 100000, "stop after taking in this many media packets")
	if err := fs.Parse(args); err != nil {
		return cfg, lim, err
	}
	if fs.NArg() > 0 {
		return cfg, lim, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	var err error
	if cfg.Listen, err = netip.ParseAddrPort(*listen); err != nil {
		return cfg, lim, fmt.Errorf("-listen: %w", err)
	}
	if cfg.Target, err = netip.ParseAddrPort(*target); err != nil {
		return cfg, lim, fmt.Errorf("-target: %w", err)
	}
	cfg.Impair.Loss, cfg.Impair.Reorder = *loss/100, *reorder/100
	if lim.duration <= 0 || lim.duration > maxDuration || lim.packets <= 0 {
		return cfg, lim, fmt.Errorf("-duration must be in (0, %v] and -max-packets positive", maxDuration)
	}
	return cfg, lim, cfg.Impair.Validate()
}
