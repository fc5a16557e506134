/*
 * voip-dial — place one SIP call with libvoip, play a tone, send DTMF,
 * record and measure what comes back.
 *
 *   voip-dial URI [--bind IP:PORT] [--rtp-ports LOW-HIGH] [--seconds N]
 *             [--tone HZ] [--dtmf DIGITS] [--record FILE.wav] [--timeout SECS]
 *             [--transfer URI]
 *             [--hold SECS]
 *             [--register sip:USER@HOST[:PORT] [--password PW] [--auth-user U]]
 *             [--transport udp|tcp|tls] [--ca FILE] [--insecure]
 *             [--outbound-proxy URI] [--option KEY=VALUE ...]
 *
 * With --register it registers first, then calls through the registrar; URI
 * may then be a bare user or number ("bob").
 *
 * Prints one line per event on stdout:
 *
 *   CALL 1 <STATE>[ <reason>]     DIALING, PROGRESS, ANSWERED, ENDED ...
 *   DTMF 1 <digit>                a key the other side pressed
 *   HOLD 1 local, RESUME 1 local  with --hold: the call was held, resumed
 *   EVENT 1 <name> <detail>       a call event, e.g. "redirected", "early_media",
 *                                 "transfer_progress" (EVENT 2: the new call's)
 *   AUDIO <freq_hz> <rms>         at the end: dominant frequency and RMS level
 *                                 of the audio received from 0.5 s after the
 *                                 answer to the end of the call
 *   STATUS <STATUS> <reason>      with --register: the phone's status
 *   TRANSFER 1 <uri>              with --transfer: the peer accepted the
 *                                 transfer (blind: the call then ends);
 *                                 without: the peer transferred us (REFER)
 *                                 and we call uri; the rest (tone, audio,
 *                                 hang-up) goes on with that call, whose
 *                                 lines are CALL 2 <STATE>[ <reason>]
 *
 * Exit status: 0 the call was answered and ended cleanly (with --transfer:
 * the peer accepted the transfer); 2 rejected (e.g. "486 Busy Here", or a
 * refused transfer); 3 no answer (timeout, or port unreachable); 4 bad
 * URI; 5 registration failed (refused or no answer); 1 other errors.
 *
 * How it uses the API:
 *   - voip_phone_call() then voip_call_wait() for the answer;
 *   - the main thread writes 20 ms frames of the tone, paced by the clock so
 *     the library's send queue stays short; a reader thread reads frames
 *     (the library delivers one every 20 ms, like a sound card);
 *   - with --register: options "server" and "user" and the credentials are
 *     set before voip_phone_start(), which registers (see example_util.h);
 *   - callbacks (state, DTMF, status) only print, on the library's dispatcher thread.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <voip.h>

#include "audio_util.h"
#include "example_util.h"

#define FRAME_BYTES 320      /* 20 ms of s16le mono at 8 kHz */
#define TONE_AMPLITUDE 8000.0
#define SEND_LEAD 0.06       /* keep at most 60 ms queued ahead of real time */

/* ---- shared between callbacks and main (guarded by g_mu) ---- */
static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cv = PTHREAD_COND_INITIALIZER;
static int32_t g_last_state[3] = {-1, -1, -1}; /* per call line; -1 = none yet */
static int g_ended_printed[3];
static uint64_t g_next_call; /* the call we placed for the peer's REFER (g_mu) */

/* ---- received audio (written by the reader thread only) ---- */
static uint64_t g_call; /* the call being measured (g_mu once transferred) */
static int16_t *g_rx;             /* received samples */
static size_t g_rx_len, g_rx_cap;
static int g_stop_reader;  /* set by main as a last resort (g_mu) */
static int g_reader_done;  /* the reader thread finished (g_mu) */

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* Print "CALL 1 <STATE>" once per state.  g_mu must be held.  A call starts
 * in DIALING, so if the first thing we hear is a later state, DIALING is
 * printed first (the callback may even run before voip_phone_call returns). */
