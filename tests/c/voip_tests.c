/*
 * voip_tests.c — C tests of libvoip's public API (include/voip.h), with two
 * phones in one process on 127.0.0.1.
 *
 *   voip_tests <name>      run one test (ctest registers each name)
 *   voip_tests --list      print the test names
 *
 * Each test prints "PASS <name>" and exits 0, or prints a "FAIL ..." line
 * and exits 1.  A watchdog fails a test that hangs (saying at which step).
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "audio_util.h"
#include "harness.h"

#ifndef TEST_PORT_BASE
#define TEST_PORT_BASE 21000 /* RTP ports: TEST_PORT_BASE + 300 * test index */
#endif
#define WATCHDOG_SECONDS 100

static int g_index; /* index of the running test, for its port range */

/* voip_phone_add_credentials() and voip_phone_on_request() came to voip.h
 * later than the rest.  They are referenced weakly so that a library that
 * lacks them still links: the checks that need them then fail with a clear
 * message, and every other test still runs. */
#pragma weak voip_phone_add_credentials
#pragma weak voip_phone_on_request

/* RTP range of side 0 (A) or 1 (B) of the running test: 150 ports each. */
static int rtp_lo(int side) { return TEST_PORT_BASE + 300 * g_index + 150 * side; }
static int rtp_hi(int side) { return rtp_lo(side) + 149; }

static tphone *phone_a(enum tp_mode mode) { return tp_start("alice", rtp_lo(0), rtp_hi(0), mode, NULL, NULL, NULL); }
static tphone *phone_b(enum tp_mode mode) { return tp_start("bob", rtp_lo(1), rtp_hi(1), mode, NULL, NULL, NULL); }

/* A calls B (user "bob"); B answers (unless it answers in its callback);
 * both reach ANSWERED.  Returns the two handles. */
static void establish(tphone *a, tphone *b, uint64_t *ca, uint64_t *cb)
{
    STEP("establish: call");
    *ca = tp_call(a, b, "bob");
    STEP("establish: wait for the incoming call");
    *cb = tp_next_incoming(b, 5000);
    CHECK(*cb != 0, "B got no incoming call within 5 s");
    if (b->mode == TP_RECORD)
        OK(voip_call_answer(*cb));
    STEP("establish: wait ANSWERED");
    WAIT_STATE(*ca, VOIP_CALL_ANSWERED, 5000);
    WAIT_STATE(*cb, VOIP_CALL_ANSWERED, 5000);
}

/* ------------------------------------------------------------------------
 * 1. answer
 * ------------------------------------------------------------------------ */
static void test_answer(void)
{
    tphone *a = phone_a(TP_RECORD), *b = phone_b(TP_ANSWER);
    char buf[512], buf2[512], hist[1024];

    int32_t st = -1;
    OK(voip_phone_status(a->phone, &st));
    CHECK(st == VOIP_PHONE_REGISTERED, "phone status %d, want REGISTERED", st);
    char want[64];
    snprintf(want, sizeof want, "sip:alice@127.0.0.1:%d", a->sip_port);
    OK(voip_phone_get_option(a->phone, "uri", buf, sizeof buf));
    CHECK(strcmp(buf, want) == 0, "uri \"%s\", want \"%s\"", buf, want);

    uint64_t ca, cb;
    establish(a, b, &ca, &cb);
    CHECK(ca != cb, "both calls have handle %llu", (unsigned long long)ca);

    STEP("check the incoming callback");
    pthread_mutex_lock(&b->mu);
    int arc = b->answer_rc[0];
    snprintf(buf, sizeof buf, "%s", b->from_uri[0]);
    snprintf(buf2, sizeof buf2, "%s", b->to_uri[0]);
    pthread_mutex_unlock(&b->mu);
    CHECK(arc == VOIP_OK, "voip_call_answer from the incoming callback returned %d", arc);
    CHECK(strstr(buf, "alice@127.0.0.1"), "incoming from_uri \"%s\"", buf);
    CHECK(strstr(buf2, "bob@127.0.0.1"), "incoming to_uri \"%s\"", buf2);

    STEP("check A's state callbacks");
    CHECK(tp_wait_cb_state(a, ca, VOIP_CALL_ANSWERED, 2000), "A's state callback never said ANSWERED");
    CHECK(tp_wait_cb_state(b, cb, VOIP_CALL_ANSWERED, 2000), "B's state callback never said ANSWERED");
    struct tp_call h = tp_history(a, ca);
    tp_history_str(&h, hist, sizeof hist);
    /* Outgoing: DIALING and/or PROGRESS, in that order, then one ANSWERED. */
    int last = -1, before = 0, answered = 0;
    for (int i = 0; i < h.nstates; i++) {
        int s = h.states[i];
        CHECK(s == VOIP_CALL_DIALING || s == VOIP_CALL_PROGRESS || s == VOIP_CALL_ANSWERED,
              "unexpected state in A's history: %s", hist);
        CHECK(s >= last, "A's states out of order: %s", hist);
        if (s == VOIP_CALL_ANSWERED)
            answered++;
        else
            before++;
        last = s;
    }
    CHECK(before >= 1, "A saw no DIALING/PROGRESS before ANSWERED: %s", hist);
    CHECK(answered == 1, "A saw ANSWERED %d times: %s", answered, hist);

    STEP("check voip_call_state and voip_call_info");
    OK(voip_call_state(ca, &st));
    CHECK(st == VOIP_CALL_ANSWERED, "A state %d", st);
    OK(voip_call_state(cb, &st));
    CHECK(st == VOIP_CALL_ANSWERED, "B state %d", st);
    CHECK(!strcmp(INFO(ca, "direction", buf), "outgoing"), "A direction \"%s\"", buf);
    CHECK(!strcmp(INFO(cb, "direction", buf), "incoming"), "B direction \"%s\"", buf);
    CHECK(!strcmp(INFO(ca, "codec", buf), "PCMU"), "A codec \"%s\"", buf);
    CHECK(!strcmp(INFO(cb, "codec", buf), "PCMU"), "B codec \"%s\"", buf);
    CHECK(!strcmp(INFO(ca, "state", buf), "ANSWERED"), "A info state \"%s\"", buf);
    snprintf(want, sizeof want, "bob@127.0.0.1:%d", b->sip_port);
    CHECK(strstr(INFO(ca, "remote_uri", buf), want), "A remote_uri \"%s\", want it to contain %s", buf, want);
    CHECK(strstr(INFO(cb, "remote_uri", buf), "alice@127.0.0.1"), "B remote_uri \"%s\"", buf);
    CHECK(strstr(INFO(ca, "local_uri", buf), "alice@"), "A local_uri \"%s\"", buf);
    CHECK(strstr(INFO(cb, "local_uri", buf), "bob@"), "B local_uri \"%s\"", buf);
    INFO(ca, "call_id", buf);
    INFO(cb, "call_id", buf2);
    CHECK(buf[0] && !strcmp(buf, buf2), "call_id A \"%s\" B \"%s\"", buf, buf2);
    /* RTP addresses: ours in our range, and each side's remote = other's local. */
    INFO(ca, "local_rtp", buf);
    INFO(cb, "remote_rtp", buf2);
    CHECK(!strcmp(buf, buf2), "A local_rtp \"%s\" != B remote_rtp \"%s\"", buf, buf2);
    const char *colon = strrchr(buf, ':');
    CHECK(colon && atoi(colon + 1) >= rtp_lo(0) && atoi(colon + 1) <= rtp_hi(0),
          "A local_rtp \"%s\" not in %d-%d", buf, rtp_lo(0), rtp_hi(0));
    INFO(cb, "local_rtp", buf);
    INFO(ca, "remote_rtp", buf2);
    CHECK(!strcmp(buf, buf2), "B local_rtp \"%s\" != A remote_rtp \"%s\"", buf, buf2);
    colon = strrchr(buf, ':');
    CHECK(colon && atoi(colon + 1) >= rtp_lo(1) && atoi(colon + 1) <= rtp_hi(1),
          "B local_rtp \"%s\" not in %d-%d", buf, rtp_lo(1), rtp_hi(1));
    /* Session timer (RFC 4028): both ask for 1800 s; the caller, which
     * supports timers and chose no refresher, refreshes. */
    CHECK(!strcmp(INFO(ca, "session_expires", buf), "1800 uac"), "A session_expires \"%s\"", buf);
    CHECK(!strcmp(INFO(cb, "session_expires", buf), "1800 uac"), "B session_expires \"%s\"", buf);
    CHECK(!strcmp(INFO(ca, "end_reason", buf), ""), "end_reason while answered: \"%s\"", buf);
    CHECK(!strcmp(INFO(ca, "end_code", buf), "0"), "end_code while answered: \"%s\"", buf);
    INFO(ca, "stats", buf);
    CHECK(buf[0] == '{', "stats \"%s\"", buf);
    {
        /* every counter voip.h documents for "stats" */
        static const char *const keys[] = {
            "\"packets_sent\":", "\"packets_received\":", "\"packets_lost\":", "\"late\":",
            "\"dropped_source\":", "\"dropped_payload_type\":", "\"malformed\":",
            "\"dtmf_sent\":", "\"dtmf_received\":", "\"read_overruns\":", "\"latched\":",
            "\"dropped_ssrc\":", "\"jitter_ms\":", "\"dtmf_info_sent\":",
            "\"dtmf_info_received\":"};
        for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
            CHECK(strstr(buf, keys[k]), "stats lacks %s: \"%s\"", keys[k], buf);
    }

    STEP("hang up");
    OK(voip_call_hangup(ca));
    WAIT_STATE(cb, VOIP_CALL_ENDED, 3000);
    OK(voip_call_release(ca));
    OK(voip_call_release(cb));
    tp_destroy(a);
    tp_destroy(b);
}

/* ------------------------------------------------------------------------
 * 2. audio both ways
 * ------------------------------------------------------------------------ */
struct audio_job {
    uint64_t call;
    double send_hz;   /* tone we send */
    int u8;           /* the phone uses audio_format "u8" */
    int frames;       /* how many 20 ms frames to write and read */
    int16_t *rx;      /* received samples (s16) */
    size_t nrx;
    char err[256];    /* first error, "" if none */
};

/* Write one frame and read one frame, frames times: reads are paced by the
 * call (a frame every 20 ms), so the send queue stays short. */
static void *audio_worker(void *arg)
{
    struct audio_job *j = arg;
    size_t fb = j->u8 ? AU_FRAME : AU_FRAME * 2; /* bytes per frame */
    int16_t s[AU_FRAME];
    uint8_t out[AU_FRAME * 2], in[AU_FRAME * 2];
    double phase = 0;
    j->rx = calloc((size_t)j->frames * AU_FRAME, sizeof *j->rx);
    j->nrx = 0;
    for (int f = 0; f < j->frames && !j->err[0]; f++) {
        au_tone(s, AU_FRAME, j->send_hz, 8000, &phase);
        if (j->u8)
            for (int i = 0; i < AU_FRAME; i++)
                out[i] = au_s16_to_u8(s[i]);
        else
            au_to_s16le(s, AU_FRAME, out);
        size_t nw = 0, nr = 0;
        int rc = voip_call_write_audio(j->call, out, fb, 1000, &nw);
        if (rc != VOIP_OK || nw != fb) {
            snprintf(j->err, sizeof j->err, "frame %d: write_audio = %d (%s), %zu of %zu bytes: %s",
                     f, rc, voip_strerror(rc), nw, fb, voip_last_error());
            break;
        }
        rc = voip_call_read_audio(j->call, in, fb, 1000, &nr);
        if (rc != VOIP_OK || nr != fb) {
            snprintf(j->err, sizeof j->err, "frame %d: read_audio = %d (%s), %zu of %zu bytes: %s",
                     f, rc, voip_strerror(rc), nr, fb, voip_last_error());
            break;
        }
        if (j->u8)
            for (int i = 0; i < AU_FRAME; i++)
                j->rx[j->nrx + (size_t)i] = au_u8_to_s16(in[i]);
        else
            au_from_s16le(in, fb, j->rx + j->nrx);
        j->nrx += AU_FRAME;
    }
    return NULL;
}

/* Check what job j received: dominant frequency within 10 Hz of want_hz and
 * a clear level, measured from 0.5 s on. */
static void check_received(const char *who, struct audio_job *j, double want_hz)
{
    CHECK(!j->err[0], "%s: %s", who, j->err);
    size_t skip = AU_RATE / 2;
    CHECK(j->nrx > skip + AU_RATE, "%s: only %zu samples received", who, j->nrx);
    double f = au_dominant_freq(j->rx + skip, j->nrx - skip);
    double rms = au_rms(j->rx + skip, j->nrx - skip);
    printf("%s received %.0f Hz, rms %.0f (want %.0f Hz)\n", who, f, rms, want_hz);
    CHECK(f >= want_hz - 10 && f <= want_hz + 10, "%s: dominant frequency %.1f Hz, want %.0f +-10",
          who, f, want_hz);
    CHECK(rms > 2000, "%s: rms %.0f is too low (tone amplitude 8000 gives ~5600)", who, rms);
}

