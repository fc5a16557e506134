/*
 * harness.h — helpers for the libvoip C tests (tests/c/voip_tests.c).
 *
 * A "tphone" is a started libvoip phone on 127.0.0.1 (bind_port 0) whose
 * callbacks record everything (incoming calls, states with reasons, DTMF
 * digits) under a mutex, so a test thread can wait for and inspect them.
 *
 * Checks fail loudly: they print "FAIL <test> <file>:<line>: <message>"
 * with voip_last_error() and exit the process with status 1.
 */
#ifndef VOIP_TEST_HARNESS_H
#define VOIP_TEST_HARNESS_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <voip.h>

#define TP_MAX_CALLS 64
#define TP_MAX_STATES 16

/* What a tphone does with an incoming call (in its callback). */
enum tp_mode {
    TP_RECORD,     /* only record it; the test answers/denies */
    TP_ANSWER,     /* answer it from the callback */
    TP_DESTROY_CB, /* try voip_phone_destroy() from the callback, then deny */
};

struct tp_call {
    uint64_t call;
    int32_t states[TP_MAX_STATES]; /* states reported by the state callback */
    char reasons[TP_MAX_STATES][96];
    int nstates;
    int nended;                    /* how many ENDED reports (must be 1) */
    char dtmf[64];                 /* digits reported by the DTMF callback */
    int ndtmf;
};

typedef struct tphone {
    const char *name;
    uint64_t phone;
    int sip_port;
    enum tp_mode mode;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    uint64_t incoming[TP_MAX_CALLS]; /* incoming calls, in arrival order */
    char from_uri[TP_MAX_CALLS][128];
    char to_uri[TP_MAX_CALLS][128];
    int answer_rc[TP_MAX_CALLS];     /* TP_ANSWER: what answer returned */
    int n_incoming, n_taken;
    int destroy_rc;                  /* TP_DESTROY_CB: what destroy returned */
    struct tp_call calls[TP_MAX_CALLS];
    int ncalls;
} tphone;

/* ---- running ---- */
/* One named test of a test program. */
struct t_test {
    const char *name;
    void (*fn)(void);
};

/* The main() of a test program: runs the test named by argv[1] (or lists
 * them with --list) under a watchdog of watchdog_s seconds, setting
 * *index to the test's position in tests (for its port range).  Returns
 * the process's exit status: 0 passed, 1 failed, 2 usage. */
int t_main(int argc, char **argv, const struct t_test *tests, int ntests,
           int watchdog_s, int *index);

/* ---- failing ---- */
extern const char *t_name;   /* the running test */
extern const char *t_step;   /* what it is doing (for the watchdog) */
void t_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4), noreturn));

#define STEP(s) (t_step = (s))

/* Soft checks: report the failure at once but let the test go on (for
 * independent checks, so one run shows them all); the test fails at the end
 * when t_soft_failures > 0. */
