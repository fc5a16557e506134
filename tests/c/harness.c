/* harness.c — see harness.h. */
#define _POSIX_C_SOURCE 200809L

#include "harness.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

const char *t_name = "?";
const char *t_step = "start";

void t_fail(const char *file, int line, const char *fmt, ...)
{
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fflush(stdout);
    fprintf(stderr, "FAIL %s %s:%d: %s\n    step: %s\n    voip_last_error: \"%s\"\n",
            t_name, file, line, msg, t_step, voip_last_error());
    fflush(stderr);
    _exit(1); /* do not run exit handlers while library threads are busy */
}

int t_soft_failures = 0;
static pthread_mutex_t soft_mu = PTHREAD_MUTEX_INITIALIZER;

void t_soft_fail(const char *file, int line, const char *fmt, ...)
{
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&soft_mu);
    t_soft_failures++;
    fflush(stdout);
    fprintf(stderr, "FAIL %s %s:%d: %s\n    step: %s\n    voip_last_error: \"%s\"\n",
            t_name, file, line, msg, t_step, voip_last_error());
    fflush(stderr);
    pthread_mutex_unlock(&soft_mu);
}

double t_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void t_sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static void deadline_in(struct timespec *ts, int timeout_ms)
{
    clock_gettime(CLOCK_REALTIME, ts);
    ts->tv_sec += timeout_ms / 1000;
    ts->tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

/* The record of call in p, created on first use.  p->mu must be held. */
static struct tp_call *rec(tphone *p, uint64_t call)
{
    for (int i = 0; i < p->ncalls; i++)
        if (p->calls[i].call == call)
            return &p->calls[i];
    if (p->ncalls == TP_MAX_CALLS) {
        fprintf(stderr, "harness: too many calls on %s\n", p->name);
        return NULL;
    }
    struct tp_call *c = &p->calls[p->ncalls++];
    memset(c, 0, sizeof *c);
    c->call = call;
    return c;
}

/* ---- callbacks (library dispatcher thread) ---- */

static void cb_incoming(void *ud, uint64_t phone, uint64_t call,
                        const char *from_uri, const char *to_uri)
{
    tphone *p = ud;
    int idx;
    pthread_mutex_lock(&p->mu);
    if (phone != p->phone)
        fprintf(stderr, "harness: incoming callback with phone %llu, want %llu\n",
                (unsigned long long)phone, (unsigned long long)p->phone);
    idx = p->n_incoming < TP_MAX_CALLS ? p->n_incoming : -1;
    if (idx >= 0) {
        p->incoming[idx] = call;
        snprintf(p->from_uri[idx], sizeof p->from_uri[idx], "%s", from_uri ? from_uri : "(null)");
        snprintf(p->to_uri[idx], sizeof p->to_uri[idx], "%s", to_uri ? to_uri : "(null)");
        p->answer_rc[idx] = -1;
    }
    pthread_mutex_unlock(&p->mu);

    /* Act outside our lock: the library may run other callbacks meanwhile
     * only on this same thread, but keep the lock short anyway. */
    int rc = -1;
    if (p->mode == TP_ANSWER) {
        rc = voip_call_answer(call);
    } else if (p->mode == TP_DESTROY_CB) {
        int drc = voip_phone_destroy(phone);
        const char *le = voip_last_error();
        if (drc != VOIP_OK && !le[0])
            drc = -2; /* no message: reported as a failure by the test */
        pthread_mutex_lock(&p->mu);
        p->destroy_rc = drc;
        pthread_mutex_unlock(&p->mu);
        voip_call_deny(call, 0);
    }

    pthread_mutex_lock(&p->mu);
    if (idx >= 0) {
        p->answer_rc[idx] = rc;
        p->n_incoming++;
    }
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

static void cb_state(void *ud, uint64_t phone, uint64_t call, int32_t state,
                     const char *reason)
{
    tphone *p = ud;
    (void)phone;
    pthread_mutex_lock(&p->mu);
    struct tp_call *c = rec(p, call);
    if (c) {
        if (c->nstates < TP_MAX_STATES) {
            c->states[c->nstates] = state;
            snprintf(c->reasons[c->nstates], sizeof c->reasons[0], "%s",
                     reason ? reason : "(null)");
            c->nstates++;
        }
        if (state == VOIP_CALL_ENDED)
            c->nended++;
    }
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

static void cb_dtmf(void *ud, uint64_t phone, uint64_t call, int32_t digit)
{
    tphone *p = ud;
    (void)phone;
    pthread_mutex_lock(&p->mu);
    struct tp_call *c = rec(p, call);
    if (c && c->ndtmf < (int)sizeof c->dtmf - 1) {
        c->dtmf[c->ndtmf++] = (char)digit;
        c->dtmf[c->ndtmf] = '\0';
    }
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

/* ---- phones ---- */

tphone *tp_start(const char *name, int rtp_low, int rtp_high, enum tp_mode mode,
                 const char *audio_format, const char *extra_key,
                 const char *extra_value)
{
    tphone *p = calloc(1, sizeof *p);
    CHECK(p != NULL, "out of memory");
    p->name = name;
    p->mode = mode;
    p->destroy_rc = -1;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);

    char lo[16], hi[16];
    snprintf(lo, sizeof lo, "%d", rtp_low);
    snprintf(hi, sizeof hi, "%d", rtp_high);
    OK(voip_phone_new(&p->phone));
    CHECK(p->phone != 0, "voip_phone_new gave handle 0");
    OK(voip_phone_set_option(p->phone, "bind_ip", "127.0.0.1"));
    OK(voip_phone_set_option(p->phone, "bind_port", "0"));
    OK(voip_phone_set_option(p->phone, "rtp_port_low", lo));
    OK(voip_phone_set_option(p->phone, "rtp_port_high", hi));
    OK(voip_phone_set_option(p->phone, "user", name));
    if (audio_format)
        OK(voip_phone_set_option(p->phone, "audio_format", audio_format));
    if (extra_key)
        OK(voip_phone_set_option(p->phone, extra_key, extra_value));
    OK(voip_phone_on_incoming_call(p->phone, cb_incoming, p));
    OK(voip_phone_on_call_state(p->phone, cb_state, p));
    OK(voip_phone_on_dtmf(p->phone, cb_dtmf, p));
    OK(voip_phone_start(p->phone));

    char port[16] = "";
    OK(voip_phone_get_option(p->phone, "sip_port", port, sizeof port));
    p->sip_port = atoi(port);
    CHECK(p->sip_port > 0 && p->sip_port < 65536, "sip_port after start is \"%s\"", port);
    return p;
}

tphone *tp_start_opts(const char *name, int rtp_low, int rtp_high, enum tp_mode mode,
                      const char *const *kv)
{
    tphone *p = calloc(1, sizeof *p);
    CHECK(p != NULL, "out of memory");
    p->name = name;
    p->mode = mode;
    p->destroy_rc = -1;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);

    char lo[16], hi[16];
    snprintf(lo, sizeof lo, "%d", rtp_low);
    snprintf(hi, sizeof hi, "%d", rtp_high);
    OK(voip_phone_new(&p->phone));
    const char *base[] = { "bind_ip", "127.0.0.1", "bind_port", "0", "rtp_port_low", lo,
                           "rtp_port_high", hi, "user", name, NULL };
    for (int i = 0; base[i]; i += 2)
        OK(voip_phone_set_option(p->phone, base[i], base[i + 1]));
    for (int i = 0; kv && kv[i]; i += 2)
        OK(voip_phone_set_option(p->phone, kv[i], kv[i + 1]));
    OK(voip_phone_on_incoming_call(p->phone, cb_incoming, p));
    OK(voip_phone_on_call_state(p->phone, cb_state, p));
    OK(voip_phone_on_dtmf(p->phone, cb_dtmf, p));
    OK(voip_phone_start(p->phone));

    char port[16] = "";
    OK(voip_phone_get_option(p->phone, "sip_port", port, sizeof port));
    p->sip_port = atoi(port);
    return p;
}

void tp_destroy(tphone *p)
{
    if (!p)
        return;
    OK(voip_phone_destroy(p->phone));
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    free(p);
}

uint64_t tp_call(tphone *p, tphone *to, const char *user)
{
    char uri[128];
    snprintf(uri, sizeof uri, "sip:%s@127.0.0.1:%d", user, to->sip_port);
    uint64_t call = 0;
    OK(voip_phone_call(p->phone, uri, &call));
    CHECK(call != 0, "voip_phone_call gave handle 0");
    return call;
}

uint64_t tp_next_incoming(tphone *p, int timeout_ms)
{
    struct timespec dl;
    deadline_in(&dl, timeout_ms);
    uint64_t call = 0;
    pthread_mutex_lock(&p->mu);
    while (p->n_incoming <= p->n_taken &&
           pthread_cond_timedwait(&p->cv, &p->mu, &dl) != ETIMEDOUT)
        ;
    if (p->n_incoming > p->n_taken)
        call = p->incoming[p->n_taken++];
    pthread_mutex_unlock(&p->mu);
    return call;
}

static int has_state(tphone *p, uint64_t call, int32_t state)
{
    struct tp_call *c = rec(p, call);
    if (!c)
        return 0;
    for (int i = 0; i < c->nstates; i++)
        if (c->states[i] == state)
            return 1;
    return 0;
}

int tp_wait_cb_state(tphone *p, uint64_t call, int32_t state, int timeout_ms)
{
    struct timespec dl;
    deadline_in(&dl, timeout_ms);
    pthread_mutex_lock(&p->mu);
    while (!has_state(p, call, state) &&
           pthread_cond_timedwait(&p->cv, &p->mu, &dl) != ETIMEDOUT)
        ;
    int ok = has_state(p, call, state);
    pthread_mutex_unlock(&p->mu);
    return ok;
}

int tp_wait_dtmf(tphone *p, uint64_t call, int n, int timeout_ms, char *out)
{
    struct timespec dl;
    deadline_in(&dl, timeout_ms);
    pthread_mutex_lock(&p->mu);
    struct tp_call *c = rec(p, call);
    while (c && c->ndtmf < n &&
           pthread_cond_timedwait(&p->cv, &p->mu, &dl) != ETIMEDOUT)
        ;
    int got = c ? c->ndtmf : 0;
    snprintf(out, 64, "%s", c ? c->dtmf : "");
    pthread_mutex_unlock(&p->mu);
    return got;
}

struct tp_call tp_history(tphone *p, uint64_t call)
{
    struct tp_call h;
    memset(&h, 0, sizeof h);
    pthread_mutex_lock(&p->mu);
    struct tp_call *c = rec(p, call);
    if (c)
        h = *c;
    pthread_mutex_unlock(&p->mu);
    return h;
}

const char *t_state_name(int32_t s)
{
    static const char *names[] = { "DIALING", "RINGING", "PROGRESS",
                                   "ANSWERED", "CANCELING", "ENDED" };
    return s >= 0 && s <= 5 ? names[s] : "?";
}

const char *tp_history_str(const struct tp_call *h, char *buf, size_t len)
{
    size_t off = 0;
    buf[0] = '\0';
    for (int i = 0; i < h->nstates && off < len; i++) {
        int n = snprintf(buf + off, len - off, "%s%s(%s)", i ? "," : "",
                         t_state_name(h->states[i]), h->reasons[i]);
        if (n < 0)
            break;
        off += (size_t)n;
    }
    if (!h->nstates)
        snprintf(buf, len, "(no state callbacks)");
    return buf;
}

void t_wait_state_at(const char *file, int line, uint64_t call, int32_t state,
                     int timeout_ms)
{
    int32_t got = -1;
    int rc = voip_call_wait(call, VOIP_STATE_BIT(state), timeout_ms, &got);
    if (rc != VOIP_OK || got != state) {
        char reason[256] = "";
        voip_call_info(call, "end_reason", reason, sizeof reason);
        t_fail(file, line,
               "voip_call_wait(call %llu, %s, %d ms) = %d (%s), state %s (end_reason \"%s\")",
               (unsigned long long)call, t_state_name(state), timeout_ms, rc,
               voip_strerror(rc), t_state_name(got), reason);
    }
}

const char *t_info_at(const char *file, int line, uint64_t call, const char *key,
                      char *buf, size_t len)
{
    int rc = voip_call_info(call, key, buf, len);
    if (rc != VOIP_OK)
        t_fail(file, line, "voip_call_info(%llu, \"%s\") = %d (%s)",
               (unsigned long long)call, key, rc, voip_strerror(rc));
    return buf;
}

long t_stat(uint64_t call, const char *field)
{
    char json[2048], pat[64];
    INFO(call, "stats", json);
    snprintf(pat, sizeof pat, "\"%s\"", field);
    const char *s = strstr(json, pat);
    if (!s)
        return -1;
    s += strlen(pat);
    while (*s == ' ' || *s == ':')
        s++;
    return strtol(s, NULL, 10);
}

int t_contains(const char *s, const char *word)
{
    size_t n = strlen(word);
    for (; *s; s++) {
        size_t i = 0;
        while (i < n && s[i] && (s[i] | 0x20) == (word[i] | 0x20))
            i++;
        if (i == n)
            return 1;
    }
    return n == 0;
}

int t_udp_socket(int port, int *port_out)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    CHECK(fd >= 0, "socket: %s", strerror(errno));
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons((uint16_t)port);
    CHECK(bind(fd, (struct sockaddr *)&a, sizeof a) == 0, "bind 127.0.0.1:%d: %s", port, strerror(errno));
    socklen_t alen = sizeof a;
    CHECK(getsockname(fd, (struct sockaddr *)&a, &alen) == 0, "getsockname: %s", strerror(errno));
    if (port_out)
        *port_out = ntohs(a.sin_port);
    return fd;
}

int t_free_udp_port(void)
{
    int port;
    close(t_udp_socket(0, &port));
    return port;
}

/* ---- fake registrar ---- */

/* Does line start with header name (full or compact form), case-insensitive? */
static int is_header(const char *line, const char *full, const char *compact)
{
    const char *names[2] = { full, compact };
    for (int i = 0; i < 2 && names[i]; i++) {
        size_t n = strlen(names[i]);
        size_t k = 0;
        while (k < n && line[k] && (line[k] | 0x20) == (names[i][k] | 0x20))
            k++;
        if (k < n)
            continue;
        const char *p = line + n;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == ':')
            return 1;
    }
    return 0;
}