static void run_audio(int b_u8)
{
    tphone *a = phone_a(TP_RECORD);
    tphone *b = tp_start("bob", rtp_lo(1), rtp_hi(1), TP_ANSWER, b_u8 ? "u8" : NULL, NULL, NULL);
    uint64_t ca, cb;
    establish(a, b, &ca, &cb);

    STEP("exchange audio for 2.5 s");
    struct audio_job ja = { .call = ca, .send_hz = 440, .u8 = 0, .frames = 125 };
    struct audio_job jb = { .call = cb, .send_hz = 1000, .u8 = b_u8, .frames = 125 };
    pthread_t ta, tb;
    CHECK(pthread_create(&ta, NULL, audio_worker, &ja) == 0, "pthread_create");
    CHECK(pthread_create(&tb, NULL, audio_worker, &jb) == 0, "pthread_create");
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);

    STEP("check the received audio");
    check_received("A (s16le)", &ja, 1000);
    check_received(b_u8 ? "B (u8)" : "B (s16le)", &jb, 440);

    STEP("check stats");
    long sent = t_stat(ca, "packets_sent"), recv = t_stat(cb, "packets_received");
    CHECK(sent > 50 && recv > 50, "A packets_sent %ld, B packets_received %ld", sent, recv);
    sent = t_stat(cb, "packets_sent");
    recv = t_stat(ca, "packets_received");
    CHECK(sent > 50 && recv > 50, "B packets_sent %ld, A packets_received %ld", sent, recv);

    STEP("hang up");
    OK(voip_call_hangup(ca));
    WAIT_STATE(cb, VOIP_CALL_ENDED, 3000);
    free(ja.rx);
    free(jb.rx);
    OK(voip_call_release(ca));
    OK(voip_call_release(cb));
    tp_destroy(a);
    tp_destroy(b);
}

static void test_audio(void) { run_audio(0); }
static void test_audio_u8(void) { run_audio(1); }

/* ------------------------------------------------------------------------
 * 3. DTMF both ways
 * ------------------------------------------------------------------------ */
/* run_dtmf sends digits both ways between phones whose "dtmf_mode" is mode
 * (NULL: the default); with "info" every digit goes by SIP INFO. */
static void run_dtmf(const char *mode)
{
    static const char digits[] = "0123456789*#";
    const int n = (int)strlen(digits);
    tphone *a = tp_start("alice", rtp_lo(0), rtp_hi(0), TP_RECORD, NULL, mode ? "dtmf_mode" : NULL, mode);
    tphone *b = tp_start("bob", rtp_lo(1), rtp_hi(1), TP_ANSWER, NULL, mode ? "dtmf_mode" : NULL, mode);
    uint64_t ca, cb;
    establish(a, b, &ca, &cb);

    STEP("send DTMF both ways");
    OK(voip_call_send_dtmf(ca, digits, 0));
    OK(voip_call_send_dtmf(cb, digits, 0));

    STEP("wait for the DTMF callbacks");
    char got_b[64], got_a[64];
    int nb = tp_wait_dtmf(b, cb, n, 10000, got_b);
    int na = tp_wait_dtmf(a, ca, n, 10000, got_a);
    CHECK(nb == n && !strcmp(got_b, digits), "B's DTMF callback got \"%s\", want \"%s\"", got_b, digits);
    CHECK(na == n && !strcmp(got_a, digits), "A's DTMF callback got \"%s\", want \"%s\"", got_a, digits);
    t_sleep_ms(300); /* a duplicate report would show up now */
    tp_wait_dtmf(b, cb, n + 1, 0, got_b);
    tp_wait_dtmf(a, ca, n + 1, 0, got_a);
    CHECK(!strcmp(got_b, digits), "B's DTMF callback got extra digits: \"%s\"", got_b);
    CHECK(!strcmp(got_a, digits), "A's DTMF callback got extra digits: \"%s\"", got_a);
    {
        /* which way they went: RFC 4733 events or SIP INFO */
        char st[1024], want[64];
        int info = mode && !strcmp(mode, "info");
        INFO(ca, "stats", st);
        snprintf(want, sizeof want, "\"dtmf_info_sent\":%d,", info ? n : 0);
        CHECK(strstr(st, want), "A's stats lack %s: %s", want, st);
        INFO(cb, "stats", st);
        snprintf(want, sizeof want, "\"dtmf_info_received\":%d}", info ? n : 0);
        CHECK(strstr(st, want), "B's stats lack %s: %s", want, st);
        CHECK(!info || strstr(st, "\"dtmf_received\":0,"), "B got RFC 4733 events in info mode: %s", st);
    }

    STEP("voip_call_get_dtmf on B while answered");
    char buf[64];
    size_t count = 99;
    OK(voip_call_get_dtmf(cb, buf, sizeof buf, &count));
    CHECK(!strcmp(buf, digits) && count == (size_t)n, "B get_dtmf \"%s\" count %zu", buf, count);
    OK(voip_call_get_dtmf(cb, buf, sizeof buf, &count));
    CHECK(!strcmp(buf, "") && count == 0, "B get_dtmf again \"%s\" count %zu, want empty", buf, count);

    STEP("hang up; voip_call_get_dtmf on A after the end");
    OK(voip_call_hangup(cb));
    WAIT_STATE(ca, VOIP_CALL_ENDED, 3000);
    /* In two parts: a 5-byte buffer takes 4 digits, then the rest. */
    OK(voip_call_get_dtmf(ca, buf, 5, &count));
    CHECK(!strcmp(buf, "0123") && count == 4, "A get_dtmf(buflen 5) \"%s\" count %zu", buf, count);
    OK(voip_call_get_dtmf(ca, buf, sizeof buf, NULL));
    CHECK(!strcmp(buf, digits + 4), "A get_dtmf rest \"%s\", want \"%s\"", buf, digits + 4);

    OK(voip_call_release(ca));
    OK(voip_call_release(cb));
    tp_destroy(a);
    tp_destroy(b);
}

static void test_dtmf(void) { run_dtmf(NULL); }
static void test_dtmf_info(void) { run_dtmf("info"); }

/* ------------------------------------------------------------------------
 * 4. deny
 * ------------------------------------------------------------------------ */
static void deny_with(tphone *a, tphone *b, int32_t code, const char *want_code,
                      const char *want_reason_word)
{
    char buf[256], hist[1024];
    uint64_t ca = tp_call(a, b, "bob");
    uint64_t cb = tp_next_incoming(b, 5000);
    CHECK(cb != 0, "B got no incoming call");
    int32_t st = -1;
    OK(voip_call_state(cb, &st));
    CHECK(st == VOIP_CALL_RINGING, "B's new call is in state %s, want RINGING", t_state_name(st));
    OK(voip_call_deny(cb, code));
    OK(voip_call_state(cb, &st));
    CHECK(st == VOIP_CALL_ENDED, "B after deny: state %s, want ENDED", t_state_name(st));
    WAIT_STATE(ca, VOIP_CALL_ENDED, 5000);
    CHECK(!strcmp(INFO(ca, "end_code", buf), want_code), "A end_code \"%s\", want %s", buf, want_code);
    CHECK(t_contains(INFO(ca, "end_reason", buf), want_reason_word),
          "A end_reason \"%s\", want it to contain \"%s\"", buf, want_reason_word);
    CHECK(tp_wait_cb_state(a, ca, VOIP_CALL_ENDED, 2000), "A's callback never said ENDED");
    CHECK(tp_wait_cb_state(b, cb, VOIP_CALL_ENDED, 2000), "B's callback never said ENDED");
    t_sleep_ms(100);
    struct tp_call h = tp_history(a, ca);
    CHECK(h.nended == 1, "A's callback said ENDED %d times: %s", h.nended, tp_history_str(&h, hist, sizeof hist));
    CHECK(t_contains(h.reasons[h.nstates - 1], want_code),
          "A's ENDED callback reason \"%s\", want it to mention %s", h.reasons[h.nstates - 1], want_code);
    EXPECT_RC(voip_call_deny(cb, 0), VOIP_ESTATE); /* deny twice */
    OK(voip_call_release(ca));
    OK(voip_call_release(cb));
}

static void test_deny(void)
{
    tphone *a = phone_a(TP_RECORD), *b = phone_b(TP_RECORD);
    STEP("deny with 0 (486 Busy Here)");
    deny_with(a, b, 0, "486", "Busy");
    STEP("deny with 603");
    deny_with(a, b, 603, "603", "603");

    STEP("a phone without an incoming-call callback answers 486");
    tphone *c = tp_start("carol", rtp_lo(1) + 75, rtp_hi(1), TP_RECORD, NULL, NULL, NULL);
    OK(voip_phone_on_incoming_call(c->phone, NULL, NULL));
    uint64_t ca = tp_call(a, c, "carol");
    WAIT_STATE(ca, VOIP_CALL_ENDED, 5000);
    char buf[256];
    CHECK(!strcmp(INFO(ca, "end_code", buf), "486"), "end_code \"%s\", want 486", buf);
    CHECK(c->n_incoming == 0, "the removed callback still ran");
    OK(voip_call_release(ca));

    tp_destroy(c);
    tp_destroy(a);
    tp_destroy(b);
}

/* ------------------------------------------------------------------------
 * 5. cancel while ringing
 * ------------------------------------------------------------------------ */
static void test_cancel(void)
{
    tphone *a = phone_a(TP_RECORD), *b = phone_b(TP_RECORD);
    char buf[256], hist[1024];
    uint64_t ca = tp_call(a, b, "bob");
    STEP("wait until B rings");
    uint64_t cb = tp_next_incoming(b, 5000);
    CHECK(cb != 0, "B got no incoming call");
    /* Give A time to see the 180 (PROGRESS), if B sends one. */
    int32_t st = -1;
    voip_call_wait(ca, VOIP_STATE_BIT(VOIP_CALL_PROGRESS), 1000, &st);
    CHECK(st == VOIP_CALL_DIALING || st == VOIP_CALL_PROGRESS, "A is %s before the cancel", t_state_name(st));

    STEP("cancel");
    OK(voip_call_cancel(ca));
    OK(voip_call_state(ca, &st));
    CHECK(st == VOIP_CALL_CANCELING || st == VOIP_CALL_ENDED, "A after cancel: %s, want CANCELING", t_state_name(st));
    WAIT_STATE(ca, VOIP_CALL_ENDED, 5000);
    WAIT_STATE(cb, VOIP_CALL_ENDED, 5000);
    CHECK(t_contains(INFO(ca, "end_reason", buf), "cancel"), "A end_reason \"%s\", want \"canceled\"", buf);
    CHECK(INFO(cb, "end_reason", buf)[0], "B end_reason is empty");

    STEP("check the state callbacks");
    CHECK(tp_wait_cb_state(a, ca, VOIP_CALL_ENDED, 2000), "A's callback never said ENDED");
    CHECK(tp_wait_cb_state(b, cb, VOIP_CALL_ENDED, 2000), "B's callback never said ENDED");
    t_sleep_ms(100);
    struct tp_call h = tp_history(a, ca);
    tp_history_str(&h, hist, sizeof hist);
    int i_cancel = -1, i_end = -1;
    for (int i = 0; i < h.nstates; i++) {
        if (h.states[i] == VOIP_CALL_CANCELING && i_cancel < 0)
            i_cancel = i;
        if (h.states[i] == VOIP_CALL_ENDED)
            i_end = i;
    }
    CHECK(i_cancel >= 0 && i_end > i_cancel, "A's callback should see CANCELING then ENDED: %s", hist);
    CHECK(h.nended == 1 && i_end == h.nstates - 1, "A: ENDED once and last: %s", hist);
    CHECK(t_contains(h.reasons[i_end], "cancel"), "A's ENDED reason: %s", hist);
    h = tp_history(b, cb);
    CHECK(h.nended == 1, "B's callback said ENDED %d times: %s", h.nended, tp_history_str(&h, hist, sizeof hist));

    EXPECT_RC(voip_call_cancel(ca), VOIP_ESTATE);
    EXPECT_RC(voip_call_answer(cb), VOIP_ESTATE);
    OK(voip_call_release(ca));
    OK(voip_call_release(cb));
    tp_destroy(a);
    tp_destroy(b);
}

/* ------------------------------------------------------------------------
 * 6. hangup from the caller / from the callee
 * ------------------------------------------------------------------------ */
