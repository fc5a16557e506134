/*
 * drain_tests.c — voip_call_drain, voip_call_flush and
 * voip_call_collect_dtmf on real calls between two phones of this process
 * (issue 17).  Run one test per process: `drain_tests <name>`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <voip.h>

#include "audio_util.h"
#include "harness.h"

#ifndef DRAIN_PORT_BASE
#define DRAIN_PORT_BASE 36000 /* RTP ports: base + 300 * test index */
#endif

static int g_index;

static void establish(tphone **a, tphone **b, uint64_t *ca, uint64_t *cb, const char *mode)
{
    int lo = DRAIN_PORT_BASE + 300 * g_index;
    *a = tp_start("alice", lo, lo + 149, TP_RECORD, NULL, mode ? "dtmf_mode" : NULL, mode);
    *b = tp_start("bob", lo + 150, lo + 299, TP_ANSWER, NULL, NULL, NULL);
    STEP("call and answer");
    *ca = tp_call(*a, *b, "bob");
    *cb = tp_next_incoming(*b, 5000);
    CHECK(*cb != 0, "B got no incoming call within 5 s");
    WAIT_STATE(*ca, VOIP_CALL_ANSWERED, 5000);
    WAIT_STATE(*cb, VOIP_CALL_ANSWERED, 5000);
}

static void finish(tphone *a, tphone *b, uint64_t ca, uint64_t cb)
{
    OK(voip_call_release(ca));
    OK(voip_call_release(cb));
    tp_destroy(a);
    tp_destroy(b);
}

/* Send "123#", drain, hang up at once: B has every digit before the BYE. */
static void run_drain(const char *mode)
{
    tphone *a, *b;
    uint64_t ca, cb;
    establish(&a, &b, &ca, &cb, mode);
    STEP("send, drain, hang up");
    OK(voip_call_send_dtmf(ca, "123#", 60));
    double t0 = t_now();
    OK(voip_call_drain(ca, VOIP_DRAIN_DTMF | VOIP_DRAIN_AUDIO, 5000));
    double took = t_now() - t0;
    CHECK(took >= 0.24, "drain returned after %.3f s, before 4 digits of 60 ms could be sent", took);
    OK(voip_call_hangup(ca));
    WAIT_STATE(cb, VOIP_CALL_ENDED, 3000);
    char buf[64];
    OK(voip_call_get_dtmf(cb, buf, sizeof buf, NULL));
    CHECK(!strcmp(buf, "123#"), "B got \"%s\" before the hang-up, want \"123#\"", buf);
    EXPECT_RC(voip_call_drain(ca, VOIP_DRAIN_DTMF, 1000), VOIP_EENDED);
    EXPECT_RC(voip_call_drain(ca, 0, 1000), VOIP_EINVAL);
    EXPECT_RC(voip_call_drain(ca, 8, 1000), VOIP_EINVAL);
    finish(a, b, ca, cb);
}

static void test_drain(void) { run_drain(NULL); }
static void test_drain_info(void) { run_drain("info"); }

/* Queue ms of a 1 kHz tone without waiting. */
static void queue_tone(uint64_t call, int ms)
{
    size_t n = (size_t)ms * 8;
    int16_t *s = malloc(n * sizeof *s);
    uint8_t *b = malloc(n * 2);
    double phase = 0;
    au_tone(s, n, 1000, 8000, &phase);
    au_to_s16le(s, n, b);
    size_t nw = 0;
    OK(voip_call_write_audio(call, b, n * 2, 0, &nw));
    free(s);
    free(b);
}

/* The RMS level of the next ms of received audio. */
static double level(uint64_t call, int ms)
{
    size_t n = (size_t)ms * 8;
    uint8_t *b = malloc(n * 2);
    int16_t *s = malloc(n * sizeof *s);
    size_t nr = 0;
    OK(voip_call_read_audio(call, b, n * 2, ms + 1000, &nr));
    au_from_s16le(b, nr, s);
    double r = au_rms(s, nr / 2);
    free(b);
    free(s);
    return r;
}

/* Barge-in: a flushed announcement is not heard; flushed received audio is
 * not read; drain waits for written audio. */
