/* bench_util.h: what the frame benchmarks (frame_bench.c, batch_bench.c)
 * share: an answering callback, a monotonic clock, a sort comparator and a
 * loopback phone. */
#ifndef BENCH_UTIL_H
#define BENCH_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <voip.h>

static void on_incoming(void *ud, uint64_t phone, uint64_t call, const char *from, const char *to)
{
    (void)ud; (void)phone; (void)from; (void)to;
    voip_call_answer(call);
}

static int64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static int cmp64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* new_phone: a stopped phone on 127.0.0.1:port with RTP ports lo..hi;
 * exits with a message naming prog when the library refuses. */
static uint64_t new_phone(const char *prog, int port, int lo, int hi)
{
    char v[3][16];
    snprintf(v[0], sizeof v[0], "%d", port);
    snprintf(v[1], sizeof v[1], "%d", lo);
    snprintf(v[2], sizeof v[2], "%d", hi);
    uint64_t p = 0;
    if (voip_phone_new(&p) != VOIP_OK || voip_phone_set_option(p, "bind_ip", "127.0.0.1") != VOIP_OK ||
        voip_phone_set_option(p, "bind_port", v[0]) != VOIP_OK ||
        voip_phone_set_option(p, "rtp_port_low", v[1]) != VOIP_OK ||
        voip_phone_set_option(p, "rtp_port_high", v[2]) != VOIP_OK) {
        fprintf(stderr, "%s: phone: %s\n", prog, voip_last_error());
        exit(1);
    }
    return p;
}

#endif