/* After the end: reads drain what is left, then give VOIP_EENDED. */
static void check_reads_end(const char *who, uint64_t call)
{
    uint8_t buf[320];
    size_t n = 1;
    int rc = VOIP_OK;
    /* At most 2 s (100 frames) of audio is kept: drain it.  The first
     * VOIP_EENDED may carry the last partial frame (nread > 0). */
    for (int i = 0; i < 200 && rc != VOIP_EENDED; i++) {
        rc = voip_call_read_audio(call, buf, sizeof buf, 0, &n);
        CHECK(rc == VOIP_OK || rc == VOIP_ETIMEOUT || rc == VOIP_EENDED,
              "%s: read_audio after the end = %d (%s)", who, rc, voip_strerror(rc));
        CHECK(n <= sizeof buf, "%s: nread %zu > len", who, n);
    }
    CHECK(rc == VOIP_EENDED, "%s: reads never returned VOIP_EENDED (last %d, nread %zu)", who, rc, n);
    n = 1;
    EXPECT_RC(voip_call_read_audio(call, buf, sizeof buf, 0, &n), VOIP_EENDED);
    CHECK(n == 0, "%s: drained ended call still gave %zu bytes", who, n);
    /* And again with an infinite timeout: must not block. */
    double t0 = t_now();
    EXPECT_RC(voip_call_read_audio(call, buf, sizeof buf, -1, &n), VOIP_EENDED);
    CHECK(t_now() - t0 < 1.0, "%s: read_audio(-1) on an ended call took %.1f s", who, t_now() - t0);
    EXPECT_RC(voip_call_write_audio(call, buf, sizeof buf, 0, NULL), VOIP_EENDED);
    EXPECT_RC(voip_call_hangup(call), VOIP_ESTATE);
    EXPECT_RC(voip_call_send_dtmf(call, "1", 0), VOIP_ESTATE);
}

static void run_hangup(int callee_hangs_up)
{
    tphone *a = phone_a(TP_RECORD), *b = phone_b(TP_ANSWER);
    char buf[256], hist[1024];
    uint64_t ca, cb;
    establish(a, b, &ca, &cb);
    t_sleep_ms(300); /* let some audio flow */

    uint64_t x = callee_hangs_up ? cb : ca, y = callee_hangs_up ? ca : cb;
    tphone *py = callee_hangs_up ? a : b;
    STEP("hang up");
    OK(voip_call_hangup(x));
    int32_t st = -1;
    OK(voip_call_state(x, &st));
    CHECK(st == VOIP_CALL_ENDED, "after hangup the call is %s, want ENDED at once", t_state_name(st));
    STEP("the other side sees ENDED within 2 s");
    WAIT_STATE(y, VOIP_CALL_ENDED, 2000);
    CHECK(t_contains(INFO(y, "end_reason", buf), "remote"), "end_reason of the other side \"%s\", want \"remote hangup\"", buf);
    CHECK(INFO(x, "end_reason", buf)[0], "end_reason of the side that hung up is empty");
    CHECK(tp_wait_cb_state(py, y, VOIP_CALL_ENDED, 2000), "the other side's callback never said ENDED");
    t_sleep_ms(100);
    struct tp_call h = tp_history(py, y);
    tp_history_str(&h, hist, sizeof hist);
    CHECK(h.nended == 1, "ENDED reported %d times: %s", h.nended, hist);
    CHECK(t_contains(h.reasons[h.nstates - 1], "remote"), "the other side's ENDED reason: %s", hist);

    STEP("reads on the ended calls");
    check_reads_end("hung-up side", x);
    check_reads_end("other side", y);

    OK(voip_call_release(ca));
    OK(voip_call_release(cb));
    EXPECT_RC(voip_call_state(ca, &st), VOIP_ENOTFOUND);
    tp_destroy(a);
    tp_destroy(b);
}

static void test_hangup_caller(void) { run_hangup(0); }
static void test_hangup_callee(void) { run_hangup(1); }

/* ------------------------------------------------------------------------
 * 7. nobody listening
 * ------------------------------------------------------------------------ */
static void test_no_listener(void)
{
    tphone *a = tp_start("alice", rtp_lo(0), rtp_hi(0), TP_RECORD, NULL, "invite_timeout_ms", "2000");
    char uri[64], buf[256], hist[1024];
    snprintf(uri, sizeof uri, "sip:nobody@127.0.0.1:%d", t_free_udp_port());
    uint64_t ca = 0;
    double t0 = t_now();
    OK(voip_phone_call(a->phone, uri, &ca));
    STEP("wait for the end (invite_timeout_ms 2000)");
    int32_t st = -1;
    int rc = voip_call_wait(ca, VOIP_STATE_BIT(VOIP_CALL_ANSWERED), 10000, &st);
    double took = t_now() - t0;
    CHECK(rc == VOIP_OK && st == VOIP_CALL_ENDED, "voip_call_wait = %d (%s), state %s after %.1f s",
          rc, voip_strerror(rc), t_state_name(st), took);
    CHECK(took < 6.0, "the call took %.1f s to end, want ~2-5 s", took);
    CHECK(INFO(ca, "end_reason", buf)[0], "end_reason is empty");
    printf("ended after %.1f s: %s\n", took, buf);
    CHECK(tp_wait_cb_state(a, ca, VOIP_CALL_ENDED, 2000), "the callback never said ENDED");
    t_sleep_ms(200);
    struct tp_call h = tp_history(a, ca);
    CHECK(h.nended == 1, "ENDED reported %d times: %s", h.nended, tp_history_str(&h, hist, sizeof hist));
    /* Waiting on an ended call returns at once. */
    t0 = t_now();
    OK(voip_call_wait(ca, VOIP_STATE_BIT(VOIP_CALL_ANSWERED), -1, &st));
    CHECK(st == VOIP_CALL_ENDED && t_now() - t0 < 0.5, "second wait: %s after %.1f s", t_state_name(st), t_now() - t0);
    OK(voip_call_release(ca));
    tp_destroy(a);
}

/* ------------------------------------------------------------------------
 * 8. bad input through the ABI
 * ------------------------------------------------------------------------ */
static void *last_error_thread(void *arg)
{
    char *out = arg;
    /* A fresh thread has no failure yet. */
    snprintf(out, 256, "%s", voip_last_error());
    /* Fail here: must not change the main thread's message. */
    voip_phone_start(0);
    return NULL;
}

/* Every per-call function on a handle that is not a live call. */
static void expect_call_notfound(uint64_t call)
{
    uint8_t buf[320];
    char s[64];
    size_t n;
    int32_t st;
    SOFT_EXPECT_RC(voip_call_wait(call, 0, 0, &st), VOIP_ENOTFOUND);
    SOFT_EXPECT_RC(voip_call_state(call, &st), VOIP_ENOTFOUND);
    SOFT_EXPECT_RC(voip_call_answer(call), VOIP_ENOTFOUND);
    SOFT_EXPECT_RC(voip_call_deny(call, 0), VOIP_ENOTFOUND);
    SOFT_EXPECT_RC(voip_call_hangup(call), VOIP_ENOTFOUND);
    SOFT_EXPECT_RC(voip_call_cancel(call), VOIP_ENOTFOUND);
    SOFT_EXPECT_RC(voip_call_read_audio(call, buf, sizeof buf, 0, &n), VOIP_ENOTFOUND);
    SOFT_EXPECT_RC(voip_call_write_audio(call, buf, sizeof buf, 0, &n), VOIP_ENOTFOUND);
    SOFT_EXPECT_RC(voip_call_send_dtmf(call, "1", 0), VOIP_ENOTFOUND);
    SOFT_EXPECT_RC(voip_call_get_dtmf(call, s, sizeof s, &n), VOIP_ENOTFOUND);
    SOFT_EXPECT_RC(voip_call_info(call, "state", s, sizeof s), VOIP_ENOTFOUND);
    SOFT_EXPECT_RC(voip_call_release(call), VOIP_ENOTFOUND);
}

/* Every per-phone function on a handle that is not a live phone. */
static void expect_phone_notfound(uint64_t phone)
{
    char s[64];
    int32_t st;
    uint64_t call;
    SOFT_EXPECT_RC(voip_phone_set_option(phone, "user", "x"), VOIP_ENOTFOUND);
    SOFT_EXPECT_RC(voip_phone_get_option(phone, "user", s, sizeof s), VOIP_ENOTFOUND);
    SOFT_EXPECT_RC(voip_phone_start(phone), VOIP_ENOTFOUND);
    SOFT_EXPECT_RC(voip_phone_stop(phone), VOIP_ENOTFOUND);
    SOFT_EXPECT_RC(voip_phone_destroy(phone), VOIP_ENOTFOUND);
    SOFT_EXPECT_RC(voip_phone_status(phone, &st), VOIP_ENOTFOUND);
    SOFT_EXPECT_RC(voip_phone_on_incoming_call(phone, NULL, NULL), VOIP_ENOTFOUND);
    SOFT_EXPECT_RC(voip_phone_on_call_state(phone, NULL, NULL), VOIP_ENOTFOUND);
    SOFT_EXPECT_RC(voip_phone_on_dtmf(phone, NULL, NULL), VOIP_ENOTFOUND);
    SOFT_EXPECT_RC(voip_phone_on_status(phone, NULL, NULL), VOIP_ENOTFOUND);
    if (voip_phone_on_request) /* weak: see the top of the file */
        SOFT_EXPECT_RC(voip_phone_on_request(phone, NULL, NULL), VOIP_ENOTFOUND);
    SOFT_EXPECT_RC(voip_phone_set_log(phone, VOIP_LOG_INFO, NULL, NULL), VOIP_ENOTFOUND);
    if (voip_phone_add_credentials)
        SOFT_EXPECT_RC(voip_phone_add_credentials(phone, "u", "p", NULL, NULL), VOIP_ENOTFOUND);
    SOFT_EXPECT_RC(voip_phone_call(phone, "sip:x@127.0.0.1:5", &call), VOIP_ENOTFOUND);
}