static void test_flush(void)
{
    tphone *a, *b;
    uint64_t ca, cb;
    establish(&a, &b, &ca, &cb, NULL);
    STEP("drain 400 ms of audio");
    queue_tone(ca, 400);
    double t0 = t_now();
    OK(voip_call_drain(ca, VOIP_DRAIN_AUDIO, 5000));
    double took = t_now() - t0;
    CHECK(took >= 0.36 && took < 2, "draining 400 ms of audio took %.3f s", took);

    STEP("flush what A sends while B listens");
    OK(voip_call_flush(cb, VOIP_FLUSH_RECEIVED_AUDIO));
    queue_tone(ca, 1500);
    double before = level(cb, 300);
    CHECK(before > 1000, "B heard level %.0f before the flush, want the tone", before);
    OK(voip_call_flush(ca, VOIP_FLUSH_SEND_AUDIO));
    t_sleep_ms(400); /* what was in flight: the network and B's jitter buffer */
    OK(voip_call_flush(cb, VOIP_FLUSH_RECEIVED_AUDIO));
    double after = level(cb, 500);
    CHECK(after < 50, "B heard level %.0f after A's flush, want silence", after);

    STEP("flush what B received but did not read");
    queue_tone(ca, 600);
    OK(voip_call_drain(ca, VOIP_DRAIN_AUDIO, 5000));
    t_sleep_ms(500);
    OK(voip_call_flush(cb, VOIP_FLUSH_RECEIVED_AUDIO));
    after = level(cb, 300);
    CHECK(after < 50, "B read level %.0f after flushing, want silence", after);
    EXPECT_RC(voip_call_flush(cb, 0), VOIP_EINVAL);
    EXPECT_RC(voip_call_flush(cb, 64), VOIP_EINVAL);
    OK(voip_call_hangup(ca));
    WAIT_STATE(cb, VOIP_CALL_ENDED, 3000);
    finish(a, b, ca, cb);
}

/* Each stop condition of voip_call_collect_dtmf. */
static void test_collect(void)
{
    static const struct {
        const char *name, *send;
        int32_t max, timeout, inter;
        const char *terms, *want;
        int32_t stop;
        char term;
    } cases[] = {
        { "max digits", "1234", 3, 5000, 0, NULL, "123", VOIP_COLLECT_MAX_DIGITS, 0 },
        { "terminator", "12#", 0, 5000, 0, "*#", "12", VOIP_COLLECT_TERMINATOR, '#' },
        { "timeout", "", 4, 300, 0, "#", "", VOIP_COLLECT_TIMEOUT, 0 },
        { "inter-digit", "56", 0, 5000, 600, "#", "56", VOIP_COLLECT_INTER_DIGIT, 0 },
    };
    tphone *a, *b;
    uint64_t ca, cb;
    establish(&a, &b, &ca, &cb, NULL);
    char buf[32], term;
    int32_t stop;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        STEP(cases[i].name);
        OK(voip_call_flush(cb, VOIP_FLUSH_RECEIVED_DTMF));
        if (cases[i].send[0])
            OK(voip_call_send_dtmf(ca, cases[i].send, 0));
        double t0 = t_now();
        OK(voip_call_collect_dtmf(cb, cases[i].max, cases[i].timeout, cases[i].inter, cases[i].terms,
                                  buf, sizeof buf, &stop, &term));
        double took = t_now() - t0;
        SOFT_CHECK(!strcmp(buf, cases[i].want) && stop == cases[i].stop && term == cases[i].term,
                   "%s: got \"%s\" stop %d terminator %d, want \"%s\" %d %d", cases[i].name, buf,
                   (int)stop, term, cases[i].want, (int)cases[i].stop, cases[i].term);
        SOFT_CHECK(cases[i].stop != VOIP_COLLECT_TIMEOUT || took >= 0.29, "%s: after %.3f s", cases[i].name, took);
        OK(voip_call_drain(ca, VOIP_DRAIN_DTMF, 3000));
    }
    STEP("bad arguments");
    EXPECT_RC(voip_call_collect_dtmf(cb, 0, 0, 0, "x", buf, sizeof buf, NULL, NULL), VOIP_EINVAL);
    EXPECT_RC(voip_call_collect_dtmf(cb, -1, 0, 0, NULL, buf, sizeof buf, NULL, NULL), VOIP_EINVAL);
    EXPECT_RC(voip_call_collect_dtmf(cb, 0, 0, 0, NULL, buf, 1, NULL, NULL), VOIP_EINVAL);
    EXPECT_RC(voip_call_collect_dtmf(cb, 0, 0, 0, NULL, NULL, 8, NULL, NULL), VOIP_EINVAL);

    STEP("the call ends during the collection");
    OK(voip_call_flush(cb, VOIP_FLUSH_RECEIVED_DTMF));
    OK(voip_call_send_dtmf(ca, "9", 0));
    OK(voip_call_drain(ca, VOIP_DRAIN_DTMF, 3000));
    OK(voip_call_hangup(ca));
    OK(voip_call_collect_dtmf(cb, 0, 5000, 0, "#", buf, sizeof buf, &stop, NULL));
    CHECK(!strcmp(buf, "9") && stop == VOIP_COLLECT_ENDED, "after the hang-up: \"%s\" stop %d", buf, (int)stop);
    finish(a, b, ca, cb);
}

static const struct t_test tests[] = {
    { "drain", test_drain },
    { "drain_info", test_drain_info },
    { "flush", test_flush },
    { "collect", test_collect },
};
#define NTESTS ((int)(sizeof tests / sizeof tests[0]))

int main(int argc, char **argv)
{
    return t_main(argc, argv, tests, NTESTS, 60, &g_index);
}
