/*
 * voip-echo — a SIP echo service built on libvoip.
 *
 *   voip-echo [--bind IP:PORT] [--rtp-ports LOW-HIGH] [--user NAME]
 *             [--register sip:USER@HOST[:PORT] [--password PW] [--auth-user U]]
 *             [--transport udp|tcp|tls] [--ca FILE] [--insecure]
 *             [--outbound-proxy URI] [--option KEY=VALUE ...]
 *
 * Answers every incoming call and sends the caller's audio straight back.
 * Prints one line per event on stdout:
 *
 *   CALL <n> <STATE>[ <reason>]     n counts calls from 1 in this process
 *   DTMF <n> <digit>                a key the caller pressed
 *   HOLD <n> remote|local           the call was put on hold (by the caller)
 *   RESUME <n> remote|local         the hold ended
 *   MEDIA <n> <ip:port> <codec>     the caller moved its media (re-INVITE)
 *   ENCRYPTION <n> none|sdes|dtls <json>  after ANSWERED: the media_encryption
 *                                   and srtp facts of the call
 *   TRANSFER <n> <uri>              call n's peer transferred us (REFER): we
 *                                   call uri; that call's CALL <m> lines follow
 *   REPLACED <n> <m>                an INVITE with Replaces took call n over:
 *                                   call m (already ANSWERED) is echoed instead
 *   STATUS <STATUS> <reason>        with --register: the phone's status, e.g.
 *                                   "STATUS REGISTERED 200 OK"
 *
 * Runs until SIGINT or SIGTERM, then hangs up, stops the phone (which
 * unregisters, with --register) and exits 0.  With --register, a registrar
 * that refuses us (e.g. 403) or does not answer at start makes it exit 5
 * with the reason on stderr.
 *
 * How it uses the API:
 *   - with --register: options "server" and "user", credentials from
 *     voip_phone_add_credentials(); voip_phone_start() registers and returns
 *     VOIP_EREJECTED / VOIP_ETIMEOUT when that fails ("status_reason" says
 *     why); the status callback reports every later change (refreshes,
 *     failures, recovery); voip_phone_stop() unregisters;
 *   - callbacks (incoming call, call state, DTMF, status) run on the library's
 *     dispatcher thread, one at a time; our shared call table is still
 *     guarded by a mutex because the audio thread and main() use it too;
 *   - audio is done in one thread of ours for every call, on the library's
 *     media clock: voip_phone_exchange_frames() hands back the frames taken
 *     last time and waits for the next tick's (one 20 ms frame per call that
 *     has one, and a VOIP_EENDED entry once per call that ended); no thread
 *     per call, two crossings of the API per 20 ms for all calls;
 *   - signals are turned into a byte on a pipe (the "self-pipe trick"), and
 *     the handlers use SA_ONSTACK as libvoip (a Go library) requires.
 */
#define _XOPEN_SOURCE 700 /* POSIX 2008 + XSI (SA_ONSTACK) */

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <voip.h>

#include "example_util.h"

#define MAX_FRAME_BYTES 1920 /* 20 ms of s16le mono at 48 kHz */
#define MAX_CALLS 4096  /* calls handled at the same time: the most the
                          * library's max_calls is set to, so that a call
                          * beyond it gets the library's 503 + Retry-After */

/* One entry per call we know about. */
struct call_entry {
    uint64_t call;      /* library handle; 0 = free slot */
    int n;              /* our counter, printed in event lines */
    int32_t last_state; /* last state printed, to avoid duplicate lines */
    int ended_printed;  /* "CALL n ENDED" was printed */
    int released;       /* the audio thread saw it end and released it */
};

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cv = PTHREAD_COND_INITIALIZER;
static struct call_entry g_calls[MAX_CALLS];
static int g_next_n = 1;   /* next call number */
static int g_sigpipe[2];   /* self-pipe: signal handler -> main */
static volatile int g_quit; /* main -> audio thread: return */