static void print_state(int line, int32_t state, const char *reason)
{
    if (g_last_state[line] == state)
        return;
    if (g_last_state[line] == -1 && state != VOIP_CALL_DIALING)
        printf("CALL %d DIALING\n", line);
    g_last_state[line] = state;
    if (state == VOIP_CALL_ENDED) {
        printf("CALL %d ENDED %s\n", line, reason && reason[0] ? reason : "unknown");
        g_ended_printed[line] = 1;
        pthread_cond_broadcast(&g_cv);
    } else {
        printf("CALL %d %s\n", line, ex_state_name(state));
    }
}

/* Callback: the call changed state (dispatcher thread). */
static void on_state(void *ud, uint64_t phone, uint64_t call, int32_t state,
                     const char *reason)
{
    (void)ud; (void)phone;
    pthread_mutex_lock(&g_mu);
    /* Call 1, or call 2 placed for a transfer (known before its events). */
    print_state(call != 0 && call == g_next_call ? 2 : 1, state, reason);
    pthread_mutex_unlock(&g_mu);
}

/* Callback: a call event (dispatcher thread): printed as "EVENT <n> <name>
 * <detail>" (e.g. "redirected", "early_media"; n is 2 for a transfer's new
 * call).  "transferred" names the
 * new call ("call=<handle> <uri>") we placed for the peer's REFER: the rest
 * goes on with it (see switch_call). */
static void on_call_event(void *ud, uint64_t phone, uint64_t call, const char *event,
                          const char *detail)
{
    (void)ud; (void)phone;
    unsigned long long next = 0;
    int off = 0;
    pthread_mutex_lock(&g_mu);
    printf("EVENT %d %s %s\n", g_next_call && call == g_next_call ? 2 : 1, event, detail);
    if (!strcmp(event, "transferred") &&
        sscanf(detail, "call=%llu %n", &next, &off) == 1 && next != 0 && !g_next_call) {
        g_next_call = next;
        printf("TRANSFER 1 %s\n", detail + off);
        pthread_cond_broadcast(&g_cv);
    }
    pthread_mutex_unlock(&g_mu);
}

/* Callback: the phone's status changed (dispatcher thread, --register). */
static int32_t g_status = -1; /* last status reported (g_mu) */
static void on_status(void *ud, uint64_t phone, int32_t status, const char *reason)
{
    pthread_mutex_lock(&g_mu);
    ex_on_status(ud, phone, status, reason);
    g_status = status;
    pthread_cond_broadcast(&g_cv);
    pthread_mutex_unlock(&g_mu);
}

/* Callback: the other side pressed a key (dispatcher thread). */
static void on_dtmf(void *ud, uint64_t phone, uint64_t call, int32_t digit)
{
    (void)ud; (void)phone; (void)call;
    pthread_mutex_lock(&g_mu);
    printf("DTMF 1 %c\n", (char)digit);
    pthread_mutex_unlock(&g_mu);
}

/* The call ended: when it was transferred, go on with the new call (what
 * was received so far is dropped: AUDIO measures the last call).  Returns
 * whether there is a call to go on with. */
static int switch_call(uint64_t ended)
{
    pthread_mutex_lock(&g_mu);
    int go_on = g_next_call != 0 && ended != g_next_call;
    if (go_on && g_call == ended) {
        g_call = g_next_call;
        g_rx_len = 0;
    }
    pthread_mutex_unlock(&g_mu);
    return go_on;
}

