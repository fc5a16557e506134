#!/usr/bin/env bash
# quality_lossy.sh — call quality measured through the lossy relay, outside
# the race detector.
#
# Runs cmd/voip-impair's TestQualityThroughLossyRelay without -race (make
# test's `go test -race ./...` skips it: the race detector's slowdown reads
# as jitter): five calls of 7-10 s between two libvoip phones through
# voip-impair at once (0, 5 and 20 % loss with 20 ms delay and 0-30 ms
# jitter; 5 % without PLC; 25 ms each way and no jitter). Passes when the
# quality JSON's loss is within 1 % of what the relay dropped, its jitter
# within 4 ms of the injected uniform jitter's expected J/3, the MOS falls
# as loss rises, PLC leaves under 1 % of the 20 ms blocks near-silent where
# silence leaves over 2 %, both sides' RTT through 2 x 25 ms is 50 ± 10 ms,
# and RTCP went both ways over rtcp-mux.
# Ports: RTP 31000-31099; SIP ports and the relay's are ephemeral.
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"
interop_init quality_lossy
GO=$(command -v go || echo /usr/local/go/bin/go)
if [ ! -x "$GO" ]; then
  [ -n "${CI:-}" ] && die "go not found"
  log "SKIP  go not found"; exit 77
fi
run_fg gotest 90 bash -c "cd '$REPO_ROOT' && '$GO' test -count=1 -v -run 'TestQualityThroughLossyRelay\$' ./cmd/voip-impair"
grep -E 'quality_test.go|^(--- |ok|FAIL)' "$RUN/gotest.out" | while read -r l; do log "$l"; done
check "go test TestQualityThroughLossyRelay passed (exit $FG_RC)" [ "$FG_RC" = 0 ]
check "the test ran (not skipped)" grep -q -- '--- PASS: TestQualityThroughLossyRelay' "$RUN/gotest.out"
finish