/* Find the entry of call, or NULL.  g_mu must be held. */
static struct call_entry *find_call(uint64_t call)
{
    for (int i = 0; i < MAX_CALLS; i++)
        if (g_calls[i].call == call)
            return &g_calls[i];
    return NULL;
}

/* Free a slot once nothing refers to it any more.  g_mu must be held. */
static void maybe_free(struct call_entry *e)
{
    if (e->ended_printed && e->released)
        memset(e, 0, sizeof *e);
}

/* Print "CALL n STATE [reason]" unless it repeats the last line. */
static void print_state(struct call_entry *e, int32_t state, const char *reason)
{
    if (e->last_state == state)
        return;
    e->last_state = state;
    if (state == VOIP_CALL_ENDED) {
        printf("CALL %d ENDED %s\n", e->n, reason && reason[0] ? reason : "unknown");
        e->ended_printed = 1;
        pthread_cond_broadcast(&g_cv);
    } else {
        printf("CALL %d %s\n", e->n, ex_state_name(state));
    }
    if (state == VOIP_CALL_ANSWERED) {
        /* How the media is protected: "none", "sdes" or "dtls" and the suite. */
        char enc[16] = "", srtp[160] = "";
        voip_call_info(e->call, "media_encryption", enc, sizeof enc);
        voip_call_info(e->call, "srtp", srtp, sizeof srtp);
        printf("ENCRYPTION %d %s %s\n", e->n, enc, srtp);
    }
}

/* A call's end was reported by the batch read: release its handle. */
static void call_done(uint64_t call)
{
    voip_call_release(call); /* we are done with the handle */
    pthread_mutex_lock(&g_mu);
    struct call_entry *e = find_call(call);
    if (e) {
        e->released = 1;
        maybe_free(e);
    }
    pthread_cond_broadcast(&g_cv);
    pthread_mutex_unlock(&g_mu);
}

/* The batch's arrays, two sets: the frames read into one set are written
 * back from it by the next exchange, which reads into the other. */
struct batch {
    uint64_t calls[MAX_CALLS];
    int32_t status[MAX_CALLS];
    uint8_t frames[MAX_CALLS * MAX_FRAME_BYTES];
};
static struct batch g_batch[2];

/* The audio thread: every call's frames, one exchange per media tick.  It
 * echoes every call whose handle we hold (the library visits them all),
 * including the calls that take a transferred or replaced call's place. */
static void *audio_thread(void *arg)
{
    uint64_t phone = *(uint64_t *)arg;
    size_t frame = 320; /* bytes of a 20 ms frame: set below */
    char v[16] = "";
    long rate = 8000;
    if (voip_phone_get_option(phone, "sample_rate", v, sizeof v) == VOIP_OK)
        rate = strtol(v, NULL, 10);
    int bps = 2;
    if (voip_phone_get_option(phone, "audio_format", v, sizeof v) == VOIP_OK && !strcmp(v, "u8"))
        bps = 1;
    if (rate > 0 && (size_t)(rate / 50 * bps) <= MAX_FRAME_BYTES)
        frame = (size_t)(rate / 50 * bps);

    size_t nwrite = 0;
    int cur = 0; /* g_batch[cur] holds the frames to write back */
    while (!g_quit) {
        struct batch *out = &g_batch[cur], *in = &g_batch[1 - cur];
        size_t count = 0;
        /* The frames are contiguous at frame bytes each. */
        int rc = voip_phone_exchange_frames(phone, frame, nwrite, out->calls, out->frames, out->status,
                                            200, MAX_CALLS, in->calls, in->frames, in->status, &count);
        if (rc == VOIP_ESTATE) { /* stopped: no media clock; ends still come */
            struct timespec t = {0, 20 * 1000 * 1000};
            nanosleep(&t, NULL);
        }
        /* Keep the frames to echo in place; take the ended calls out. */
        nwrite = 0;
        for (size_t i = 0; i < count; i++) {
            if (in->status[i] == VOIP_EENDED) {
                call_done(in->calls[i]);
                continue;
            }
            if (nwrite != i) {
                in->calls[nwrite] = in->calls[i];
                memcpy(in->frames + nwrite * frame, in->frames + i * frame, frame);
            }
            nwrite++;
        }
        cur = 1 - cur;
    }
    return NULL;
}