static void test_bad_input(void)
{
    char buf[256];
    uint8_t audio[320];
    size_t n;
    int32_t st;
    uint64_t call;

    STEP("version and strerror");
    SOFT_CHECK(voip_version() && !strcmp(voip_version(), VOIP_VERSION), "voip_version() \"%s\"",
          voip_version() ? voip_version() : "(null)");
    /* Every documented code has its own name; anything else is "unknown error". */
    static const int codes[] = { VOIP_OK, VOIP_ERROR, VOIP_EINVAL, VOIP_ENOTFOUND, VOIP_ESTATE,
                                 VOIP_ETIMEOUT, VOIP_ENOPORTS, VOIP_ERANGE, VOIP_ENETWORK,
                                 VOIP_EENDED, VOIP_ENOSPACE, VOIP_EREJECTED };
    const int ncodes = (int)(sizeof codes / sizeof codes[0]);
    for (int c = 0; c < ncodes; c++) {
        const char *name = voip_strerror(codes[c]);
        SOFT_CHECK(name && name[0], "voip_strerror(%d) is empty", codes[c]);
        SOFT_CHECK(strcmp(name, "unknown error") != 0, "voip_strerror(%d) is \"unknown error\"", codes[c]);
        for (int d = 0; d < c; d++)
            SOFT_CHECK(strcmp(name, voip_strerror(codes[d])) != 0, "voip_strerror(%d) == voip_strerror(%d) \"%s\"",
                  codes[c], codes[d], name);
    }
    int unknown[] = { -1, 100, 9999, -2147483647 - 1, 2147483647 };
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++)
        SOFT_CHECK(voip_strerror(unknown[i]) && !strcmp(voip_strerror(unknown[i]), "unknown error"),
              "voip_strerror(%d) = \"%s\"", unknown[i], voip_strerror(unknown[i]) ? voip_strerror(unknown[i]) : "(null)");

    STEP("voip_last_error is per thread");
    char fresh[256] = "unset";
    SOFT_EXPECT_RC(voip_phone_status(0, &st), VOIP_ENOTFOUND);
    char mine[256];
    snprintf(mine, sizeof mine, "%s", voip_last_error());
    pthread_t t;
    CHECK(pthread_create(&t, NULL, last_error_thread, fresh) == 0, "pthread_create");
    pthread_join(t, NULL);
    SOFT_CHECK(fresh[0] == '\0', "voip_last_error() in a new thread is \"%s\", want \"\"", fresh);
    SOFT_CHECK(!strcmp(voip_last_error(), mine), "another thread's failure changed our message: \"%s\" -> \"%s\"",
          mine, voip_last_error());

    STEP("voip_phone_new / unknown and zero phone handles");
    SOFT_EXPECT_RC(voip_phone_new(NULL), VOIP_EINVAL);
    expect_phone_notfound(0);
    expect_phone_notfound(0xFFFFFFFFFFFFFFFFull);
    expect_phone_notfound(123456789);

    STEP("unknown and zero call handles");
    expect_call_notfound(0);
    expect_call_notfound(0xFFFFFFFFFFFFFFFFull);
    expect_call_notfound(987654321);

    STEP("options");
    uint64_t p;
    OK(voip_phone_new(&p));
    SOFT_EXPECT_RC(voip_phone_set_option(p, NULL, "1"), VOIP_EINVAL);
    SOFT_EXPECT_RC(voip_phone_set_option(p, "user", NULL), VOIP_EINVAL);
    SOFT_EXPECT_RC(voip_phone_set_option(p, "no_such_option", "1"), VOIP_EINVAL);
    SOFT_EXPECT_RC(voip_phone_set_option(p, "", "1"), VOIP_EINVAL);
    static const char *bad[][2] = {
        { "bind_port", "abc" }, { "bind_port", "70000" }, { "bind_port", "-1" }, { "bind_port", "" },
        { "rtp_port_low", "x" }, { "rtp_port_low", "65536" }, { "rtp_port_high", "-5" },
        { "bind_ip", "999.1.1.1" }, { "bind_ip", "not an ip" },
        { "audio_format", "s24" }, { "audio_format", "" },
        { "jitter_ms", "30" }, { "jitter_ms", "0" }, { "jitter_ms", "1020" }, { "jitter_ms", "abc" },
        { "dtmf_payload_type", "300" }, { "dtmf_payload_type", "x" },
        { "dtmf_mode", "sipinfo" }, { "dtmf_mode", "" },
        { "invite_timeout_ms", "-5" }, { "invite_timeout_ms", "soon" },
        { "session_expires", "89" }, { "session_expires", "86401" }, { "min_se", "60" },
        { "min_se", "86401" },
    };
    char wrong[1024] = ""; /* all bad values that were accepted, for one message */
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = voip_phone_set_option(p, bad[i][0], bad[i][1]);
        if (rc != VOIP_EINVAL || !voip_last_error()[0])
            snprintf(wrong + strlen(wrong), sizeof wrong - strlen(wrong), " %s=\"%s\"->%d%s",
                     bad[i][0], bad[i][1], rc, voip_last_error()[0] ? "" : "(no last_error)");
    }
    SOFT_CHECK(!wrong[0], "set_option with bad values must give VOIP_EINVAL:%s", wrong);
    /* Defaults are readable; bad values did not change them. */
    OK(voip_phone_get_option(p, "bind_port", buf, sizeof buf));
    SOFT_CHECK(!strcmp(buf, "5060"), "bind_port \"%s\" after bad sets, want the default 5060", buf);
    OK(voip_phone_get_option(p, "jitter_ms", buf, sizeof buf));
    SOFT_CHECK(!strcmp(buf, "60"), "jitter_ms \"%s\", want the default 60", buf);
    SOFT_EXPECT_RC(voip_phone_get_option(p, NULL, buf, sizeof buf), VOIP_EINVAL);
    SOFT_EXPECT_RC(voip_phone_get_option(p, "user", NULL, 10), VOIP_EINVAL);
    SOFT_EXPECT_RC(voip_phone_get_option(p, "no_such_option", buf, sizeof buf), VOIP_EINVAL);
    OK(voip_phone_get_option(p, "user", buf, sizeof buf));
    SOFT_CHECK(!strcmp(buf, "libvoip"), "default user \"%s\"", buf);
    OK(voip_phone_get_option(p, "user", buf, 8)); /* exactly "libvoip\0" */
    strcpy(buf, "XXXX");
    SOFT_EXPECT_RC(voip_phone_get_option(p, "user", buf, 3), VOIP_ENOSPACE);
    SOFT_CHECK(buf[0] == '\0', "after VOIP_ENOSPACE buf holds \"%s\", want \"\"", buf);
    strcpy(buf, "XXXX");
    int rc = voip_phone_get_option(p, "user", buf, 0);
    SOFT_CHECK(rc == VOIP_ENOSPACE || rc == VOIP_EINVAL, "get_option buflen 0 = %d (%s)", rc, voip_strerror(rc));
    SOFT_CHECK(!strcmp(buf, "XXXX"), "get_option with buflen 0 wrote into buf");
    SOFT_CHECK(voip_last_error()[0], "no voip_last_error after get_option buflen 0");
    SOFT_EXPECT_RC(voip_phone_status(p, NULL), VOIP_EINVAL);
    SOFT_CHECK(voip_phone_add_credentials != NULL, "libvoip does not export voip_phone_add_credentials()");
    SOFT_CHECK(voip_phone_on_request != NULL, "libvoip does not export voip_phone_on_request()");
    if (voip_phone_add_credentials) {
        SOFT_EXPECT_RC(voip_phone_add_credentials(p, NULL, "secret", NULL, NULL), VOIP_EINVAL);
        SOFT_EXPECT_RC(voip_phone_add_credentials(p, "alice", NULL, NULL, NULL), VOIP_EINVAL);
        SOFT_EXPECT_RC(voip_phone_add_credentials(p, "alice", "secret", NULL, NULL), VOIP_OK); /* any realm/user */
        SOFT_EXPECT_RC(voip_phone_add_credentials(p, "alice", "secret2", "example.org", "alice"), VOIP_OK);
        rc = voip_phone_get_option(p, "password", buf, sizeof buf); /* never readable */
        SOFT_CHECK(rc == VOIP_EINVAL || (rc == VOIP_OK && !strstr(buf, "secret")),
                   "get_option(\"password\") = %d \"%s\"", rc, rc == VOIP_OK ? buf : "");
    }
    OK(voip_phone_status(p, &st));
    SOFT_CHECK(st == VOIP_PHONE_INACTIVE, "new phone status %d, want INACTIVE", st);

    STEP("SIP port in use: VOIP_ENETWORK");
    int busy_port;
    int busy_fd = t_udp_socket(0, &busy_port);
    snprintf(buf, sizeof buf, "%d", busy_port);
    uint64_t q;
    OK(voip_phone_new(&q));
    OK(voip_phone_set_option(q, "bind_ip", "127.0.0.1"));
    OK(voip_phone_set_option(q, "bind_port", buf));
    SOFT_EXPECT_RC(voip_phone_start(q), VOIP_ENETWORK);
    OK(voip_phone_status(q, &st));
    SOFT_CHECK(st == VOIP_PHONE_INACTIVE || st == VOIP_PHONE_FAILED, "status after a failed start: %d", st);
    close(busy_fd);
    OK(voip_phone_destroy(q));

    STEP("calls on a phone that is not started");
    SOFT_EXPECT_RC(voip_phone_call(p, "sip:bob@127.0.0.1:5", &call), VOIP_ESTATE);
    OK(voip_phone_stop(p)); /* stopping a stopped phone is OK */

    STEP("rtp_port_low > rtp_port_high: VOIP_ERANGE at start");
    OK(voip_phone_set_option(p, "bind_ip", "127.0.0.1"));
    OK(voip_phone_set_option(p, "bind_port", "0"));
    char one_port[16], other[16];
    snprintf(one_port, sizeof one_port, "%d", rtp_lo(0) + 100);
    snprintf(other, sizeof other, "%d", rtp_lo(0) + 110);
    OK(voip_phone_set_option(p, "rtp_port_low", other));
    OK(voip_phone_set_option(p, "rtp_port_high", one_port));
    SOFT_EXPECT_RC(voip_phone_start(p), VOIP_ERANGE);
    OK(voip_phone_status(p, &st));
    SOFT_CHECK(st == VOIP_PHONE_INACTIVE || st == VOIP_PHONE_FAILED, "status after a failed start: %d", st);
    /* Fix it (a single RTP port, used for VOIP_ENOPORTS below); now it starts. */
    OK(voip_phone_set_option(p, "rtp_port_low", one_port));
    OK(voip_phone_start(p));
    SOFT_EXPECT_RC(voip_phone_start(p), VOIP_ESTATE);
    SOFT_EXPECT_RC(voip_phone_set_option(p, "user", "x"), VOIP_ESTATE);

    STEP("bad URIs");
    static const char *bad_uris[] = { "", "not a uri", "sip:", "sip:@", "sip:bob@", "sip:bob@127.0.0.1:99999" };
    for (size_t i = 0; i < sizeof bad_uris / sizeof bad_uris[0]; i++) {
        call = 77;
        rc = voip_phone_call(p, bad_uris[i], &call);
        SOFT_CHECK(rc == VOIP_EINVAL, "voip_phone_call(\"%s\") = %d (%s), want VOIP_EINVAL",
              bad_uris[i], rc, voip_strerror(rc));
        SOFT_CHECK(voip_last_error()[0], "no voip_last_error after voip_phone_call(\"%s\")", bad_uris[i]);
    }
    SOFT_EXPECT_RC(voip_phone_call(p, NULL, &call), VOIP_EINVAL);
    SOFT_EXPECT_RC(voip_phone_call(p, "sip:bob@127.0.0.1:5", NULL), VOIP_EINVAL);

    STEP("no free RTP port: VOIP_ENOPORTS");
    /* p has one RTP port: the first call takes it. */
    tphone *b = phone_b(TP_RECORD);
    char uri[64];
    snprintf(uri, sizeof uri, "sip:bob@127.0.0.1:%d", b->sip_port);
    uint64_t c1 = 0;
    OK(voip_phone_call(p, uri, &c1));
    SOFT_EXPECT_RC(voip_phone_call(p, uri, &call), VOIP_ENOPORTS);
    uint64_t cb = tp_next_incoming(b, 5000);
    CHECK(cb != 0, "B got no incoming call");

    STEP("wrong states while ringing");
    /* c1: outgoing, DIALING or PROGRESS; cb: incoming, RINGING. */
    SOFT_EXPECT_RC(voip_call_answer(c1), VOIP_ESTATE);     /* answer an outgoing call */
    SOFT_EXPECT_RC(voip_call_deny(c1, 0), VOIP_ESTATE);    /* deny an outgoing call */
    SOFT_EXPECT_RC(voip_call_hangup(c1), VOIP_ESTATE);     /* hangup while dialing */
    SOFT_EXPECT_RC(voip_call_hangup(cb), VOIP_ESTATE);     /* hangup a ringing call */
    SOFT_EXPECT_RC(voip_call_cancel(cb), VOIP_ESTATE);     /* cancel an incoming call */
    SOFT_EXPECT_RC(voip_call_write_audio(cb, audio, sizeof audio, 0, &n), VOIP_ESTATE);
    SOFT_EXPECT_RC(voip_call_write_audio(c1, audio, sizeof audio, 0, NULL), VOIP_ESTATE);
    SOFT_EXPECT_RC(voip_call_send_dtmf(c1, "1", 0), VOIP_ESTATE);
    SOFT_EXPECT_RC(voip_call_deny(cb, 200), VOIP_EINVAL);  /* codes 400..699 only */
    SOFT_EXPECT_RC(voip_call_deny(cb, 399), VOIP_EINVAL);
    SOFT_EXPECT_RC(voip_call_deny(cb, 700), VOIP_EINVAL);
    SOFT_EXPECT_RC(voip_call_deny(cb, -486), VOIP_EINVAL);
    OK(voip_call_state(cb, &st));
    SOFT_CHECK(st == VOIP_CALL_RINGING, "failed calls changed the state to %s", t_state_name(st));
    /* Reading before ANSWERED waits for audio: with timeout 0, nothing. */
    n = 99;
    SOFT_EXPECT_RC(voip_call_read_audio(cb, audio, sizeof audio, 0, &n), VOIP_ETIMEOUT);
    SOFT_CHECK(n == 0, "read before answer gave %zu bytes", n);

    STEP("answer, then wrong states while answered");
    OK(voip_call_answer(cb));
    WAIT_STATE(c1, VOIP_CALL_ANSWERED, 5000);
    SOFT_EXPECT_RC(voip_call_answer(cb), VOIP_ESTATE);     /* answer twice */
    SOFT_EXPECT_RC(voip_call_cancel(c1), VOIP_ESTATE);     /* cancel an answered call */
    SOFT_EXPECT_RC(voip_call_deny(cb, 0), VOIP_ESTATE);    /* deny an answered call */

    STEP("NULL pointers and zero or tiny buffers on a live call");
    SOFT_EXPECT_RC(voip_call_state(c1, NULL), VOIP_EINVAL);
    OK(voip_call_wait(c1, VOIP_STATE_BIT(VOIP_CALL_ANSWERED), 0, NULL)); /* state_out may be NULL */
    SOFT_EXPECT_RC(voip_call_wait(c1, VOIP_STATE_BIT(VOIP_CALL_DIALING), 0, &st), VOIP_ETIMEOUT);
    SOFT_EXPECT_RC(voip_call_read_audio(c1, NULL, 320, 0, &n), VOIP_EINVAL);
    SOFT_EXPECT_RC(voip_call_read_audio(c1, audio, 0, 0, &n), VOIP_EINVAL);       /* len must be > 0 */
    /* nread is not marked "(may be NULL)" in voip.h: it must not crash;
     * VOIP_EINVAL is expected, a plain read (no count) is tolerated. */
    rc = voip_call_read_audio(c1, audio, 320, 0, NULL);
    SOFT_CHECK(rc == VOIP_EINVAL || rc == VOIP_ETIMEOUT || rc == VOIP_OK, "read_audio(nread NULL) = %d (%s)",
          rc, voip_strerror(rc));
    SOFT_EXPECT_RC(voip_call_write_audio(c1, NULL, 320, 0, &n), VOIP_EINVAL);
    SOFT_EXPECT_RC(voip_call_send_dtmf(c1, NULL, 0), VOIP_EINVAL);
    SOFT_EXPECT_RC(voip_call_send_dtmf(c1, "12x", 0), VOIP_EINVAL);
    SOFT_EXPECT_RC(voip_call_send_dtmf(c1, "E", 0), VOIP_EINVAL);
    SOFT_EXPECT_RC(voip_call_send_dtmf(c1, "1", 39), VOIP_EINVAL);
    SOFT_EXPECT_RC(voip_call_send_dtmf(c1, "1", 5001), VOIP_EINVAL);
    SOFT_EXPECT_RC(voip_call_send_dtmf(c1, "1", -1), VOIP_EINVAL);
    SOFT_EXPECT_RC(voip_call_get_dtmf(c1, NULL, 10, &n), VOIP_EINVAL);
    SOFT_EXPECT_RC(voip_call_get_dtmf(c1, buf, 0, &n), VOIP_EINVAL);              /* buflen must be >= 1 */
    OK(voip_call_get_dtmf(c1, buf, 1, &n));
    SOFT_CHECK(buf[0] == '\0' && n == 0, "get_dtmf buflen 1: \"%s\" %zu", buf, n);
    SOFT_EXPECT_RC(voip_call_info(c1, NULL, buf, sizeof buf), VOIP_EINVAL);
    SOFT_EXPECT_RC(voip_call_info(c1, "state", NULL, 10), VOIP_EINVAL);
    SOFT_EXPECT_RC(voip_call_info(c1, "no_such_key", buf, sizeof buf), VOIP_EINVAL);
    strcpy(buf, "XXXX");
    rc = voip_call_info(c1, "direction", buf, 0);
    SOFT_CHECK(rc == VOIP_ENOSPACE || rc == VOIP_EINVAL, "info buflen 0 = %d (%s)", rc, voip_strerror(rc));
    SOFT_CHECK(!strcmp(buf, "XXXX"), "info with buflen 0 wrote into buf");
    SOFT_CHECK(voip_last_error()[0], "no voip_last_error after info buflen 0");
    SOFT_EXPECT_RC(voip_call_info(c1, "direction", buf, 4), VOIP_ENOSPACE);       /* "outgoing" */
    SOFT_CHECK(buf[0] == '\0', "after VOIP_ENOSPACE buf holds \"%s\"", buf);
    SOFT_EXPECT_RC(voip_call_info(c1, "direction", buf, 8), VOIP_ENOSPACE);       /* no room for NUL */
    OK(voip_call_info(c1, "direction", buf, 9));
    SOFT_CHECK(!strcmp(buf, "outgoing"), "direction \"%s\"", buf);
    SOFT_EXPECT_RC(voip_call_info(c1, "stats", buf, 5), VOIP_ENOSPACE);
    OK(voip_call_write_audio(c1, audio, 0, 0, &n)); /* nothing to queue is fine */

    STEP("released call handles are stale");
    OK(voip_call_hangup(c1));
    WAIT_STATE(cb, VOIP_CALL_ENDED, 3000);
    SOFT_EXPECT_RC(voip_call_deny(cb, 0), VOIP_ESTATE);    /* deny after the end */
    SOFT_EXPECT_RC(voip_call_answer(cb), VOIP_ESTATE);
    OK(voip_call_release(c1));
    OK(voip_call_release(cb));
    expect_call_notfound(c1);
    expect_call_notfound(cb);

    STEP("voip_phone_destroy from a callback is VOIP_ESTATE");
    tphone *d = tp_start("dave", rtp_lo(0) + 10, rtp_lo(0) + 20, TP_DESTROY_CB, NULL, NULL, NULL);
    uint64_t cd = 0;
    snprintf(uri, sizeof uri, "sip:dave@127.0.0.1:%d", d->sip_port);
    OK(voip_phone_call(b->phone, uri, &cd));
    CHECK(tp_next_incoming(d, 5000) != 0, "dave got no incoming call");
    pthread_mutex_lock(&d->mu);
    int drc = d->destroy_rc;
    pthread_mutex_unlock(&d->mu);
    SOFT_CHECK(drc == VOIP_ESTATE, "voip_phone_destroy inside a callback returned %d, want VOIP_ESTATE%s",
          drc, drc == -2 ? " (with no voip_last_error)" : "");
    WAIT_STATE(cd, VOIP_CALL_ENDED, 5000);
    OK(voip_call_release(cd));
    tp_destroy(d);

    STEP("a destroyed phone's handles are stale");
    /* Leave a call on p, so destroy must release it too. */
    /* (p's only RTP port must be free again since c1 was released) */
    OK(voip_phone_call(p, uri, &call)); /* nobody listens there any more */
    OK(voip_phone_destroy(p));
    expect_phone_notfound(p);
    expect_call_notfound(call);
    tp_destroy(b);
}

