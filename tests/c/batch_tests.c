/*
 * batch_tests.c — the batched audio path (issue 16): voip_phone_read_frames,
 * voip_phone_write_frames and voip_phone_exchange_frames on real calls
 * between two phones of this process.  Run one test per process:
 * `batch_tests <name>`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <voip.h>

#include "audio_util.h"
#include "harness.h"

#ifndef BATCH_PORT_BASE
#define BATCH_PORT_BASE 39000 /* RTP ports: base + 300 * test index */
#endif

#define NCALLS 20
#define FRAME 320 /* 20 ms of s16le at 8 kHz */

static int g_index;

/* The echo side: one thread serves every call of the phone. */
struct echo {
    uint64_t phone;
    volatile int stop;
    long frames, ended, rounds;
};

static void *echo_thread(void *arg)
{
    struct echo *e = arg;
    static uint64_t calls[NCALLS], wcalls[NCALLS];
    static int32_t status[NCALLS], wstatus[NCALLS];
    static uint8_t frames[NCALLS * FRAME], wframes[NCALLS * FRAME];
    size_t nwrite = 0;
    while (!e->stop) {
        size_t n = 0;
        int rc = voip_phone_exchange_frames(e->phone, FRAME, nwrite, wcalls, wframes, wstatus,
                                            200, NCALLS, calls, frames, status, &n);
        if (rc != VOIP_OK && rc != VOIP_ETIMEOUT)
            t_fail(__FILE__, __LINE__, "exchange_frames: %d %s", rc, voip_last_error());
        for (size_t i = 0; i < nwrite; i++)
            if (wstatus[i] != VOIP_OK && wstatus[i] != VOIP_EENDED)
                t_fail(__FILE__, __LINE__, "write status %d", wstatus[i]);
        nwrite = 0;
        e->rounds++;
        for (size_t i = 0; i < n; i++) {
            if (status[i] == VOIP_EENDED) {
                e->ended++;
                continue;
            }
            wcalls[nwrite] = calls[i];
            memcpy(wframes + nwrite * FRAME, frames + i * FRAME, FRAME);
            nwrite++;
            e->frames++;
        }
    }
    return NULL;
}

/* Twenty calls echoed by one thread: each caller hears its own tone back
 * at its level, and (read by one batch loop on the caller's side too)
 * every call yields one frame per tick: none lost, none repeated. */
static void test_batch_echo(void)
{
    int lo = BATCH_PORT_BASE + 300 * g_index;
    tphone *a = tp_start("alice", lo, lo + 149, TP_RECORD, NULL, NULL, NULL);
    tphone *b = tp_start("bob", lo + 150, lo + 299, TP_ANSWER, NULL, NULL, NULL);
    struct echo e = { .phone = b->phone };
    pthread_t th;
    CHECK(pthread_create(&th, NULL, echo_thread, &e) == 0, "thread");

    STEP("place the calls, queue a tone on each");
    uint64_t ca[NCALLS];
    static int16_t tone[100 * AU_FRAME];
    static uint8_t bytes[sizeof tone];
    for (int i = 0; i < NCALLS; i++) {
        ca[i] = tp_call(a, b, "bob");
        WAIT_STATE(ca[i], VOIP_CALL_ANSWERED, 5000);
    }
    static uint64_t calls[NCALLS];
    static int32_t status[NCALLS];
    static uint8_t frames[NCALLS * FRAME];
    size_t n = 0;
    /* What the calls received while they were set up is not counted. */
    while (voip_phone_read_frames(a->phone, 0, FRAME, NCALLS, calls, frames, status, &n) == VOIP_OK)
        ;
    for (int i = 0; i < NCALLS; i++) {
        double phase = 0;
        au_tone(tone, 100 * AU_FRAME, 400 + 120 * i, 8000, &phase);
        au_to_s16le(tone, 100 * AU_FRAME, bytes);
        OK(voip_call_write_audio(ca[i], bytes, sizeof bytes, 0, NULL));
    }

    STEP("read every caller's echo in one batch loop");
    static int16_t heard[NCALLS][150 * AU_FRAME];
    int nheard[NCALLS] = {0};
    double t0 = t_now();
    while (t_now() - t0 < 1.6) {
        int rc = voip_phone_read_frames(a->phone, 1000, FRAME, NCALLS, calls, frames, status, &n);
        CHECK(rc == VOIP_OK && n > 0, "read_frames: %d (%s), %zu entries", rc, voip_last_error(), n);
        for (size_t k = 0; k < n; k++) {
            CHECK(status[k] == VOIP_OK, "status %d", status[k]);
            int i = 0;
            while (i < NCALLS && ca[i] != calls[k])
                i++;
            CHECK(i < NCALLS, "a frame of unknown call %llu", (unsigned long long)calls[k]);
            if (nheard[i] < 150) {
                au_from_s16le(frames + k * FRAME, FRAME, heard[i] + nheard[i] * AU_FRAME);
                nheard[i]++;
            }
        }
    }
    int lo_n = 1 << 30, hi_n = 0;
    for (int i = 0; i < NCALLS; i++) {
        lo_n = nheard[i] < lo_n ? nheard[i] : lo_n;
        hi_n = nheard[i] > hi_n ? nheard[i] : hi_n;
        size_t len = (size_t)nheard[i] * AU_FRAME;
        const int16_t *tail = heard[i] + len / 2;
        double hz = au_dominant_freq(tail, len - len / 2);
        double rms = au_rms(tail, len - len / 2);
        double want = 400 + 120 * i;
        SOFT_CHECK(hz > want - 5 && hz < want + 5 && rms > 3000,
                   "caller %d heard %.0f Hz rms %.0f back, want %.0f Hz", i, hz, rms, want);
    }
    /* 1.6 s is 80 ticks: every call delivered one frame per tick. */
    SOFT_CHECK(hi_n - lo_n <= 2 && lo_n >= 70 && hi_n <= 82,
               "frames per call %d..%d in 1.6 s, want 80 each (within 2)", lo_n, hi_n);

    STEP("hang up: each end is reported once");
    for (int i = 0; i < NCALLS; i++)
        OK(voip_call_hangup(ca[i]));
    double t1 = t_now();
    while (e.ended < NCALLS && t_now() - t1 < 5)
        t_sleep_ms(20);
    e.stop = 1;
    pthread_join(th, NULL);
    CHECK(e.ended == NCALLS, "%ld ends reported, want %d", e.ended, NCALLS);
    CHECK(e.frames >= NCALLS * 70, "the echo took %ld frames", e.frames);
    for (int i = 0; i < NCALLS; i++)
        OK(voip_call_release(ca[i]));
    tp_destroy(a);
    tp_destroy(b);
}

