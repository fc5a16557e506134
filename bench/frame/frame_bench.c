/*
 * frame_bench — the cost of one 20 ms frame read and written through the C
 * ABI (voip_call_read_audio + voip_call_write_audio), on a real call.
 *
 *   frame_bench [ROUNDS] [SIP_PORT_BASE]
 *
 * Two phones in this process call each other on 127.0.0.1.  On the caller's
 * call, each round sleeps 1 s (the call's receive queue fills with 50
 * frames, its send queue drains 50), then times 40 pairs of
 *   voip_call_read_audio(call, buf, 320, 0, &n)    (a whole frame is there)
 *   voip_call_write_audio(call, buf, 320, 0, NULL) (there is room)
 * so that neither waits: what is timed is the ABI crossing, the handle
 * lookup, the locks and the copies, i.e. what an application pays per frame
 * on top of waiting for the next one.  Prints one line per round in Go's
 * benchmark format (benchstat reads them):
 *   BenchmarkFrameReadWrite/C-ABI  40  <mean ns> ns/op  <median ns> median-ns/op
 */
#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <voip.h>

#include "bench_util.h"

#define FRAME 320
#define PAIRS 40

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 10;
    int base = argc > 2 ? atoi(argv[2]) : 5590;
    if (rounds < 1 || rounds > 1000 || base < 1024 || base > 65000) {
        fprintf(stderr, "usage: frame_bench [ROUNDS 1..1000] [SIP_PORT_BASE]\n");
        return 2;
    }
    char uri[64];
    snprintf(uri, sizeof uri, "sip:bench@127.0.0.1:%d", base + 1);
    uint64_t a = new_phone("frame_bench", base, 46100, 46109);
    uint64_t b = new_phone("frame_bench", base + 1, 46110, 46119);
    voip_phone_on_incoming_call(b, on_incoming, NULL);
    if (voip_phone_start(a) != VOIP_OK || voip_phone_start(b) != VOIP_OK) {
        fprintf(stderr, "frame_bench: start: %s\n", voip_last_error());
        return 1;
    }
    uint64_t call = 0;
    int32_t state = -1;
    if (voip_phone_call(a, uri, &call) != VOIP_OK ||
        voip_call_wait(call, VOIP_STATE_BIT(VOIP_CALL_ANSWERED), 5000, &state) != VOIP_OK ||
        state != VOIP_CALL_ANSWERED) {
        fprintf(stderr, "frame_bench: call: %s\n", voip_last_error());
        return 1;
    }
    uint8_t buf[FRAME];
    memset(buf, 0, sizeof buf);
    int64_t t[PAIRS];
    int failures = 0;
    for (int r = 0; r < rounds; r++) {
        struct timespec s = {1, 0};
        nanosleep(&s, NULL);
        int64_t total = 0;
        for (int i = 0; i < PAIRS; i++) {
            size_t n = 0;
            int64_t t0 = now_ns();
            int rc1 = voip_call_read_audio(call, buf, FRAME, 0, &n);
            int rc2 = voip_call_write_audio(call, buf, FRAME, 0, NULL);
            t[i] = now_ns() - t0;
            total += t[i];
            if (rc1 != VOIP_OK || rc2 != VOIP_OK || n != FRAME)
                failures++;
        }
        qsort(t, PAIRS, sizeof t[0], cmp64);
        printf("BenchmarkFrameReadWrite/C-ABI \t%8d\t%10.1f ns/op\t%10.1f median-ns/op\n",
               PAIRS, (double)total / PAIRS, (double)t[PAIRS / 2]);
        fflush(stdout);
    }
    voip_call_hangup(call);
    voip_call_release(call);
    voip_phone_destroy(a);
    voip_phone_destroy(b);
    if (failures) {
        fprintf(stderr, "frame_bench: %d reads or writes did not move a whole frame\n", failures);
        return 1;
    }
    return 0;
}