/* ------------------------------------------------------------------------
 * 9. concurrency: 20 calls with audio at once
 * ------------------------------------------------------------------------ */
#define NCALLS 20
static void test_concurrency(void)
{
    tphone *a = phone_a(TP_RECORD), *b = phone_b(TP_ANSWER);
    uint64_t ca[NCALLS], cb[NCALLS];
    char id_a[NCALLS][128], id_b[128], buf[256];

    STEP("place 20 calls");
    for (int i = 0; i < NCALLS; i++)
        ca[i] = tp_call(a, b, "bob");
    STEP("collect the incoming calls");
    for (int i = 0; i < NCALLS; i++) {
        cb[i] = tp_next_incoming(b, 10000);
        CHECK(cb[i] != 0, "B got only %d of %d calls", i, NCALLS);
    }
    STEP("all answered");
    for (int i = 0; i < NCALLS; i++) {
        WAIT_STATE(ca[i], VOIP_CALL_ANSWERED, 10000);
        WAIT_STATE(cb[i], VOIP_CALL_ANSWERED, 10000);
        INFO(ca[i], "call_id", id_a[i]);
    }
    /* Pair each B call with its A call by Call-ID. */
    int pair[NCALLS]; /* pair[j] = i: cb[j] belongs to ca[i] */
    for (int j = 0; j < NCALLS; j++) {
        INFO(cb[j], "call_id", id_b);
        pair[j] = -1;
        for (int i = 0; i < NCALLS; i++)
            if (!strcmp(id_b, id_a[i]))
                pair[j] = i;
        CHECK(pair[j] >= 0, "B's call %d has Call-ID \"%s\" unknown to A", j, id_b);
    }

    STEP("audio on all calls for 2 s");
    /* A's call i sends 400 + 60 i Hz; its B side sends 1800 + 60 i Hz. */
    static struct audio_job ja[NCALLS], jb[NCALLS];
    pthread_t ta[NCALLS], tb[NCALLS];
    for (int j = 0; j < NCALLS; j++) {
        int i = pair[j];
        ja[i] = (struct audio_job){ .call = ca[i], .send_hz = 400 + 60 * i, .frames = 100 };
        jb[j] = (struct audio_job){ .call = cb[j], .send_hz = 1800 + 60 * i, .frames = 100 };
    }
    for (int i = 0; i < NCALLS; i++) {
        CHECK(pthread_create(&ta[i], NULL, audio_worker, &ja[i]) == 0, "pthread_create");
        CHECK(pthread_create(&tb[i], NULL, audio_worker, &jb[i]) == 0, "pthread_create");
    }
    for (int i = 0; i < NCALLS; i++) {
        pthread_join(ta[i], NULL);
        pthread_join(tb[i], NULL);
    }
    STEP("check every call's audio");
    for (int j = 0; j < NCALLS; j++) {
        int i = pair[j];
        char who[64];
        snprintf(who, sizeof who, "A call %d", i);
        check_received(who, &ja[i], 1800 + 60 * i);
        snprintf(who, sizeof who, "B call %d", j);
        check_received(who, &jb[j], 400 + 60 * i);
    }

    STEP("hang up all");
    for (int i = 0; i < NCALLS; i++)
        OK(voip_call_hangup(ca[i]));
    for (int j = 0; j < NCALLS; j++) {
        WAIT_STATE(cb[j], VOIP_CALL_ENDED, 5000);
        CHECK(t_contains(INFO(cb[j], "end_reason", buf), "remote"), "B call %d end_reason \"%s\"", j, buf);
        CHECK(tp_wait_cb_state(b, cb[j], VOIP_CALL_ENDED, 3000), "B call %d: no ENDED callback", j);
        CHECK(tp_wait_cb_state(a, ca[j], VOIP_CALL_ENDED, 3000), "A call %d: no ENDED callback", j);
    }
    for (int i = 0; i < NCALLS; i++) {
        free(ja[i].rx);
        free(jb[i].rx);
        OK(voip_call_release(ca[i]));
        OK(voip_call_release(cb[i]));
    }
    tp_destroy(a);
    tp_destroy(b);
}

/* ------------------------------------------------------------------------
 * register: a registrar that refuses us (403) -> VOIP_EREJECTED and FAILED;
 * one that accepts (200) -> REGISTERED, and stop unregisters.
 * ------------------------------------------------------------------------ */
static struct {
    pthread_mutex_t mu;
    int32_t status[32];
    char reason[32][96];
    int n;
} g_status = { PTHREAD_MUTEX_INITIALIZER, { 0 }, { "" }, 0 };

static void on_status(void *ud, uint64_t phone, int32_t status, const char *reason)
{
    (void)ud; (void)phone;
    pthread_mutex_lock(&g_status.mu);
    if (g_status.n < 32) {
        g_status.status[g_status.n] = status;
        snprintf(g_status.reason[g_status.n], sizeof g_status.reason[0], "%s", reason ? reason : "(null)");
        g_status.n++;
    }
    pthread_mutex_unlock(&g_status.mu);
}

/* Did the status callback report status (with reason containing word)? */
static int saw_status(int32_t status, const char *word, int timeout_ms)
{
    double end = t_now() + timeout_ms / 1000.0;
    do {
        pthread_mutex_lock(&g_status.mu);
        int found = 0;
        for (int i = 0; i < g_status.n; i++)
            if (g_status.status[i] == status && t_contains(g_status.reason[i], word))
                found = 1;
        pthread_mutex_unlock(&g_status.mu);
        if (found)
            return 1;
        t_sleep_ms(20);
    } while (t_now() < end);
    return 0;
}

static void test_register(void)
{
    char buf[256], server[64];
    int32_t st = -1;
    struct fake_registrar reg;

    STEP("a registrar that answers 403");
    fake_registrar_start(&reg, 403, "Forbidden");
    snprintf(server, sizeof server, "127.0.0.1:%d", reg.port);
    uint64_t p;
    OK(voip_phone_new(&p));
    OK(voip_phone_set_option(p, "bind_ip", "127.0.0.1"));
    OK(voip_phone_set_option(p, "bind_port", "0"));
    snprintf(buf, sizeof buf, "%d", rtp_lo(0));
    OK(voip_phone_set_option(p, "rtp_port_low", buf));
    snprintf(buf, sizeof buf, "%d", rtp_hi(0));
    OK(voip_phone_set_option(p, "rtp_port_high", buf));
    OK(voip_phone_set_option(p, "user", "alice"));
    OK(voip_phone_set_option(p, "server", server));
    if (voip_phone_add_credentials) /* weak: see the top of the file */
        OK(voip_phone_add_credentials(p, "alice", "secret", NULL, NULL));
    OK(voip_phone_on_status(p, on_status, NULL));
    double t0 = t_now();
    EXPECT_RC(voip_phone_start(p), VOIP_EREJECTED);
    CHECK(t_now() - t0 < 10, "start took %.1f s", t_now() - t0);
    pthread_mutex_lock(&reg.mu);
    int nreq = reg.nrequests;
    char first[128];
    snprintf(first, sizeof first, "%s", reg.first_line);
    pthread_mutex_unlock(&reg.mu);
    CHECK(nreq >= 1 && !strncmp(first, "REGISTER ", 9),
          "the registrar got %d requests, first \"%s\"", nreq, first);
    OK(voip_phone_status(p, &st));
    CHECK(st == VOIP_PHONE_FAILED, "status after 403: %d, want FAILED", st);
    OK(voip_phone_get_option(p, "status_reason", buf, sizeof buf));
    CHECK(strstr(buf, "403"), "status_reason \"%s\", want it to contain 403", buf);
    CHECK(saw_status(VOIP_PHONE_FAILED, "403", 2000), "the status callback did not report FAILED with 403");
    fake_registrar_stop(&reg);

    STEP("a registrar that answers 200");
    fake_registrar_start(&reg, 200, "OK");
    snprintf(server, sizeof server, "127.0.0.1:%d", reg.port);
    OK(voip_phone_set_option(p, "server", server)); /* FAILED and stopped: settable */
    OK(voip_phone_start(p));
    OK(voip_phone_status(p, &st));
    CHECK(st == VOIP_PHONE_REGISTERED, "status after 200: %d, want REGISTERED", st);
    CHECK(saw_status(VOIP_PHONE_REGISTERED, "", 2000), "the status callback did not report REGISTERED");
    pthread_mutex_lock(&reg.mu);
    int before = reg.nrequests;
    pthread_mutex_unlock(&reg.mu);
    OK(voip_phone_stop(p)); /* unregisters (REGISTER with Expires: 0) */
    OK(voip_phone_status(p, &st));
    CHECK(st == VOIP_PHONE_INACTIVE, "status after stop: %d, want INACTIVE", st);
    pthread_mutex_lock(&reg.mu);
    int after = reg.nrequests;
    pthread_mutex_unlock(&reg.mu);
    CHECK(after > before, "stop sent no un-REGISTER");
    fake_registrar_stop(&reg);
    OK(voip_phone_destroy(p));
}