/* Take call into a free slot of the table; NULL when it is full.  g_mu
 * must be held. */
static struct call_entry *add_call(uint64_t call)
{
    struct call_entry *e = find_call(0);
    if (e) {
        e->call = call;
        e->n = g_next_n++;
        e->last_state = -1;
    }
    return e;
}

/* Callback: a call arrived.  Answer it right away and start its echo. */
static void on_incoming(void *ud, uint64_t phone, uint64_t call,
                        const char *from_uri, const char *to_uri)
{
    (void)ud; (void)phone; (void)from_uri; (void)to_uri;

    pthread_mutex_lock(&g_mu);
    struct call_entry *e = add_call(call);
    if (!e) {
        pthread_mutex_unlock(&g_mu);
        voip_call_deny(call, 503); /* table full: as the library's max_calls */
        voip_call_release(call);
        return;
    }
    print_state(e, VOIP_CALL_RINGING, NULL);
    pthread_mutex_unlock(&g_mu);

    int rc = voip_call_answer(call);
    if (rc != VOIP_OK)
        ex_error("answer", rc); /* the call ends; the audio thread sees it */
}

/* A "transferred" or "replaced" event of call names a new call
 * ("call=<handle> <uri>") that takes the place of this one: we echo it
 * too.  Its state events follow this one. */
static void follow_successor(uint64_t call, int transferred, const char *detail)
{
    unsigned long long next = 0;
    int off = 0;
    if (sscanf(detail, "call=%llu %n", &next, &off) != 1 || next == 0)
        return;
    pthread_mutex_lock(&g_mu);
    struct call_entry *old = find_call(call);
    int n = old ? old->n : 0;
    struct call_entry *e = add_call(next);
    if (e && transferred)
        printf("TRANSFER %d %s\n", n, detail + off);
    else if (e)
        printf("REPLACED %d %d\n", n, e->n);
    pthread_mutex_unlock(&g_mu);
    if (!e) { /* too many calls */
        voip_call_hangup(next);
        voip_call_release(next);
    }
    /* The audio thread echoes it: its handle joined the phone's calls. */
}

/* Callback: a call changed state. */
static void on_state(void *ud, uint64_t phone, uint64_t call, int32_t state,
                     const char *reason)
{
    (void)ud; (void)phone;
    pthread_mutex_lock(&g_mu);
    struct call_entry *e = find_call(call);
    if (e) {
        print_state(e, state, reason);
        maybe_free(e);
    }
    pthread_mutex_unlock(&g_mu);
}

/* Callback: the caller pressed a key. */
static void on_dtmf(void *ud, uint64_t phone, uint64_t call, int32_t digit)
{
    (void)ud; (void)phone;
    pthread_mutex_lock(&g_mu);
    struct call_entry *e = find_call(call);
    if (e)
        printf("DTMF %d %c\n", e->n, (char)digit);
    pthread_mutex_unlock(&g_mu);
}

/* Callback: a call event (hold, resume, media moved, transfers). */
static void on_call_event(void *ud, uint64_t phone, uint64_t call, const char *event, const char *detail)
{
    (void)ud; (void)phone;
    const char *tag = NULL;
    if (strcmp(event, "transferred") == 0 || strcmp(event, "replaced") == 0) {
        follow_successor(call, event[0] == 't', detail);
        return;
    }
    if (strcmp(event, "hold") == 0)
        tag = "HOLD";
    else if (strcmp(event, "resume") == 0)
        tag = "RESUME";
    else if (strcmp(event, "media_changed") == 0)
        tag = "MEDIA";
    if (!tag)
        return; /* a later version's event */
    pthread_mutex_lock(&g_mu);
    struct call_entry *e = find_call(call);
    if (e)
        printf("%s %d %s\n", tag, e->n, detail);
    pthread_mutex_unlock(&g_mu);
}

