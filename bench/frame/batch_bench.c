/*
 * batch_bench — the cost of one 20 ms frame read and written through the
 * batched C API (voip_phone_exchange_frames), amortised over many calls.
 *
 *   batch_bench [ROUNDS] [SIP_PORT_BASE] [CALLS]
 *
 * Two phones in this process; the first places CALLS calls (default 100)
 * to the second, which answers.  Each round sleeps 1 s (every call's
 * receive queue fills with 50 frames), then times 40 exchanges on the
 * caller's phone, each writing one frame to every call and reading one
 * frame from every call without waiting (timeout 0): the ABI crossing,
 * handle lookups, locks and copies per frame, as frame_bench.c measures
 * for voip_call_read_audio + voip_call_write_audio.  Prints one line per
 * round in Go's benchmark format (per frame, read + written):
 *   BenchmarkFrameBatch/C-ABI  <frames>  <mean ns> ns/op  <median ns> median-ns/op
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
#define EXCHANGES 40
#define MAXCALLS 1000

static uint64_t calls[MAXCALLS], rcalls[MAXCALLS];
static int32_t wstatus[MAXCALLS], rstatus[MAXCALLS];
static uint8_t wframes[MAXCALLS * FRAME], rframes[MAXCALLS * FRAME];

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 10;
    int base = argc > 2 ? atoi(argv[2]) : 5596;
    int ncalls = argc > 3 ? atoi(argv[3]) : 100;
    if (rounds < 1 || rounds > 1000 || base < 1024 || base > 65000 || ncalls < 1 || ncalls > MAXCALLS) {
        fprintf(stderr, "usage: batch_bench [ROUNDS 1..1000] [SIP_PORT_BASE] [CALLS 1..%d]\n", MAXCALLS);
        return 2;
    }
    uint64_t a = new_phone("batch_bench", base, 46200, 46200 + 2 * ncalls + 9);
    uint64_t b = new_phone("batch_bench", base + 1, 48300, 48300 + 2 * ncalls + 9);
    voip_phone_set_option(a, "max_calls", "4096");
    voip_phone_set_option(b, "max_calls", "4096");
    voip_phone_on_incoming_call(b, on_incoming, NULL);
    if (voip_phone_start(a) != VOIP_OK || voip_phone_start(b) != VOIP_OK) {
        fprintf(stderr, "batch_bench: start: %s\n", voip_last_error());
        return 1;
    }
    char uri[64];
    snprintf(uri, sizeof uri, "sip:bench@127.0.0.1:%d", base + 1);
    for (int i = 0; i < ncalls; i++) {
        int32_t state = -1;
        if (voip_phone_call(a, uri, &calls[i]) != VOIP_OK ||
            voip_call_wait(calls[i], VOIP_STATE_BIT(VOIP_CALL_ANSWERED), 5000, &state) != VOIP_OK ||
            state != VOIP_CALL_ANSWERED) {
            fprintf(stderr, "batch_bench: call %d: %s\n", i, voip_last_error());
            return 1;
        }
    }
    int64_t t[EXCHANGES];
    long short_reads = 0;
    for (int r = 0; r < rounds; r++) {
        struct timespec s = {1, 0};
        nanosleep(&s, NULL);
        int64_t total = 0;
        for (int i = 0; i < EXCHANGES; i++) {
            size_t n = 0;
            int64_t t0 = now_ns();
            voip_phone_exchange_frames(a, FRAME, (size_t)ncalls, calls, wframes, wstatus, 0, (size_t)ncalls,
                                       rcalls, rframes, rstatus, &n);
            t[i] = now_ns() - t0;
            total += t[i];
            if (n != (size_t)ncalls)
                short_reads++;
        }
        qsort(t, EXCHANGES, sizeof t[0], cmp64);
        printf("BenchmarkFrameBatch/C-ABI \t%8d\t%10.1f ns/op\t%10.1f median-ns/op\n", EXCHANGES * ncalls,
               (double)total / EXCHANGES / ncalls, (double)t[EXCHANGES / 2] / ncalls);
        fflush(stdout);
    }
    voip_phone_destroy(a);
    voip_phone_destroy(b);
    if (short_reads) {
        fprintf(stderr, "batch_bench: %ld exchanges did not read a frame from every call\n", short_reads);
        return 1;
    }
    return 0;
}