/* Bad arguments, stale handles, a stopped phone. */
static void test_batch_errors(void)
{
    int lo = BATCH_PORT_BASE + 300 * g_index;
    tphone *a = tp_start("alice", lo, lo + 149, TP_RECORD, NULL, NULL, NULL);
    uint64_t calls[2] = { 1ull << 60, 0 };
    int32_t status[2] = { 0, 0 };
    uint8_t frames[2 * FRAME] = { 0 };
    size_t n = 7;
    EXPECT_RC(voip_phone_read_frames(a->phone, 0, FRAME, 2, NULL, frames, status, &n), VOIP_EINVAL);
    CHECK(n == 0, "count %zu after an error", n);
    EXPECT_RC(voip_phone_read_frames(a->phone, 0, 0, 2, calls, frames, status, &n), VOIP_EINVAL);
    EXPECT_RC(voip_phone_read_frames(a->phone, 0, FRAME, 0, calls, frames, status, &n), VOIP_EINVAL);
    EXPECT_RC(voip_phone_read_frames(a->phone, 0, FRAME, 2, calls, frames, status, NULL), VOIP_EINVAL);
    EXPECT_RC(voip_phone_read_frames(0, 0, FRAME, 2, calls, frames, status, &n), VOIP_ENOTFOUND);
    double t0 = t_now();
    EXPECT_RC(voip_phone_read_frames(a->phone, 100, FRAME, 2, calls, frames, status, &n), VOIP_ETIMEOUT);
    CHECK(n == 0 && t_now() - t0 >= 0.09, "no call: %zu entries after %.3f s", n, t_now() - t0);
    OK(voip_phone_write_frames(a->phone, FRAME, 1, calls, frames, status));
    CHECK(status[0] == VOIP_ENOTFOUND, "write to a stale handle: status %d", status[0]);
    OK(voip_phone_write_frames(a->phone, FRAME, 0, NULL, NULL, NULL));
    OK(voip_phone_exchange_frames(a->phone, FRAME, 0, NULL, NULL, NULL, 0, 0, NULL, NULL, NULL, NULL));
    OK(voip_phone_stop(a->phone));
    EXPECT_RC(voip_phone_read_frames(a->phone, 100, FRAME, 2, calls, frames, status, &n), VOIP_ESTATE);
    tp_destroy(a);
}

static const struct t_test tests[] = {
    { "batch_echo", test_batch_echo },
    { "batch_errors", test_batch_errors },
};
#define NTESTS ((int)(sizeof tests / sizeof tests[0]))

int main(int argc, char **argv)
{
    return t_main(argc, argv, tests, NTESTS, 60, &g_index);
}