/* Signal handler: only write(2), which is async-signal-safe. */
static void on_signal(int sig)
{
    int saved = errno;
    unsigned char b = (unsigned char)sig;
    if (write(g_sigpipe[1], &b, 1) < 0) {
        /* nothing useful to do in a handler */
    }
    errno = saved;
}

static void usage(void)
{
    printf("usage: voip-echo [--bind IP:PORT] [--rtp-ports LOW-HIGH] [--user NAME]\n"
           "                 [--register sip:USER@HOST[:PORT] --password PW] [options]\n"
           "  Answers every SIP call and echoes its audio back until SIGINT/SIGTERM.\n"
           "  --bind IP:PORT        SIP address (default 0.0.0.0:5060)\n"
           "  --rtp-ports LOW-HIGH  RTP port range (default 10000-20000)\n"
           "  --user NAME           user part of our SIP URI (default libvoip;\n"
           "                        --register's USER replaces it)\n"
           "  --max-calls N         calls at once; more get 503 (default: the\n"
           "                        library's max_calls, 1024; 0 or above 4096 = 4096)\n"
           EX_REG_USAGE
           EX_OPTION_USAGE
           "  prints CALL <n> <STATE>, DTMF <n> <digit>, HOLD|RESUME <n> remote,\n"
           "  MEDIA <n> <ip:port> <codec>, TRANSFER <n> <uri>, REPLACED <n> <m>\n"
           "  and, with --register, STATUS <STATUS> <reason> lines; SIGINT/SIGTERM\n"
           "  unregister and exit 0\n"
           "exit: 0 stopped by a signal, 5 registration failed at start (refused or\n"
           "      no answer; the reason is on stderr), 1 other errors\n");
}