/* Reader thread: collect received audio until the call is over. */
static void *reader(void *arg)
{
    (void)arg;
    uint8_t frame[FRAME_BYTES];
    for (;;) {
        pthread_mutex_lock(&g_mu);
        int stop = g_stop_reader;
        pthread_mutex_unlock(&g_mu);
        if (stop)
            break;
        size_t n = 0;
        pthread_mutex_lock(&g_mu);
        uint64_t call = g_call;
        pthread_mutex_unlock(&g_mu);
        int rc = voip_call_read_audio(call, frame, sizeof frame, 200, &n);
        if (n > 0) {
            if (g_rx_len + n / 2 > g_rx_cap) {
                size_t cap = g_rx_cap ? g_rx_cap * 2 : 8000 * 8;
                int16_t *p = realloc(g_rx, cap * sizeof *p);
                if (!p)
                    break;
                g_rx = p;
                g_rx_cap = cap;
            }
            au_from_s16le(frame, n, g_rx + g_rx_len);
            g_rx_len += n / 2;
        }
        if (rc != VOIP_OK && rc != VOIP_ETIMEOUT && !switch_call(call))
            break; /* VOIP_EENDED: ended and drained */
    }
    pthread_mutex_lock(&g_mu);
    g_reader_done = 1;
    pthread_cond_broadcast(&g_cv);
    pthread_mutex_unlock(&g_mu);
    return NULL;
}

/* Case-insensitive "does s contain word". */
static int contains(const char *s, const char *word)
{
    size_t n = strlen(word);
    for (; *s; s++) {
        size_t i = 0;
        while (i < n && s[i] &&
               (s[i] | 0x20) == (word[i] | 0x20))
            i++;
        if (i == n)
            return 1;
    }
    return 0;
}

/* --hold: put the call on hold for secs seconds (re-INVITE a=sendonly),
 * then resume it (a=sendrecv). */
static int hold_call(uint64_t call, long secs)
{
    int rc = voip_call_hold(call);
    if (rc != VOIP_OK) {
        ex_error("hold", rc);
        return rc;
    }
    printf("HOLD 1 local\n");
    for (long ms = 0; ms < secs * 1000; ms += 100) {
        int32_t st = 0;
        if (voip_call_state(call, &st) != VOIP_OK || st == VOIP_CALL_ENDED)
            return VOIP_OK; /* the other side hung up meanwhile */
        sleep_ms(100);
    }
    rc = voip_call_resume(call);
    if (rc != VOIP_OK) {
        ex_error("resume", rc);
        return rc;
    }
    printf("RESUME 1 local\n");
    return VOIP_OK;
}

static void usage(void)
{
    printf("usage: voip-dial URI [options]\n"
           "  Calls URI (sip:user@host[:port]; with --register also a bare user or\n"
           "  number, called through the registrar), plays a tone, sends DTMF,\n"
           "  records the received audio and prints its dominant frequency and level.\n"
           "  --bind IP:PORT        local SIP address (default 0.0.0.0:0 = any port)\n"
           "  --rtp-ports LOW-HIGH  RTP port range (default 10000-20000)\n"
           "  --seconds N           hang up N seconds after the answer (default 5)\n"
           "  --tone HZ             send a sine at HZ (default: silence)\n"
           "  --dtmf DIGITS         send these digits ~1 s after the answer\n"
           "  --record FILE.wav     save the received audio (16-bit 8 kHz mono)\n"
           "  --timeout SECS        give up when not answered in time (default 30)\n"
           "  --transfer URI        after the digits, blind-transfer the peer to URI\n"
           "                        (REFER); exit 0 when the peer accepted it\n"
           "  --hold SECS           2 s after the answer (after the digits), hold the\n"
           "                        call for SECS, then resume and go on with the tone\n"
           EX_REG_USAGE
           EX_OPTION_USAGE
           "exit: 0 answered and ended cleanly, 2 rejected, 3 no answer, 4 bad URI,\n"
           "      5 registration failed (refused or no answer), 1 other\n");
}