static void *registrar_main(void *arg)
{
    struct fake_registrar *r = arg;
    char req[8192], resp[8192];
    for (;;) {
        pthread_mutex_lock(&r->mu);
        int stop = r->stop;
        pthread_mutex_unlock(&r->mu);
        if (stop)
            break;
        struct timeval tv = { 0, 100000 };
        setsockopt(r->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        struct sockaddr_in from;
        socklen_t flen = sizeof from;
        ssize_t n = recvfrom(r->fd, req, sizeof req - 1, 0, (struct sockaddr *)&from, &flen);
        if (n <= 0)
            continue;
        req[n] = '\0';
        if (!strncmp(req, "SIP/2.0", 7) || !strncmp(req, "ACK ", 4))
            continue; /* responses and ACKs need no answer */
        size_t off = (size_t)snprintf(resp, sizeof resp, "SIP/2.0 %d %s\r\n", r->status, r->reason);
        /* Copy the headers a response must echo; give To a tag. */
        for (char *line = strstr(req, "\r\n"); line && line[2] && !(line[2] == '\r' && line[3] == '\n');
             line = strstr(line + 2, "\r\n")) {
            char *start = line + 2, *end = strstr(start, "\r\n");
            if (!end)
                break;
            int len = (int)(end - start);
            if (is_header(start, "Via", "v") || is_header(start, "From", "f") ||
                is_header(start, "Call-ID", "i") || is_header(start, "CSeq", NULL) ||
                (r->status / 100 == 2 && is_header(start, "Contact", "m"))) {
                off += (size_t)snprintf(resp + off, sizeof resp - off, "%.*s\r\n", len, start);
            } else if (is_header(start, "To", "t")) {
                int tagged = 0;
                for (int k = 0; k + 4 < len; k++)
                    if (!strncmp(start + k, ";tag=", 5))
                        tagged = 1;
                off += (size_t)snprintf(resp + off, sizeof resp - off, "%.*s%s\r\n", len, start,
                                        tagged ? "" : ";tag=fakereg");
            }
            if (off >= sizeof resp - 64)
                break;
        }
        off += (size_t)snprintf(resp + off, sizeof resp - off,
                                "%sServer: libvoip-test-registrar\r\nContent-Length: 0\r\n\r\n",
                                r->status / 100 == 2 ? "Expires: 3600\r\n" : "");
        /* Count it before answering: the answer may end the test's wait. */
        pthread_mutex_lock(&r->mu);
        if (!r->nrequests++) {
            char *eol = strstr(req, "\r\n");
            if (eol)
                *eol = '\0';
            snprintf(r->first_line, sizeof r->first_line, "%.127s", req);
        }
        pthread_mutex_unlock(&r->mu);
        sendto(r->fd, resp, off, 0, (struct sockaddr *)&from, flen);
    }
    return NULL;
}

void fake_registrar_start(struct fake_registrar *r, int status, const char *reason)
{
    memset(r, 0, sizeof *r);
    r->status = status;
    r->reason = reason;
    pthread_mutex_init(&r->mu, NULL);
    r->fd = t_udp_socket(0, &r->port);
    CHECK(pthread_create(&r->thread, NULL, registrar_main, r) == 0, "pthread_create");
}

void fake_registrar_stop(struct fake_registrar *r)
{
    pthread_mutex_lock(&r->mu);
    r->stop = 1;
    pthread_mutex_unlock(&r->mu);
    pthread_join(r->thread, NULL);
    close(r->fd);
    pthread_mutex_destroy(&r->mu);
}

/* ---- running ---- */
static int t_watchdog_s;

static void *t_watchdog(void *arg)
{
    (void)arg;
    t_sleep_ms(t_watchdog_s * 1000L);
    t_fail(__FILE__, __LINE__, "timed out after %d s (hung?)", t_watchdog_s);
}

int t_main(int argc, char **argv, const struct t_test *tests, int ntests,
           int watchdog_s, int *index)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc == 2 && !strcmp(argv[1], "--list")) {
        for (int i = 0; i < ntests; i++)
            printf("%s\n", tests[i].name);
        return 0;
    }
    if (argc != 2) {
        fprintf(stderr, "usage: %s <test name> | --list\n", argv[0]);
        return 2;
    }
    for (int i = 0; i < ntests; i++) {
        if (strcmp(argv[1], tests[i].name) != 0)
            continue;
        *index = i;
        t_name = tests[i].name;
        t_watchdog_s = watchdog_s;
        pthread_t w;
        pthread_create(&w, NULL, t_watchdog, NULL);
        pthread_detach(w);
        double t0 = t_now();
        tests[i].fn();
        if (t_soft_failures) {
            fprintf(stderr, "FAIL %s: %d check(s) failed (see above)\n", t_name, t_soft_failures);
            return 1;
        }
        printf("PASS %s (%.1f s)\n", t_name, t_now() - t0);
        return 0;
    }
    fprintf(stderr, "unknown test \"%s\" (try --list)\n", argv[1]);
    return 2;
}
