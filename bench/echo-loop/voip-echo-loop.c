/*
 * voip-echo-loop — voip-echo with one audio thread for every call.
 *
 *   voip-echo-loop [--bind IP:PORT] [--rtp-ports LOW-HIGH] [--user NAME]
 *
 * Same behaviour as examples/voip-echo (answers every call, sends the
 * caller's audio back) through the same public API, but instead of one
 * thread per call blocking in voip_call_read_audio(), a single thread
 * serves every call each 20 ms: it reads whatever audio is ready
 * (timeout 0) and writes it back (timeout 0).  The benchmark runs it next
 * to voip-echo to show what the thread-per-call pattern costs: each
 * blocking read parks a C thread inside the Go runtime and wakes it again,
 * 50 times a second per call.
 *
 * Runs until SIGINT or SIGTERM.  Prints nothing per call (a benchmark
 * target); counts on exit.
 */
#define _XOPEN_SOURCE 700

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

#define MAX_CALLS 8192
#define BUF_BYTES (8 * 320) /* up to 160 ms of s16le per visit */

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static uint64_t g_new[MAX_CALLS]; /* answered calls not yet taken by the loop */
static int g_nnew;
static volatile sig_atomic_t g_stop;
static int g_sigpipe[2];
static unsigned long g_answered, g_denied;

static void on_incoming(void *ud, uint64_t phone, uint64_t call,
                        const char *from_uri, const char *to_uri)
{
    (void)ud; (void)phone; (void)from_uri; (void)to_uri;
    pthread_mutex_lock(&g_mu);
    int room = g_nnew < MAX_CALLS;
    pthread_mutex_unlock(&g_mu);
    if (!room || voip_call_answer(call) != VOIP_OK) {
        voip_call_deny(call, 486);
        voip_call_release(call);
        g_denied++;
        return;
    }
    pthread_mutex_lock(&g_mu);
    g_new[g_nnew++] = call;
    g_answered++;
    pthread_mutex_unlock(&g_mu);
}

/* The audio thread: every 20 ms, every call.
 *
 * It is paced by the library, not by a timer of its own: it blocks in
 * voip_call_read_audio() on the first call (each call produces a frame
 * every 20 ms), then takes what the other calls have without waiting.
 * Blocking inside the library matters: a thread that returns from libvoip
 * and then sleeps in C (nanosleep, poll) leaves the Go runtime's processor
 * parked with it until Go's monitor takes it back (up to 10 ms later), and
 * with GOMAXPROCS=1 that delays the media clock; a thread blocked inside
 * libvoip hands the processor over at once. */
static void *audio_loop(void *arg)
{
    (void)arg;
    static uint64_t calls[MAX_CALLS];
    int ncalls = 0;
    uint8_t buf[BUF_BYTES];
    while (!g_stop) {
        pthread_mutex_lock(&g_mu);
        for (int i = 0; i < g_nnew && ncalls < MAX_CALLS; i++)
            calls[ncalls++] = g_new[i];
        g_nnew = 0;
        pthread_mutex_unlock(&g_mu);
        if (ncalls == 0) {
            struct timespec t = {0, 20 * 1000 * 1000};
            nanosleep(&t, NULL);
            continue;
        }
        for (int i = 0; i < ncalls; i++) {
            size_t n = 0;
            /* The first call paces the loop: wait up to 100 ms for its frame. */
            int rc = voip_call_read_audio(calls[i], buf, i == 0 ? 320 : sizeof buf, i == 0 ? 100 : 0, &n);
            if (n > 0)
                voip_call_write_audio(calls[i], buf, n, 0, NULL);
            if (rc != VOIP_OK && rc != VOIP_ETIMEOUT) { /* ended and drained */
                voip_call_release(calls[i]);
                calls[i--] = calls[--ncalls];
            }
        }
    }
    for (int i = 0; i < ncalls; i++)
        voip_call_release(calls[i]);
    return NULL;
}

static void on_signal(int sig)
{
    int saved = errno;
    unsigned char b = (unsigned char)sig;
    g_stop = 1;
    if (write(g_sigpipe[1], &b, 1) < 0) {
    }
    errno = saved;
}

int main(int argc, char **argv)
{
    ex_prog = "voip-echo-loop";
    char ip[64] = "0.0.0.0", port[8] = "5060";
    char rtp_lo[8] = "10000", rtp_hi[8] = "20000";
    const char *user = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--bind") && i + 1 < argc)
            ex_parse_bind(argv[++i], ip, sizeof ip, port, sizeof port);
        else if (!strcmp(a, "--rtp-ports") && i + 1 < argc)
            ex_parse_range(argv[++i], rtp_lo, rtp_hi);
        else if (!strcmp(a, "--user") && i + 1 < argc)
            user = argv[++i];
        else
            ex_usage_error("unknown or incomplete argument", a);
    }
    if (pipe(g_sigpipe) != 0)
        return 1;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_ONSTACK | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    uint64_t phone = 0;
    if (voip_phone_new(&phone) != VOIP_OK)
        return 1;
    ex_set_option(phone, "bind_ip", ip);
    ex_set_option(phone, "bind_port", port);
    ex_set_option(phone, "rtp_port_low", rtp_lo);
    ex_set_option(phone, "rtp_port_high", rtp_hi);
    /* A bench target: the library refuses calls beyond our table only. */
    char max_calls[16];
    snprintf(max_calls, sizeof max_calls, "%d", MAX_CALLS);
    ex_set_option(phone, "max_calls", max_calls);
    if (user)
        ex_set_option(phone, "user", user);
    voip_phone_on_incoming_call(phone, on_incoming, NULL);
    int rc = voip_phone_start(phone);
    if (rc != VOIP_OK) {
        ex_error("start", rc);
        return 1;
    }
    pthread_t t;
    if (pthread_create(&t, NULL, audio_loop, NULL) != 0)
        return 1;
    fprintf(stderr, "voip-echo-loop: listening on %s:%s\n", ip, port);
    unsigned char sig = 0;
    while (read(g_sigpipe[0], &sig, 1) < 0 && errno == EINTR)
        ;
    pthread_join(t, NULL);
    voip_phone_destroy(phone);
    fprintf(stderr, "voip-echo-loop: answered %lu, denied %lu\n", g_answered, g_denied);
    return 0;
}