/* ------------------------------------------------------------------------
 * tls_rejected: registering over TLS with a server whose certificate does not
 * verify (tests/data/untrusted-cert.pem, self-signed) -> VOIP_EREJECTED and
 * FAILED with "TLS certificate rejected: x509: ..." at once, not a registrar
 * that "did not answer".
 * ------------------------------------------------------------------------ */
#ifndef TEST_DATA_DIR
#define TEST_DATA_DIR "tests/data"
#endif

static uint64_t new_local_phone(const char *user, int side)
{
    char buf[32];
    uint64_t p;
    OK(voip_phone_new(&p));
    OK(voip_phone_set_option(p, "bind_ip", "127.0.0.1"));
    OK(voip_phone_set_option(p, "bind_port", "0"));
    snprintf(buf, sizeof buf, "%d", rtp_lo(side));
    OK(voip_phone_set_option(p, "rtp_port_low", buf));
    snprintf(buf, sizeof buf, "%d", rtp_hi(side));
    OK(voip_phone_set_option(p, "rtp_port_high", buf));
    OK(voip_phone_set_option(p, "user", user));
    return p;
}

static void test_tls_rejected(void)
{
    char buf[256], server[300];
    int32_t st = -1;

    STEP("a TLS server with a self-signed certificate");
    uint64_t srv = new_local_phone("registrar", 1);
    OK(voip_phone_set_option(srv, "transport", "tls"));
    OK(voip_phone_set_option(srv, "cert_file", TEST_DATA_DIR "/untrusted-cert.pem"));
    OK(voip_phone_set_option(srv, "key_file", TEST_DATA_DIR "/untrusted-key.pem"));
    OK(voip_phone_start(srv));
    OK(voip_phone_get_option(srv, "sip_port", buf, sizeof buf));
    snprintf(server, sizeof server, "127.0.0.1:%s", buf);

    STEP("register to it without trusting it");
    uint64_t p = new_local_phone("alice", 0);
    OK(voip_phone_set_option(p, "transport", "tls"));
    OK(voip_phone_set_option(p, "server", server));
    OK(voip_phone_on_status(p, on_status, NULL));
    double t0 = t_now();
    EXPECT_RC(voip_phone_start(p), VOIP_EREJECTED);
    CHECK(t_now() - t0 < 3, "start took %.1f s", t_now() - t0);
    CHECK(strstr(voip_last_error(), "TLS certificate rejected: x509: certificate signed by unknown authority"),
          "last error \"%s\"", voip_last_error());
    OK(voip_phone_status(p, &st));
    CHECK(st == VOIP_PHONE_FAILED, "status: %d, want FAILED", st);
    OK(voip_phone_get_option(p, "status_reason", buf, sizeof buf));
    CHECK(!strcmp(buf, "TLS certificate rejected: x509: certificate signed by unknown authority"),
          "status_reason \"%s\"", buf);
    CHECK(saw_status(VOIP_PHONE_FAILED, "TLS certificate rejected", 2000),
          "the status callback did not report FAILED with the certificate");

    STEP("tls_insecure skips the check: the server answers (405: it is a phone, not a registrar)");
    OK(voip_phone_set_option(p, "tls_insecure", "1"));
    EXPECT_RC(voip_phone_start(p), VOIP_EREJECTED);
    OK(voip_phone_get_option(p, "status_reason", buf, sizeof buf));
    CHECK(strstr(buf, "405"), "status_reason with tls_insecure \"%s\"", buf);
    OK(voip_phone_destroy(p));
    OK(voip_phone_destroy(srv));
}

/* ------------------------------------------------------------------------
 * exposed: accept_any_user=0 answers 404 to a call for another user and
 * rings for ours; voip_set_memory_limit sets, reads and refuses.
 * ------------------------------------------------------------------------ */
static void test_exposed(void)
{
    char buf[256];
    tphone *a = phone_a(TP_RECORD);
    tphone *b = tp_start("bob", rtp_lo(1), rtp_hi(1), TP_RECORD, NULL, "accept_any_user", "0");
    OK(voip_phone_get_option(b->phone, "accept_any_user", buf, sizeof buf));
    CHECK(!strcmp(buf, "0"), "accept_any_user \"%s\"", buf);
    uint64_t idle;
    OK(voip_phone_new(&idle));
    EXPECT_RC(voip_phone_set_option(idle, "accept_any_user", "maybe"), VOIP_EINVAL);
    CHECK(strstr(voip_last_error(), "want 0 or 1"), "last error \"%s\"", voip_last_error());
    OK(voip_phone_destroy(idle));

    STEP("a call for another user: 404, no incoming call");
    uint64_t ca = tp_call(a, b, "mallory");
    WAIT_STATE(ca, VOIP_CALL_ENDED, 5000);
    CHECK(!strcmp(INFO(ca, "end_code", buf), "404"), "end_code \"%s\", want 404", buf);
    CHECK(b->n_incoming == 0, "B saw %d incoming calls", b->n_incoming);
    OK(voip_call_release(ca));

    STEP("a call for our user rings");
    ca = tp_call(a, b, "bob");
    uint64_t cb = tp_next_incoming(b, 5000);
    CHECK(cb != 0, "B got no incoming call for its own user");
    OK(voip_call_deny(cb, 486));
    WAIT_STATE(ca, VOIP_CALL_ENDED, 5000);
    CHECK(!strcmp(INFO(ca, "end_code", buf), "486"), "end_code \"%s\", want 486", buf);
    OK(voip_call_release(ca));
    OK(voip_call_release(cb));
    tp_destroy(a);
    tp_destroy(b);

    STEP("voip_set_memory_limit");
    int64_t original = -7, prev = -7;
    OK(voip_set_memory_limit(-1, &original));
    CHECK(original >= 0, "limit in effect %lld", (long long)original);
    OK(voip_set_memory_limit(512, NULL));
    OK(voip_set_memory_limit(-1, &prev));
    CHECK(prev == 512, "read back %lld, want 512", (long long)prev);
    OK(voip_set_memory_limit(0, &prev));
    CHECK(prev == 512, "previous %lld, want 512", (long long)prev);
    OK(voip_set_memory_limit(-1, &prev));
    CHECK(prev == 0, "after 0: %lld, want 0 (none)", (long long)prev);
    EXPECT_RC(voip_set_memory_limit(-2, &prev), VOIP_EINVAL);
    CHECK(strstr(voip_last_error(), "voip_set_memory_limit"), "last error \"%s\"", voip_last_error());
    EXPECT_RC(voip_set_memory_limit(INT64_MAX, NULL), VOIP_EINVAL);
    OK(voip_set_memory_limit(original, NULL));
}

/* ------------------------------------------------------------------------
 * 11. per-handle last error (voip_phone_last_error, voip_call_last_error)
 * ------------------------------------------------------------------------ */
struct handle_error_job {
    uint64_t phone, call;
    char phone_msg[1024], call_msg[1024], thread_msg[1024];
    int phone_rc, call_rc;
};

static void *handle_error_thread(void *arg)
{
    struct handle_error_job *j = arg;
    j->phone_rc = voip_phone_last_error(j->phone, j->phone_msg, sizeof j->phone_msg);
    j->call_rc = j->call ? voip_call_last_error(j->call, j->call_msg, sizeof j->call_msg) : VOIP_OK;
    snprintf(j->thread_msg, sizeof j->thread_msg, "%s", voip_last_error());
    return NULL;
}

static void test_last_error(void)
{
    tphone *a = phone_a(TP_RECORD);
    tphone *b = phone_b(TP_RECORD);
    char msg[1024], small[8];

    STEP("a new phone has no last error");
    OK(voip_phone_last_error(a->phone, msg, sizeof msg));
    CHECK(msg[0] == '\0', "fresh phone: last error \"%s\"", msg);

    STEP("a failing phone function sets the phone's last error");
    EXPECT_RC(voip_phone_get_option(a->phone, "no_such_option", msg, sizeof msg), VOIP_EINVAL);
    char thread_msg[1024];
    snprintf(thread_msg, sizeof thread_msg, "%s", voip_last_error());
    OK(voip_phone_last_error(a->phone, msg, sizeof msg));
    CHECK(!strcmp(msg, thread_msg), "phone last error \"%s\", thread's \"%s\"", msg, thread_msg);
    CHECK(strstr(msg, "voip_phone_get_option") && strstr(msg, "no_such_option"),
          "message does not name the function and the key: \"%s\"", msg);

    STEP("successes, other phones and this function's own failures leave it");
    int32_t st;
    OK(voip_phone_status(a->phone, &st));
    EXPECT_RC(voip_phone_get_option(b->phone, "nope", msg, sizeof msg), VOIP_EINVAL);
    EXPECT_RC(voip_phone_last_error(a->phone, small, sizeof small), VOIP_ENOSPACE);
    CHECK(small[0] == '\0', "ENOSPACE left \"%s\" in the buffer", small);
    EXPECT_RC(voip_phone_last_error(a->phone, NULL, 16), VOIP_EINVAL);
    EXPECT_RC(voip_phone_last_error(0, msg, sizeof msg), VOIP_ENOTFOUND);
    OK(voip_phone_last_error(a->phone, msg, sizeof msg));
    CHECK(!strcmp(msg, thread_msg), "phone last error changed to \"%s\"", msg);

    STEP("a call's failure is the call's last error, readable from any thread");
    uint64_t ca = tp_call(a, b, "bob");
    uint64_t cb = tp_next_incoming(b, 5000);
    CHECK(cb != 0, "no incoming call");
    OK(voip_call_last_error(ca, msg, sizeof msg));
    CHECK(msg[0] == '\0', "fresh call: last error \"%s\"", msg);
    EXPECT_RC(voip_call_hangup(cb), VOIP_ESTATE); /* RINGING: deny, not hang up */
    struct handle_error_job j = { .phone = b->phone, .call = cb };
    pthread_t t;
    CHECK(pthread_create(&t, NULL, handle_error_thread, &j) == 0, "pthread_create");
    pthread_join(t, NULL);
    CHECK(j.call_rc == VOIP_OK && strstr(j.call_msg, "voip_call_hangup"),
          "call last error from another thread: %d \"%s\"", j.call_rc, j.call_msg);
    char want[64];
    snprintf(want, sizeof want, "call %llu", (unsigned long long)cb);
    CHECK(strstr(j.call_msg, want) != NULL, "\"%s\" does not name %s", j.call_msg, want);
    CHECK(j.phone_rc == VOIP_OK && strstr(j.phone_msg, "voip_phone_get_option") && strstr(j.phone_msg, "nope"),
          "the call's failure changed its phone's last error: \"%s\"", j.phone_msg);
    CHECK(j.thread_msg[0] == '\0', "the other thread's own last error is \"%s\"", j.thread_msg);

    OK(voip_call_deny(cb, 486));
    WAIT_STATE(ca, VOIP_CALL_ENDED, 5000);
    OK(voip_call_release(ca));
    OK(voip_call_release(cb));
    EXPECT_RC(voip_call_last_error(cb, msg, sizeof msg), VOIP_ENOTFOUND);
    tp_destroy(a);
    tp_destroy(b);
}

/* ------------------------------------------------------------------------
 * 12. an outgoing call's first events reach the callback (regression: an
 *     event dispatched before voip_phone_call issued the handle was lost)
 * ------------------------------------------------------------------------ */
struct dial_job {
    tphone *a, *b;
    uint64_t calls[6];
};

static void *dial_worker(void *arg)
{
    struct dial_job *j = arg;
    for (int i = 0; i < 6; i++)
        j->calls[i] = tp_call(j->a, j->b, "bob");
    return NULL;
}