int main(int argc, char **argv)
{
    ex_prog = "voip-echo";
    setvbuf(stdout, NULL, _IOLBF, 0); /* one event per line, flushed */

    char ip[64] = "0.0.0.0", port[8] = "5060";
    char rtp_lo[8] = "10000", rtp_hi[8] = "20000";
    const char *user = NULL;
    const char *max_calls = NULL;
    struct ex_reg reg;
    memset(&reg, 0, sizeof reg);
    struct ex_opts opts;
    memset(&opts, 0, sizeof opts);

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (ex_parse_reg_arg(&reg, argc, argv, &i) ||
            ex_parse_option_arg(&opts, argc, argv, &i)) {
            continue;
        } else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage();
            return 0;
        } else if (!strcmp(a, "--bind") && i + 1 < argc) {
            ex_parse_bind(argv[++i], ip, sizeof ip, port, sizeof port);
        } else if (!strcmp(a, "--rtp-ports") && i + 1 < argc) {
            ex_parse_range(argv[++i], rtp_lo, rtp_hi);
        } else if (!strcmp(a, "--user") && i + 1 < argc) {
            user = argv[++i];
        } else if (!strcmp(a, "--max-calls") && i + 1 < argc) {
            max_calls = argv[++i];
        } else {
            ex_usage_error("unknown or incomplete argument", a);
        }
    }
    ex_check_reg(&reg);

    /* Signals -> self-pipe.  SA_ONSTACK: the handler may run on a Go thread. */
    if (pipe(g_sigpipe) != 0) {
        perror("voip-echo: pipe");
        return 1;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_ONSTACK | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    /* Create, configure and start the phone. */
    uint64_t phone = 0;
    int rc = voip_phone_new(&phone);
    if (rc != VOIP_OK) {
        ex_error("create phone", rc);
        return 1;
    }
    ex_set_option(phone, "bind_ip", ip);
    ex_set_option(phone, "bind_port", port);
    ex_set_option(phone, "rtp_port_low", rtp_lo);
    ex_set_option(phone, "rtp_port_high", rtp_hi);
    if (user)
        ex_set_option(phone, "user", user);
    if (max_calls) {
        /* One limit: the library refuses a call beyond it (503 with
         * Retry-After) before our table is full. */
        long n = ex_parse_long(max_calls, 0, 1048576, "--max-calls wants 0..1048576");
        char v[16];
        snprintf(v, sizeof v, "%ld", n <= 0 || n > MAX_CALLS ? (long)MAX_CALLS : n);
        ex_set_option(phone, "max_calls", v);
    }
    ex_apply_reg(phone, &reg); /* server, user, credentials, transport, TLS */
    ex_apply_options(phone, &opts); /* --option KEY=VALUE, last */
    voip_phone_on_incoming_call(phone, on_incoming, NULL);
    voip_phone_on_call_state(phone, on_state, NULL);
    voip_phone_on_dtmf(phone, on_dtmf, NULL);
    voip_phone_on_call_event(phone, on_call_event, NULL);
    if (reg.user[0])
        voip_phone_on_status(phone, ex_on_status, NULL);

    /* With --register this blocks until the registrar's first answer. */
    rc = ex_start(phone, &reg);
    if (rc != VOIP_OK) {
        voip_phone_destroy(phone);
        return reg.user[0] && (rc == VOIP_EREJECTED || rc == VOIP_ETIMEOUT)
                   ? EX_EXIT_REGISTER : 1;
    }
    pthread_t audio;
    if (pthread_create(&audio, NULL, audio_thread, &phone) != 0) {
        fprintf(stderr, "voip-echo: cannot start the audio thread\n");
        voip_phone_destroy(phone);
        return 1;
    }
    char uri[256] = "";
    voip_phone_get_option(phone, "uri", uri, sizeof uri);
    fprintf(stderr, "voip-echo: listening on %s\n", uri);

    /* Wait for SIGINT/SIGTERM. */
    unsigned char sig = 0;
    while (read(g_sigpipe[0], &sig, 1) < 0 && errno == EINTR)
        ;
    fprintf(stderr, "voip-echo: signal %d, shutting down\n", sig);

    /* Hang up the calls still up (outside our lock: callbacks need it);
     * stop() ends whatever is left. */
    uint64_t active[MAX_CALLS];
    int nactive = 0;
    pthread_mutex_lock(&g_mu);
    for (int i = 0; i < MAX_CALLS; i++)
        if (g_calls[i].call && !g_calls[i].ended_printed)
            active[nactive++] = g_calls[i].call;
    pthread_mutex_unlock(&g_mu);
    for (int i = 0; i < nactive; i++)
        voip_call_hangup(active[i]); /* VOIP_ESTATE if not answered: fine */

    rc = voip_phone_stop(phone);
    if (rc != VOIP_OK)
        ex_error("stop", rc);

    /* Let the audio thread release every call and the last ENDED lines
     * be printed (callbacks queued before the stop are delivered after
     * it). */
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += 5;
    pthread_mutex_lock(&g_mu);
    for (;;) {
        int pending = 0;
        for (int i = 0; i < MAX_CALLS; i++)
            if (g_calls[i].call && !(g_calls[i].ended_printed && g_calls[i].released))
                pending++;
        if (!pending)
            break;
        if (pthread_cond_timedwait(&g_cv, &g_mu, &deadline) == ETIMEDOUT) {
            fprintf(stderr, "voip-echo: %d call(s) did not finish in time\n", pending);
            break;
        }
    }
    pthread_mutex_unlock(&g_mu);
    g_quit = 1;
    pthread_join(audio, NULL);

    rc = voip_phone_destroy(phone);
    if (rc != VOIP_OK) {
        ex_error("destroy", rc);
        return 1;
    }
    return 0;
}