extern int t_soft_failures;
void t_soft_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define SOFT_CHECK(cond, ...)                                              \
    do {                                                                   \
        if (!(cond))                                                       \
            t_soft_fail(__FILE__, __LINE__, "check failed: " #cond ": " __VA_ARGS__); \
    } while (0)

#define SOFT_EXPECT_RC(expr, want)                                         \
    do {                                                                   \
        int rc_ = (expr);                                                  \
        int want_ = (want);                                                \
        if (rc_ != want_)                                                  \
            t_soft_fail(__FILE__, __LINE__, "%s returned %d (%s), want %d (%s)", \
                        #expr, rc_, voip_strerror(rc_), want_, voip_strerror(want_)); \
        else if (rc_ != VOIP_OK && voip_last_error()[0] == '\0')           \
            t_soft_fail(__FILE__, __LINE__,                                \
                        "%s failed with %d but voip_last_error() is empty", #expr, rc_); \
    } while (0)

#define CHECK(cond, ...)                                                   \
    do {                                                                   \
        if (!(cond))                                                       \
            t_fail(__FILE__, __LINE__, "check failed: " #cond ": " __VA_ARGS__); \
    } while (0)

/* expr must return want; on a failure code, voip_last_error() must be set. */
#define EXPECT_RC(expr, want)                                              \
    do {                                                                   \
        int rc_ = (expr);                                                  \
        int want_ = (want);                                                \
        if (rc_ != want_)                                                  \
            t_fail(__FILE__, __LINE__, "%s returned %d (%s), want %d (%s)", \
                   #expr, rc_, voip_strerror(rc_), want_, voip_strerror(want_)); \
        if (rc_ != VOIP_OK && voip_last_error()[0] == '\0')                \
            t_fail(__FILE__, __LINE__,                                     \
                   "%s failed with %d but voip_last_error() is empty", #expr, rc_); \
    } while (0)

#define OK(expr) EXPECT_RC(expr, VOIP_OK)

/* ---- time ---- */
double t_now(void);          /* monotonic seconds */
void t_sleep_ms(long ms);

/* ---- phones ---- */
/* Start a phone named name (SIP user) on 127.0.0.1 with bind_port 0 and the
 * RTP range [rtp_low, rtp_high].  audio_format may be NULL (default).
 * extra_key/extra_value: one more option (or NULL). */
tphone *tp_start(const char *name, int rtp_low, int rtp_high, enum tp_mode mode,
                 const char *audio_format, const char *extra_key,
                 const char *extra_value);
/* tp_start with any options: kv is NULL or "key", "value", ..., NULL. */
tphone *tp_start_opts(const char *name, int rtp_low, int rtp_high, enum tp_mode mode,
                      const char *const *kv);
void tp_destroy(tphone *p);

/* Call sip:<user>@127.0.0.1:<to's port> from p; returns the call handle. */
uint64_t tp_call(tphone *p, tphone *to, const char *user);

/* The next incoming call of p not yet taken (waits up to timeout_ms); 0 if
 * none came. */
uint64_t tp_next_incoming(tphone *p, int timeout_ms);

/* Wait until p's state callback reported state for call; 1 if it did. */
int tp_wait_cb_state(tphone *p, uint64_t call, int32_t state, int timeout_ms);

/* Wait until p's DTMF callback reported n digits for call; copies them into
 * out (NUL-terminated, >= 64 bytes).  Returns how many were reported. */
int tp_wait_dtmf(tphone *p, uint64_t call, int n, int timeout_ms, char *out);

/* Copy (under the lock) the recorded callback history of call. */
struct tp_call tp_history(tphone *p, uint64_t call);

/* "DIALING(reason),PROGRESS(...),..." for messages; buf >= 512 bytes. */
const char *tp_history_str(const struct tp_call *h, char *buf, size_t len);

/* Wait for a call state with voip_call_wait, failing if it is not reached. */
void t_wait_state_at(const char *file, int line, uint64_t call, int32_t state,
                     int timeout_ms);
#define WAIT_STATE(call, state, ms) t_wait_state_at(__FILE__, __LINE__, call, state, ms)

/* A voip_call_info() value (fails the test on an error); buf is an array. */
const char *t_info_at(const char *file, int line, uint64_t call, const char *key,
                      char *buf, size_t len);
#define INFO(call, key, buf) t_info_at(__FILE__, __LINE__, call, key, buf, sizeof(buf))

/* Name of a VOIP_CALL_* state. */
const char *t_state_name(int32_t state);

/* A number field of the "stats" JSON, or -1 when missing. */
long t_stat(uint64_t call, const char *field);

/* Case-insensitive substring test. */
int t_contains(const char *s, const char *word);

/* A UDP port on 127.0.0.1 with nothing bound to it (just released). */
int t_free_udp_port(void);

/* A bound UDP socket on 127.0.0.1 (port 0 = any); *port_out gets its port. */
int t_udp_socket(int port, int *port_out);

/* A minimal fake SIP registrar on 127.0.0.1: answers every request it gets
 * with `status reason`, copying Via/From/To/Call-ID/CSeq. */
struct fake_registrar {
    int fd, port;
    int status;
    const char *reason;
    pthread_t thread;
    pthread_mutex_t mu;
    int stop;
    int nrequests;       /* requests answered */
    char first_line[128]; /* request line of the first request */
};
void fake_registrar_start(struct fake_registrar *r, int status, const char *reason);
void fake_registrar_stop(struct fake_registrar *r);

#endif /* VOIP_TEST_HARNESS_H */