static void test_first_events(void)
{
    tphone *a = phone_a(TP_RECORD);
    tphone *b = phone_b(TP_RECORD);
    /* Without an incoming-call callback b answers 486 at once: the ENDED
     * of a's call may be ready before voip_phone_call returns.  Eight
     * threads dial at once so that some voip_phone_call is preempted
     * between placing the call and returning its handle. */
    OK(voip_phone_on_incoming_call(b->phone, NULL, NULL));
    enum { T = 8 };
    struct dial_job jobs[T];
    pthread_t th[T];
    STEP("8 threads call b, which is busy");
    for (int t = 0; t < T; t++) {
        jobs[t] = (struct dial_job){ .a = a, .b = b };
        CHECK(pthread_create(&th[t], NULL, dial_worker, &jobs[t]) == 0, "pthread_create");
    }
    for (int t = 0; t < T; t++)
        pthread_join(th[t], NULL);
    char hist[1024];
    for (int t = 0; t < T; t++) {
        for (int i = 0; i < 6; i++) {
            uint64_t c = jobs[t].calls[i];
            STEP("every call's callback history is DIALING ... ENDED");
            WAIT_STATE(c, VOIP_CALL_ENDED, 5000);
            SOFT_CHECK(tp_wait_cb_state(a, c, VOIP_CALL_ENDED, 3000), "call %llu: no ENDED callback",
                       (unsigned long long)c);
            struct tp_call h = tp_history(a, c);
            tp_history_str(&h, hist, sizeof hist);
            SOFT_CHECK(h.nstates >= 2 && h.states[0] == VOIP_CALL_DIALING,
                       "call %llu: first state not DIALING: %s", (unsigned long long)c, hist);
            SOFT_CHECK(h.nended == 1, "call %llu: ENDED reported %d times: %s",
                       (unsigned long long)c, h.nended, hist);
            OK(voip_call_release(c));
        }
    }
    tp_destroy(a);
    tp_destroy(b);
}

/* ------------------------------------------------------------------------
 * transfer: B transfers A to C with voip_call_transfer (blind): B's call
 * ends "transferred", C gets A's new call, A's old call ends; the
 * argument and state errors of both transfer functions.
 * ------------------------------------------------------------------------ */
static void test_transfer(void)
{
    tphone *a = tp_start("alice", rtp_lo(0), rtp_lo(0) + 74, TP_RECORD, NULL, NULL, NULL);
    tphone *c = tp_start("carol", rtp_lo(0) + 75, rtp_hi(0), TP_ANSWER, NULL, NULL, NULL);
    tphone *b = phone_b(TP_ANSWER);
    char buf[512], uri[128];
    uint64_t ca, cb;
    establish(a, b, &ca, &cb);

    STEP("argument errors");
    EXPECT_RC(voip_call_transfer(cb, NULL, 1, 1000), VOIP_EINVAL);
    EXPECT_RC(voip_call_transfer(cb, "sip:", 1, 1000), VOIP_EINVAL);
    EXPECT_RC(voip_call_transfer(0, "sip:carol@127.0.0.1", 1, 1000), VOIP_ENOTFOUND);
    EXPECT_RC(voip_call_transfer_attended(cb, 987654321, 1000), VOIP_ENOTFOUND);
    EXPECT_RC(voip_call_transfer_attended(cb, cb, 1000), VOIP_EINVAL);

    STEP("blind transfer of A to C");
    snprintf(uri, sizeof uri, "sip:carol@127.0.0.1:%d", c->sip_port);
    OK(voip_call_transfer(cb, uri, 1, 5000));
    WAIT_STATE(cb, VOIP_CALL_ENDED, 5000);
    /* Our BYE follows the 202; A, done with the transfer, may hang up first. */
    INFO(cb, "end_reason", buf);
    CHECK(!strcmp(buf, "transferred") || !strcmp(buf, "remote hangup"), "B's end reason \"%s\"", buf);
    uint64_t cc = tp_next_incoming(c, 5000);
    CHECK(cc != 0, "C got no call from A within 5 s");
    WAIT_STATE(cc, VOIP_CALL_ANSWERED, 5000);
    CHECK(strstr(INFO(cc, "remote_uri", buf), "alice@127.0.0.1"), "C's call is from \"%s\"", buf);
    WAIT_STATE(ca, VOIP_CALL_ENDED, 5000);

    STEP("a transfer of an ended call");
    EXPECT_RC(voip_call_transfer(cb, uri, 1, 1000), VOIP_ESTATE);

    voip_call_release(ca);
    voip_call_release(cb);
    voip_call_release(cc);
    tp_destroy(a);
    tp_destroy(b);
    tp_destroy(c);
}

/* ------------------------------------------------------------------------
 * call_control: through the C ABI, B holds and resumes the call (A's
 * call-event callback reports "hold remote" and "resume remote", both
 * sides' "hold" info follows); a second call gets early media
 * (voip_call_progress: A reaches PROGRESS and reports "early_media
 * remote") and is then redirected (voip_call_redirect: A follows the 302
 * to C); the argument and state errors of these functions.
 * ------------------------------------------------------------------------ */
static pthread_mutex_t g_ev_mu = PTHREAD_MUTEX_INITIALIZER;
static char g_events[1024];

static void on_call_event(void *ud, uint64_t phone, uint64_t call, const char *event, const char *detail)
{
    (void)ud;
    (void)phone;
    (void)call;
    pthread_mutex_lock(&g_ev_mu);
    size_t n = strlen(g_events);
    snprintf(g_events + n, sizeof g_events - n, "%s %s;", event, detail);
    pthread_mutex_unlock(&g_ev_mu);
}

