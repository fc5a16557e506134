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
 *     guarded by a mutex because the audio threads and main() use it too;
 *   - audio is done in our own threads, one per call: read a 20 ms frame
 *     (320 bytes of s16le) with a timeout, write it back;
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

#define FRAME_BYTES 320 /* 20 ms of s16le mono at 8 kHz */
#define MAX_CALLS 4096  /* calls handled at the same time: the most the
                          * library's max_calls is set to, so that a call
                          * beyond it gets the library's 503 + Retry-After */

/* One entry per call we know about. */
struct call_entry {
    uint64_t call;      /* library handle; 0 = free slot */
    int n;              /* our counter, printed in event lines */
    int32_t last_state; /* last state printed, to avoid duplicate lines */
    int ended_printed;  /* "CALL n ENDED" was printed */
    int thread_done;    /* its audio thread finished (and released it) */
};

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cv = PTHREAD_COND_INITIALIZER;
static struct call_entry g_calls[MAX_CALLS];
static int g_next_n = 1;   /* next call number */
static int g_threads = 0;  /* audio threads running */
static int g_sigpipe[2];   /* self-pipe: signal handler -> main */

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
    if (e->ended_printed && e->thread_done)
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

/* The per-call audio thread: echo frames until the call ends. */
static void *echo_thread(void *arg)
{
    uint64_t call = *(uint64_t *)arg;
    free(arg);

    /* Wait until the call is up (or over: ENDED always ends the wait). */
    int32_t state = VOIP_CALL_RINGING;
    voip_call_wait(call, VOIP_STATE_BIT(VOIP_CALL_ANSWERED), -1, &state);

    uint8_t frame[FRAME_BYTES];
    while (state == VOIP_CALL_ANSWERED) {
        size_t n = 0;
        /* Reads are paced by the call: a frame arrives every 20 ms. */
        int rc = voip_call_read_audio(call, frame, sizeof frame, 1000, &n);
        if (n > 0) {
            int wrc = voip_call_write_audio(call, frame, n, 100, NULL);
            if (wrc == VOIP_EENDED)
                break;
        }
        if (rc != VOIP_OK && rc != VOIP_ETIMEOUT)
            break; /* VOIP_EENDED: the call is over and drained */
    }

    voip_call_release(call); /* we are done with the handle */

    pthread_mutex_lock(&g_mu);
    struct call_entry *e = find_call(call);
    if (e) {
        e->thread_done = 1;
        maybe_free(e);
    }
    g_threads--;
    pthread_cond_broadcast(&g_cv);
    pthread_mutex_unlock(&g_mu);
    return NULL;
}

/* Start the echo thread of call, whose entry is in the table. */
static void start_echo(uint64_t call)
{
    uint64_t *arg = malloc(sizeof *arg);
    pthread_t t;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_mutex_lock(&g_mu);
    if (arg) {
        *arg = call;
        if (pthread_create(&t, &attr, echo_thread, arg) == 0) {
            g_threads++;
            arg = NULL;
        }
    }
    if (arg) { /* could not start a thread */
        free(arg);
        struct call_entry *e = find_call(call);
        if (e) {
            e->thread_done = 1;
            maybe_free(e);
        }
    }
    pthread_mutex_unlock(&g_mu);
    pthread_attr_destroy(&attr);
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
        ex_error("answer", rc); /* the call ends; its thread sees ENDED */
    start_echo(call);
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
        return;
    }
    start_echo(next);
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

    /* Let the audio threads finish and the last ENDED lines be printed
     * (callbacks queued before the stop are delivered after it). */
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += 5;
    pthread_mutex_lock(&g_mu);
    for (;;) {
        int pending = g_threads;
        for (int i = 0; i < MAX_CALLS; i++)
            if (g_calls[i].call && !g_calls[i].ended_printed)
                pending++;
        if (!pending)
            break;
        if (pthread_cond_timedwait(&g_cv, &g_mu, &deadline) == ETIMEDOUT) {
            fprintf(stderr, "voip-echo: %d call(s) did not finish in time\n", pending);
            break;
        }
    }
    pthread_mutex_unlock(&g_mu);

    rc = voip_phone_destroy(phone);
    if (rc != VOIP_OK) {
        ex_error("destroy", rc);
        return 1;
    }
    return 0;
}