int main(int argc, char **argv)
{
    ex_prog = "voip-dial";
    setvbuf(stdout, NULL, _IOLBF, 0); /* one event per line, flushed */

    const char *uri = NULL, *digits = NULL, *record = NULL, *xfer = NULL;
    char ip[64] = "0.0.0.0", port[8] = "0";
    char rtp_lo[8] = "10000", rtp_hi[8] = "20000";
    long seconds = 5, timeout = 30, hold = 0;
    double tone = 0;
    struct ex_reg reg;
    memset(&reg, 0, sizeof reg);
    struct ex_opts opts;
    memset(&opts, 0, sizeof opts);

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int more = i + 1 < argc;
        if (ex_parse_reg_arg(&reg, argc, argv, &i) ||
            ex_parse_option_arg(&opts, argc, argv, &i)) {
            continue;
        } else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage();
            return 0;
        } else if (!strcmp(a, "--bind") && more) {
            ex_parse_bind(argv[++i], ip, sizeof ip, port, sizeof port);
        } else if (!strcmp(a, "--rtp-ports") && more) {
            ex_parse_range(argv[++i], rtp_lo, rtp_hi);
        } else if (!strcmp(a, "--seconds") && more) {
            seconds = ex_parse_long(argv[++i], 0, 86400, "bad --seconds");
        } else if (!strcmp(a, "--tone") && more) {
            tone = (double)ex_parse_long(argv[++i], 1, 3999, "bad --tone (1..3999 Hz)");
        } else if (!strcmp(a, "--dtmf") && more) {
            digits = argv[++i];
        } else if (!strcmp(a, "--transfer") && more) {
            xfer = argv[++i];
        } else if (!strcmp(a, "--record") && more) {
            record = argv[++i];
        } else if (!strcmp(a, "--hold") && more) {
            hold = ex_parse_long(argv[++i], 1, 3600, "bad --hold (1..3600 s)");
        } else if (!strcmp(a, "--timeout") && more) {
            timeout = ex_parse_long(argv[++i], 1, 86400, "bad --timeout");
        } else if (a[0] == '-' && a[1] == '-') {
            ex_usage_error("unknown or incomplete argument", a);
        } else if (!uri) {
            uri = a;
        } else {
            ex_usage_error("more than one URI", a);
        }
    }
    if (!uri)
        ex_usage_error("missing URI", NULL);
    ex_check_reg(&reg);

    /* Create and configure the phone. */
    uint64_t phone = 0;
    int rc = voip_phone_new(&phone);
    if (rc != VOIP_OK) {
        ex_error("create phone", rc);
        return 1;
    }
    char timeout_ms[32];
    snprintf(timeout_ms, sizeof timeout_ms, "%ld", timeout * 1000);
    ex_set_option(phone, "bind_ip", ip);
    ex_set_option(phone, "bind_port", port);
    ex_set_option(phone, "rtp_port_low", rtp_lo);
    ex_set_option(phone, "rtp_port_high", rtp_hi);
    ex_set_option(phone, "invite_timeout_ms", timeout_ms);
    ex_apply_reg(phone, &reg); /* server, user, credentials, transport, TLS */
    ex_apply_options(phone, &opts); /* --option KEY=VALUE, last */
    voip_phone_on_call_state(phone, on_state, NULL);
    voip_phone_on_dtmf(phone, on_dtmf, NULL);
    voip_phone_on_call_event(phone, on_call_event, NULL);
    if (reg.user[0])
        voip_phone_on_status(phone, on_status, NULL);

    /* With --register this blocks until the registrar's first answer. */
    rc = ex_start(phone, &reg);
    if (rc != VOIP_OK) {
        voip_phone_destroy(phone);
        return reg.user[0] && (rc == VOIP_EREJECTED || rc == VOIP_ETIMEOUT)
                   ? EX_EXIT_REGISTER : 1;
    }
    if (reg.user[0]) {
        /* Registered.  The status callback runs on the dispatcher thread:
         * let it print "STATUS REGISTERED ..." before our CALL lines. */
        struct timespec deadline;
        clock_gettime(CLOCK_REALTIME, &deadline);
        deadline.tv_sec += 2;
        pthread_mutex_lock(&g_mu);
        while (g_status != VOIP_PHONE_REGISTERED &&
               pthread_cond_timedwait(&g_cv, &g_mu, &deadline) != ETIMEDOUT)
            ;
        pthread_mutex_unlock(&g_mu);
    }

    /* Place the call. */
    uint64_t call = 0;
    rc = voip_phone_call(phone, uri, &call);
    if (rc != VOIP_OK) {
        char what[600];
        snprintf(what, sizeof what, rc == VOIP_EINVAL ? "bad URI '%s'" : "call %s", uri);
        ex_error(what, rc);
        voip_phone_destroy(phone);
        return rc == VOIP_EINVAL ? 4 : 1;
    }
    g_call = call;
    const uint64_t first = call;
    pthread_mutex_lock(&g_mu);
    print_state(1, VOIP_CALL_DIALING, NULL); /* unless a callback was faster */
    pthread_mutex_unlock(&g_mu);

    /* Wait for the answer (the library gives up after invite_timeout_ms;
     * our own wait is only a safety net). */
    int32_t state = VOIP_CALL_DIALING;
    rc = voip_call_wait(call, VOIP_STATE_BIT(VOIP_CALL_ANSWERED),
                        (int32_t)(timeout * 1000 + 10000), &state);
    int exit_code = 0;
    char reason[256] = "", code[16] = "0";
    if (rc == VOIP_ETIMEOUT) {
        voip_call_cancel(call);
        fprintf(stderr, "voip-dial: no answer: timeout\n");
        exit_code = 3;
    } else if (rc != VOIP_OK) {
        ex_error("wait", rc);
        exit_code = 1;
    } else if (state != VOIP_CALL_ANSWERED) {
        /* Ended before the answer: rejected or not answered in time. */
        voip_call_info(call, "end_reason", reason, sizeof reason);
        voip_call_info(call, "end_code", code, sizeof code);
        int status = atoi(code);
        /* Nobody answered: a timeout, or nobody there at all (the
         * kernel's ICMP "port unreachable", reported at once). */
        if (contains(reason, "timeout") || contains(reason, "unreachable") || status == 408) {
            fprintf(stderr, "voip-dial: no answer: %s\n", reason);
            exit_code = 3;
        } else if (status >= 300) {
            fprintf(stderr, "voip-dial: call rejected: %s\n", reason);
            exit_code = 2;
        } else {
            fprintf(stderr, "voip-dial: call failed: %s\n", reason[0] ? reason : "unknown reason");
            exit_code = 1;
        }
    }

    if (exit_code == 0) {
        /* Answered: read in a thread, send tone and DTMF from here. */
        double t0 = now();
        pthread_t rt;
        int reader_started = pthread_create(&rt, NULL, reader, NULL) == 0;
        if (!reader_started)
            fprintf(stderr, "voip-dial: cannot start the reader thread\n");

        double phase = 0;
        int16_t samples[AU_FRAME];
        uint8_t frame[FRAME_BYTES];
        long frames_sent = 0;
        int dtmf_sent = digits == NULL || !digits[0];
        int hung_up = 0, transferred = 0;
        /* The transfer goes after the digits (about 0.2 s each). */
        double xfer_at = 1.5 + (dtmf_sent ? 0 : 0.2 * (double)strlen(digits));
        for (;;) {
            double elapsed = now() - t0;
            if (elapsed >= (double)seconds)
                break;
            if (voip_call_state(call, &state) != VOIP_OK || state == VOIP_CALL_ENDED) {
                pthread_mutex_lock(&g_mu);
                uint64_t next = g_next_call;
                pthread_mutex_unlock(&g_mu);
                if (!next || next == call || transferred)
                    break; /* the other side hung up */
                call = next; /* transferred: go on with the new call */
                continue;
            }
            if (!dtmf_sent && elapsed >= 1.0) {
                dtmf_sent = 1;
                rc = voip_call_send_dtmf(call, digits, 0);
                if (rc != VOIP_OK) {
                    ex_error("send DTMF", rc);
                    exit_code = 1;
                }
            }
            if (hold > 0 && dtmf_sent && elapsed >= 2.0) {
                if (hold_call(call, hold) != VOIP_OK)
                    exit_code = 1;
                hold = 0;
                frames_sent = (long)((now() - t0) / 0.02); /* no catching up */
                continue;
            }
            if (xfer && !transferred && elapsed >= xfer_at) {
                transferred = 1;
                rc = voip_call_transfer(call, xfer, 1, 10000);
                if (rc == VOIP_OK) {
                    printf("TRANSFER 1 %s\n", xfer);
                    continue; /* the call ends (reason "transferred") */
                }
                ex_error("transfer", rc);
                exit_code = rc == VOIP_EREJECTED ? 2 : 1;
            }
            /* Queue frames until we are SEND_LEAD ahead of the clock. */
            while ((double)frames_sent * 0.02 < elapsed + SEND_LEAD) {
                au_tone(samples, AU_FRAME, tone, tone > 0 ? TONE_AMPLITUDE : 0, &phase);
                au_to_s16le(samples, AU_FRAME, frame);
                rc = voip_call_write_audio(call, frame, sizeof frame, 100, NULL);
                if (rc != VOIP_OK && rc != VOIP_ETIMEOUT)
                    break; /* VOIP_EENDED */
                frames_sent++;
            }
            sleep_ms(5);
        }

        /* Hang up (unless the other side already did) and wait for ENDED. */
        if (voip_call_hangup(call) == VOIP_OK)
            hung_up = 1;
        voip_call_wait(call, 0, 5000, &state);
        if (state != VOIP_CALL_ENDED) {
            fprintf(stderr, "voip-dial: call did not end\n");
            exit_code = 1;
        }
        if (reader_started) {
            /* The reader stops by itself (VOIP_EENDED once the audio is
             * drained); after 3 s the stop flag is a safety net. */
            struct timespec deadline;
            clock_gettime(CLOCK_REALTIME, &deadline);
            deadline.tv_sec += 3;
            pthread_mutex_lock(&g_mu);
            while (!g_reader_done &&
                   pthread_cond_timedwait(&g_cv, &g_mu, &deadline) != ETIMEDOUT)
                ;
            g_stop_reader = 1;
            pthread_mutex_unlock(&g_mu);
            pthread_join(rt, NULL);
        }
        voip_call_info(call, "end_reason", reason, sizeof reason);
        if (!hung_up && !contains(reason, "hangup") && !contains(reason, "transferred")) {
            fprintf(stderr, "voip-dial: call ended abnormally: %s\n", reason);
            exit_code = 1;
        }

        /* Measure from 0.5 s after the answer to the end. */
        size_t skip = AU_RATE / 2;
        const int16_t *x = g_rx_len > skip ? g_rx + skip : g_rx;
        size_t n = g_rx_len > skip ? g_rx_len - skip : 0;
        printf("AUDIO %.0f %.0f\n", au_dominant_freq(x, n), au_rms(x, n));

        if (record && au_write_wav(record, g_rx, g_rx_len) != 0) {
            fprintf(stderr, "voip-dial: cannot write %s: %s\n", record, strerror(errno));
            exit_code = 1;
        }
    }

    /* Let the ENDED line be printed before the phone goes away. */
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += 3;
    pthread_mutex_lock(&g_mu);
    int last_line = g_next_call ? 2 : 1;
    while (!g_ended_printed[last_line] &&
           pthread_cond_timedwait(&g_cv, &g_mu, &deadline) != ETIMEDOUT)
        ;
    uint64_t next_call = g_next_call;
    pthread_mutex_unlock(&g_mu);

    if (next_call && next_call != call)
        voip_call_release(next_call); /* never switched to */
    if (call != first)
        voip_call_release(call);
    voip_call_release(first);
    voip_phone_destroy(phone);
    free(g_rx);
    return exit_code;
}