/* Waits up to ms for want (e.g. "hold remote;") among the events seen. */
static int saw_event(const char *want, int ms)
{
    for (int waited = 0; waited <= ms; waited += 20) {
        pthread_mutex_lock(&g_ev_mu);
        int found = strstr(g_events, want) != NULL;
        pthread_mutex_unlock(&g_ev_mu);
        if (found)
            return 1;
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return 0;
}

static void test_call_control(void)
{
    tphone *a = tp_start("alice", rtp_lo(0), rtp_lo(0) + 74, TP_RECORD, NULL, NULL, NULL);
    tphone *c = tp_start("carol", rtp_lo(0) + 75, rtp_hi(0), TP_ANSWER, NULL, NULL, NULL);
    tphone *b = phone_b(TP_RECORD);
    char buf[512], uri[128];
    uint64_t ca, cb;
    g_events[0] = '\0';
    OK(voip_phone_on_call_event(a->phone, on_call_event, NULL));
    EXPECT_RC(voip_phone_on_call_event(0, on_call_event, NULL), VOIP_ENOTFOUND);
    establish(a, b, &ca, &cb);

    STEP("hold and resume from B");
    EXPECT_RC(voip_call_hold(0), VOIP_ENOTFOUND);
    CHECK(!strcmp(INFO(cb, "hold", buf), "none"), "B hold before \"%s\"", buf);
    OK(voip_call_hold(cb));
    CHECK(!strcmp(INFO(cb, "hold", buf), "local"), "B hold \"%s\"", buf);
    CHECK(saw_event("hold remote;", 3000), "A saw no \"hold remote\" event: \"%s\"", g_events);
    CHECK(!strcmp(INFO(ca, "hold", buf), "remote"), "A hold \"%s\"", buf);
    OK(voip_call_resume(cb));
    CHECK(saw_event("resume remote;", 3000), "A saw no \"resume remote\" event: \"%s\"", g_events);
    CHECK(!strcmp(INFO(ca, "hold", buf), "none"), "A hold after resume \"%s\"", buf);
    CHECK(!strcmp(INFO(cb, "hold", buf), "none"), "B hold after resume \"%s\"", buf);
    CHECK(strstr(INFO(ca, "remote_sdp", buf), "m=audio") != NULL, "A remote_sdp \"%s\"", buf);
    OK(voip_call_hangup(ca));
    WAIT_STATE(cb, VOIP_CALL_ENDED, 5000);
    EXPECT_RC(voip_call_hold(ca), VOIP_ESTATE);

    STEP("early media, then a redirect to C");
    uint64_t ca2 = tp_call(a, b, "bob");
    uint64_t cb2 = tp_next_incoming(b, 5000);
    CHECK(cb2 != 0, "B got no second call within 5 s");
    EXPECT_RC(voip_call_progress(0), VOIP_ENOTFOUND);
    OK(voip_call_progress(cb2));
    WAIT_STATE(ca2, VOIP_CALL_PROGRESS, 5000);
    CHECK(saw_event("early_media remote;", 3000), "A saw no \"early_media remote\" event: \"%s\"", g_events);
    snprintf(uri, sizeof uri, "sip:carol@127.0.0.1:%d", c->sip_port);
    EXPECT_RC(voip_call_redirect(cb2, NULL), VOIP_EINVAL);
    OK(voip_call_redirect(cb2, uri));
    WAIT_STATE(cb2, VOIP_CALL_ENDED, 5000);
    CHECK(!strcmp(INFO(cb2, "end_code", buf), "302"), "B's end code \"%s\"", buf);
    uint64_t cc = tp_next_incoming(c, 5000);
    CHECK(cc != 0, "C got no redirected call within 5 s");
    WAIT_STATE(ca2, VOIP_CALL_ANSWERED, 5000);
    CHECK(saw_event("redirected ", 3000), "A saw no \"redirected\" event: \"%s\"", g_events);
    OK(voip_call_hangup(ca2));
    WAIT_STATE(cc, VOIP_CALL_ENDED, 5000);

    OK(voip_phone_on_call_event(a->phone, NULL, NULL));
    voip_call_release(ca);
    voip_call_release(cb);
    voip_call_release(ca2);
    voip_call_release(cb2);
    voip_call_release(cc);
    tp_destroy(a);
    tp_destroy(b);
    tp_destroy(c);
}

/* ------------------------------------------------------------------------
 * media (issue 12): A plays a WAV file (written by the test) into its call;
 * B's application hears it at the right frequency while B records the
 * call; the "playback_ended finished" event names the player's handle; the
 * recording has a valid header; the argument and format errors of the
 * media functions.
 * ------------------------------------------------------------------------ */
static uint64_t g_media_ended; /* the handle of the last "playback_ended" */

static void on_media_event(void *ud, uint64_t phone, uint64_t id, const char *event, const char *detail)
{
    (void)ud;
    (void)phone;
    if (!strcmp(event, "playback_ended") && !strcmp(detail, "finished")) {
        pthread_mutex_lock(&g_ev_mu);
        g_media_ended = id;
        pthread_mutex_unlock(&g_ev_mu);
    }
}

static void media_bad_input(uint64_t phone, uint64_t player, uint64_t call)
{
    uint64_t id = 0, tone = 0;
    static const uint8_t junk[] = "RIFF\x10\0\0\0WAVEjunk";
    /* a float WAV: format 3, 32 bits */
    static const uint8_t flt[] = "RIFF\x28\0\0\0WAVEfmt \x10\0\0\0\x03\0\x01\0\x40\x1f\0\0\0\x7d\0\0\x04\0\x20\0"
                                 "data\x04\0\0\0\0\0\0\0";
    EXPECT_RC(voip_player_new(phone, "/nonexistent/greeting.wav", 0, &id), VOIP_EIO);
    EXPECT_RC(voip_player_new(phone, NULL, 0, &id), VOIP_EINVAL);
    EXPECT_RC(voip_player_new(0, "x.wav", 0, &id), VOIP_ENOTFOUND);
    EXPECT_RC(voip_player_new_from_memory(phone, junk, sizeof junk - 1, 0, &id), VOIP_EFORMAT);
    EXPECT_RC(voip_player_new_from_memory(phone, junk, 20, 0, &id), VOIP_EFORMAT); /* truncated */
    EXPECT_RC(voip_player_new_from_memory(phone, flt, sizeof flt - 1, 0, &id), VOIP_EFORMAT);
    EXPECT_RC(voip_player_new_from_memory(phone, NULL, 10, 0, &id), VOIP_EINVAL);
    EXPECT_RC(voip_recorder_new(phone, "/nonexistent/dir/r.wav", 0, &id), VOIP_EIO);
    EXPECT_RC(voip_tone_new(phone, "ringback:mars", &id), VOIP_EINVAL);
    EXPECT_RC(voip_tone_new(phone, "440+480/2000/4000", NULL), VOIP_EINVAL);
    OK(voip_tone_new(phone, "dtmf:1", &tone));
    EXPECT_RC(voip_connect(tone, tone), VOIP_EINVAL);       /* to itself */
    EXPECT_RC(voip_connect(call, call), VOIP_EINVAL);
    EXPECT_RC(voip_connect(call, tone), VOIP_EINVAL);       /* a tone takes nothing */
    EXPECT_RC(voip_connect(tone, 0), VOIP_ENOTFOUND);
    EXPECT_RC(voip_recorder_set_max_duration(tone, 1000), VOIP_EINVAL);
    EXPECT_RC(voip_media_wait(tone, 100), VOIP_ETIMEOUT);   /* never connected */
    OK(voip_media_destroy(tone));
    EXPECT_RC(voip_media_destroy(tone), VOIP_ENOTFOUND);
    EXPECT_RC(voip_connect(tone, call), VOIP_ENOTFOUND);    /* destroyed */
    EXPECT_RC(voip_connect(player, call), VOIP_ENOTFOUND);  /* destroyed */
    EXPECT_RC(voip_media_wait(player, 0), VOIP_ENOTFOUND);
}

static void test_media(void)
{
    tphone *a = phone_a(TP_RECORD);
    tphone *b = phone_b(TP_ANSWER);
    uint64_t ca, cb, player, rec;
    char wav[64], recpath[64];
    snprintf(wav, sizeof wav, "/tmp/voip_media_%d.wav", (int)getpid());
    snprintf(recpath, sizeof recpath, "/tmp/voip_media_rec_%d.wav", (int)getpid());
    int16_t *tone = malloc(AU_RATE * sizeof *tone);
    double phase = 0;
    au_tone(tone, AU_RATE, 1000, 12000, &phase);
    CHECK(au_write_wav(wav, tone, AU_RATE) == 0, "cannot write %s", wav);
    free(tone);
    OK(voip_phone_on_call_event(a->phone, on_media_event, NULL));
    establish(a, b, &ca, &cb);

    STEP("B records; A plays one second of 1000 Hz into the call");
    OK(voip_recorder_new(b->phone, recpath, 0, &rec));
    OK(voip_connect(cb, rec));
    OK(voip_player_new(a->phone, wav, 0, &player));
    OK(voip_connect(player, ca));
    OK(voip_connect(player, ca)); /* twice: no change */
    size_t n = AU_RATE * 3 / 2;
    int16_t *rx = calloc(n, sizeof *rx);
    uint8_t buf[AU_FRAME * 2];
    for (size_t got = 0; got < n; got += AU_FRAME) {
        size_t nr = 0;
        OK(voip_call_read_audio(cb, buf, sizeof buf, 1000, &nr));
        au_from_s16le(buf, nr, rx + got);
    }
    double f = au_dominant_freq(rx, n);
    printf("B heard %.1f Hz (rms %.0f) from A's player\n", f, au_rms(rx, n));
    CHECK(f > 990 && f < 1010, "B heard %.1f Hz, want 1000", f);
    free(rx);
    OK(voip_media_wait(player, 2000));
    int ended = 0;
    for (int i = 0; i < 100 && !ended; i++) {
        pthread_mutex_lock(&g_ev_mu);
        ended = g_media_ended == player;
        pthread_mutex_unlock(&g_ev_mu);
        t_sleep_ms(20);
    }
    CHECK(ended, "no playback_ended event for player %llu", (unsigned long long)player);
    OK(voip_media_destroy(rec));

    STEP("the recording's header matches its data");
    FILE *fp = fopen(recpath, "rb");
    CHECK(fp != NULL, "no recording at %s", recpath);
    uint8_t h[44];
    CHECK(fread(h, 1, 44, fp) == 44, "short recording");
    fseek(fp, 0, SEEK_END);
    long size = ftell(fp);
    fclose(fp);
    uint32_t data = h[40] | h[41] << 8 | h[42] << 16 | (uint32_t)h[43] << 24;
    CHECK(!memcmp(h, "RIFF", 4) && !memcmp(h + 36, "data", 4), "not a WAV header");
    CHECK((long)data == size - 44 && data >= AU_RATE * 2, "data %u bytes, file %ld", data, size);

    STEP("bad input");
    OK(voip_media_destroy(player));
    media_bad_input(a->phone, player, ca);

    OK(voip_call_hangup(ca));
    WAIT_STATE(cb, VOIP_CALL_ENDED, 5000);
    OK(voip_phone_on_call_event(a->phone, NULL, NULL));
    voip_call_release(ca);
    voip_call_release(cb);
    unlink(wav);
    unlink(recpath);
    tp_destroy(a);
    tp_destroy(b);
}

/* ------------------------------------------------------------------------
 * srtp (issue 14): media_encryption, voip_call_info "media_encryption"/"srtp"
 * ------------------------------------------------------------------------ */
static void test_srtp(void)
{
    char buf[512];
    tphone *a = tp_start("alice", rtp_lo(0), rtp_lo(0) + 74, TP_RECORD, NULL, "media_encryption", "mandatory");
    tphone *b = tp_start("bob", rtp_lo(1), rtp_hi(1), TP_ANSWER, NULL, "media_encryption", "optional");
    tphone *c = tp_start("carol", rtp_lo(0) + 75, rtp_hi(0), TP_ANSWER, NULL, NULL, NULL);
    uint64_t fresh = 0;
    OK(voip_phone_new(&fresh));
    EXPECT_RC(voip_phone_set_option(fresh, "media_encryption", "sdes"), VOIP_EINVAL);
    OK(voip_phone_destroy(fresh));
    OK(voip_phone_get_option(a->phone, "media_encryption", buf, sizeof buf));
    CHECK(!strcmp(buf, "mandatory"), "media_encryption option \"%s\"", buf);

    STEP("mandatory to optional: SRTP both ways");
    uint64_t ca, cb;
    establish(a, b, &ca, &cb);
    CHECK(!strcmp(INFO(ca, "media_encryption", buf), "sdes"), "A media_encryption \"%s\"", buf);
    CHECK(!strcmp(INFO(cb, "media_encryption", buf), "sdes"), "B media_encryption \"%s\"", buf);
    CHECK(strstr(INFO(ca, "srtp", buf), "\"suite\":\"AES_CM_128_HMAC_SHA1_80\""), "A srtp %s", buf);
    t_sleep_ms(1000);
    CHECK(t_stat(ca, "packets_received") > 20, "A received %ld packets", t_stat(ca, "packets_received"));
    CHECK(t_stat(cb, "packets_received") > 20, "B received %ld packets", t_stat(cb, "packets_received"));
    CHECK(strstr(INFO(cb, "srtp", buf), "\"auth_failed\":0"), "B srtp %s", buf);
    OK(voip_call_hangup(ca));
    WAIT_STATE(cb, VOIP_CALL_ENDED, 5000);

    STEP("mandatory to off: 488, no call at C");
    uint64_t cc = tp_call(a, c, "carol");
    WAIT_STATE(cc, VOIP_CALL_ENDED, 5000);
    CHECK(!strcmp(INFO(cc, "end_code", buf), "488"), "end_code \"%s\", want 488", buf);
    CHECK(tp_next_incoming(c, 200) == 0, "C was offered a call it cannot take");
    tp_destroy(a);
    tp_destroy(b);
    tp_destroy(c);
}

/* ------------------------------------------------------------------------
 * leak_selfcheck: proves that the asan.* tests catch a leak in OUR code
 * while the library runs (ctest expects LeakSanitizer's report from it).
 * ------------------------------------------------------------------------ */
static void *volatile g_leak;
/* ------------------------------------------------------------------------
 * errors (issue 17): a table of what the library refuses, each with its code
 * and a message that says what to do; a bare user without a server fails at
 * once (no DNS lookup); a closed port fails a call and a registration at
 * once with "port unreachable" (the kernel's ICMP error); an unreachable
 * registrar leaves the phone FAILED with the cause and running (retrying).
 * ------------------------------------------------------------------------ */
static int closed_udp_port(void)
{
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    CHECK(fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
              getsockname(fd, (struct sockaddr *)&a, &len) == 0, "cannot bind a UDP socket");
    close(fd);
    return ntohs(a.sin_port);
}

static void test_errors(void)
{
    static const struct {
        const char *uri, *want1, *want2;
    } dial[] = {
        { "bob", "\"bob\" is a bare user or number", "\"server\" option" },
        { "1001", "\"1001\" is a bare user or number", "user@host[:port]" },
        { "http://x", "bad URI \"http://x\"", "scheme \"http\" is not supported" },
        { "sip:bob@127.0.0.1;transport=foo", "transport \"foo\" is not udp, tcp or tls", "foo" },
        { "sip:bob@127.0.0.1:99999", "port \"99999\" is not a number of 1..65535", "99999" },
        { "sip:alice@", "no host", "sip:user@host" },
    };
    char buf[512], want[128];
    uint64_t call = 0;
    int32_t st = -1;

    uint64_t p = new_local_phone("alice", 0);
    OK(voip_phone_start(p));
    for (size_t i = 0; i < sizeof dial / sizeof dial[0]; i++) {
        STEP(dial[i].uri);
        double t0 = t_now();
        EXPECT_RC(voip_phone_call(p, dial[i].uri, &call), VOIP_EINVAL);
        CHECK(t_now() - t0 < 0.5, "%s: %.2f s (a network look-up?)", dial[i].uri, t_now() - t0);
        const char *msg = voip_last_error();
        CHECK(strstr(msg, dial[i].want1) && strstr(msg, dial[i].want2), "%s: \"%s\"", dial[i].uri, msg);
        CHECK(!strstr(msg, "strconv") && !strstr(msg, "lookup"), "%s: \"%s\"", dial[i].uri, msg);
    }

    STEP("an unknown transport option");
    uint64_t q = new_local_phone("bob", 1);
    EXPECT_RC(voip_phone_set_option(q, "transport", "foo"), VOIP_EINVAL);
    CHECK(strstr(voip_last_error(), "transport"), "\"%s\"", voip_last_error());

    STEP("a call to a closed port ends at once: port unreachable");
    int port = closed_udp_port();
    snprintf(buf, sizeof buf, "sip:bob@127.0.0.1:%d", port);
    double t0 = t_now();
    OK(voip_phone_call(p, buf, &call));
    OK(voip_call_wait(call, VOIP_STATE_BIT(VOIP_CALL_ENDED), 5000, &st));
    CHECK(st == VOIP_CALL_ENDED && t_now() - t0 < 2, "state %d after %.1f s", st, t_now() - t0);
    OK(voip_call_info(call, "end_reason", buf, sizeof buf));
    snprintf(want, sizeof want, "port unreachable: 127.0.0.1:%d (ICMP)", port);
    CHECK(!strcmp(buf, want), "end_reason \"%s\", want \"%s\"", buf, want);
    OK(voip_call_release(call));

    STEP("an unreachable registrar: ETIMEOUT, FAILED with the cause, still running");
    snprintf(buf, sizeof buf, "127.0.0.1:%d", port);
    OK(voip_phone_set_option(q, "server", buf));
    t0 = t_now();
    EXPECT_RC(voip_phone_start(q), VOIP_ETIMEOUT);
    CHECK(t_now() - t0 < 3, "start took %.1f s", t_now() - t0);
    snprintf(want, sizeof want, "registrar 127.0.0.1:%d is unreachable", port);
    CHECK(strstr(voip_last_error(), want) && strstr(voip_last_error(), "retrying"), "\"%s\"", voip_last_error());
    OK(voip_phone_status(q, &st));
    CHECK(st == VOIP_PHONE_FAILED, "status %d, want FAILED", st);
    OK(voip_phone_get_option(q, "status_reason", buf, sizeof buf));
    snprintf(want, sizeof want, "port unreachable: 127.0.0.1:%d (ICMP)", port);
    CHECK(!strcmp(buf, want), "status_reason \"%s\", want \"%s\"", buf, want);
    OK(voip_phone_get_option(q, "sip_port", buf, sizeof buf)); /* still running */
    CHECK(atoi(buf) > 0, "sip_port \"%s\"", buf);
    OK(voip_phone_stop(q));
    OK(voip_phone_destroy(q));
    OK(voip_phone_destroy(p));
}
/* events: presence and subscriptions through the C ABI (events_test.c). */
void events_test(int a_lo, int a_hi, int b_lo, int b_hi);
static void test_events(void) { events_test(rtp_lo(0), rtp_hi(0), rtp_lo(1), rtp_hi(1)); }
/* winfo: presence.winfo watcher information through the C ABI (winfo_test.c). */
void winfo_test(int lo, int hi);
static void test_winfo(void) { winfo_test(rtp_lo(0), rtp_hi(1)); }

static void test_leak_selfcheck(void)
{
    tphone *a = phone_a(TP_RECORD);
    g_leak = malloc(4242); /* deliberately leaked ... */
    g_leak = NULL;         /* ... by dropping the only pointer */
    tp_destroy(a);
}

/* ------------------------------------------------------------------------ */

/* wideband.c: G.722 / Opus calls at 16 and 48 kHz (issue 13). */
void wideband_test(int rtp_lo0, int rtp_lo1);
static void test_wideband(void) { wideband_test(rtp_lo(0), rtp_lo(1)); }

static const struct t_test tests[] = {
    { "wideband", test_wideband },
    { "answer", test_answer },
    { "audio", test_audio },
    { "audio_u8", test_audio_u8 },
    { "dtmf", test_dtmf },
    { "dtmf_info", test_dtmf_info },
    { "deny", test_deny },
    { "cancel", test_cancel },
    { "hangup_caller", test_hangup_caller },
    { "hangup_callee", test_hangup_callee },
    { "no_listener", test_no_listener },
    { "bad_input", test_bad_input },
    { "concurrency", test_concurrency },
    { "register", test_register },
    { "last_error", test_last_error },
    { "first_events", test_first_events },
    { "transfer", test_transfer },
    { "call_control", test_call_control },
    { "tls_rejected", test_tls_rejected },
    { "exposed", test_exposed },
    { "errors", test_errors },
    { "events", test_events },
    { "media", test_media },
    { "srtp", test_srtp },
    { "winfo", test_winfo },
    { "leak_selfcheck", test_leak_selfcheck }, /* asan only; see above */
};
#define NTESTS ((int)(sizeof tests / sizeof tests[0]))

int main(int argc, char **argv)
{
    return t_main(argc, argv, tests, NTESTS, WATCHDOG_SECONDS, &g_index);
}
