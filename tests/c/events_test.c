/*
 * events_test.c — the "events" C test (voip_tests events): presence,
 * subscriptions both ways and their errors through the C ABI, between two
 * phones in one process.
 *
 * B serves "presence", "dialog", "message-summary" (accepted) and "x-test"
 * (rejected 603) through voip_phone_on_subscribe; A subscribes to B's
 * presence and sees B's voip_phone_set_presence twice, in the notify
 * callback's JSON summary; the rejected and the unserved (489) packages
 * are VOIP_EREJECTED; B's message-summary NOTIFY reaches A as MWI counts
 * (a malformed one as {"error":...}); A watches B's busy lamp go idle,
 * early (a call rings), confirmed (answered); bad arguments and stale
 * handles get their codes; voip_subscription_stop ends B's incoming
 * subscription.
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"

static pthread_mutex_t ev_mu = PTHREAD_MUTEX_INITIALIZER;
static char ev_notes[8192];      /* "sub|event|state|summary\n" per NOTIFY */
static char ev_states[2048];     /* "sub state reason;" per state change */
static uint64_t ev_isub[8];      /* B's incoming subscriptions */
static char ev_isub_event[8][32];
static int ev_nisub;

static void append(char *buf, size_t size, const char *fmt, const char *a, const char *b, const char *c, uint64_t id)
{
    pthread_mutex_lock(&ev_mu);
    size_t n = strlen(buf);
    snprintf(buf + n, size - n, fmt, (unsigned long long)id, a, b, c);
    pthread_mutex_unlock(&ev_mu);
}

static void on_notify(void *ud, uint64_t phone, uint64_t sub, const char *event, const char *state,
                      const char *content_type, const char *body, const char *summary)
{
    (void)ud;
    (void)phone;
    (void)content_type;
    (void)body;
    append(ev_notes, sizeof ev_notes, "%llu|%s|%s|%s\n", event, state, summary, sub);
}

static void on_sub_state(void *ud, uint64_t phone, uint64_t sub, const char *state, const char *reason)
{
    (void)ud;
    (void)phone;
    append(ev_states, sizeof ev_states, "%llu %s %s%s;", state, reason, "", sub);
}

static void on_subscribe(void *ud, uint64_t phone, uint64_t isub, const char *event, const char *from, const char *to)
{
    (void)ud;
    (void)phone;
    (void)from;
    (void)to;
    pthread_mutex_lock(&ev_mu);
    if (ev_nisub < 8) {
        snprintf(ev_isub_event[ev_nisub], sizeof ev_isub_event[0], "%s", event);
        ev_isub[ev_nisub++] = isub;
    }
    pthread_mutex_unlock(&ev_mu);
    if (!strcmp(event, "x-test"))
        voip_incoming_subscription_reject(isub, 603);
    else
        voip_incoming_subscription_accept(isub);
}

/* Waits up to ms for all of the words in one line of what. */
static int saw(const char *what, const char *w1, const char *w2, int ms)
{
    for (int waited = 0; waited <= ms; waited += 20) {
        pthread_mutex_lock(&ev_mu);
        int found = 0;
        for (const char *line = what; *line && !found;) {
            const char *end = strchr(line, '\n');
            size_t len = end ? (size_t)(end - line) : strlen(line);
            char one[2048];
            snprintf(one, sizeof one, "%.*s", (int)len, line);
            found = strstr(one, w1) && (!w2 || strstr(one, w2));
            line += len + (end ? 1 : 0);
        }
        pthread_mutex_unlock(&ev_mu);
        if (found)
            return 1;
        t_sleep_ms(20);
    }
    return 0;
}

void events_test(int a_lo, int a_hi, int b_lo, int b_hi)
{
    tphone *a = tp_start("alice", a_lo, a_hi, TP_RECORD, NULL, NULL, NULL);
    tphone *b = tp_start("bob", b_lo, b_hi, TP_RECORD, NULL, NULL, NULL);
    char uri[128], buf[64];
    uint64_t sub = 0, bad = 0;
    snprintf(uri, sizeof uri, "sip:bob@127.0.0.1:%d", b->sip_port);
    OK(voip_phone_on_notify(a->phone, on_notify, NULL));
    OK(voip_phone_on_subscription_state(a->phone, on_sub_state, NULL));
    OK(voip_phone_on_subscribe(b->phone, "presence, x-test", on_subscribe, NULL));

    STEP("argument errors");
    EXPECT_RC(voip_subscription_new(a->phone, NULL, "presence", NULL, &sub), VOIP_EINVAL);
    EXPECT_RC(voip_subscription_new(a->phone, uri, "pre sence", NULL, &sub), VOIP_EINVAL);
    EXPECT_RC(voip_subscription_new(a->phone, uri, "presence", "nonsense", &sub), VOIP_EINVAL);
    EXPECT_RC(voip_subscription_new(0, uri, "presence", NULL, &sub), VOIP_ENOTFOUND);
    EXPECT_RC(voip_subscription_start(987654321, 1000), VOIP_ENOTFOUND);
    EXPECT_RC(voip_incoming_subscription_accept(987654321), VOIP_ENOTFOUND);
    EXPECT_RC(voip_phone_set_presence(b->phone, "maybe", NULL, NULL, 1000), VOIP_EINVAL);
    EXPECT_RC(voip_phone_set_presence(b->phone, "open", NULL, "bad activity!", 1000), VOIP_EINVAL);
    EXPECT_RC(voip_phone_publish(b->phone, "presence", "application/pidf+xml", "x", 1000), VOIP_ESTATE);
    EXPECT_RC(voip_phone_on_subscribe(b->phone, "refer", on_subscribe, NULL), VOIP_EINVAL);
    OK(voip_phone_on_subscribe(b->phone, "presence, x-test, dialog, message-summary", on_subscribe, NULL));

    STEP("presence: subscribe, two changes");
    OK(voip_phone_set_presence(b->phone, "open", "in C", "busy", 2000));
    OK(voip_subscription_new(a->phone, uri, "presence", NULL, &sub));
    OK(voip_subscription_state(sub, buf, sizeof buf));
    CHECK(!strcmp(buf, ""), "state before start \"%s\"", buf);
    OK(voip_subscription_start(sub, 5000));
    EXPECT_RC(voip_subscription_start(sub, 5000), VOIP_ESTATE);
    CHECK(saw(ev_notes, "\"basic\":\"open\"", "\"note\":\"in C\"", 5000), "no open presence: %s", ev_notes);
    CHECK(saw(ev_notes, "|presence|active|", "\"activities\":[\"busy\"]", 100), "notes: %s", ev_notes);
    OK(voip_phone_set_presence(b->phone, "closed", "gone", NULL, 2000));
    CHECK(saw(ev_notes, "\"basic\":\"closed\"", "\"note\":\"gone\"", 5000), "no closed presence: %s", ev_notes);
    OK(voip_subscription_state(sub, buf, sizeof buf));
    CHECK(!strcmp(buf, "active"), "state \"%s\"", buf);

    STEP("rejected and unserved packages");
    OK(voip_subscription_new(a->phone, uri, "x-test", "text/plain", &bad));
    EXPECT_RC(voip_subscription_start(bad, 5000), VOIP_EREJECTED);
    CHECK(strstr(voip_last_error(), "603"), "error \"%s\"", voip_last_error());
    OK(voip_subscription_state(bad, buf, sizeof buf));
    CHECK(!strcmp(buf, "terminated"), "rejected state \"%s\"", buf);
    OK(voip_subscription_release(bad));
    OK(voip_subscription_new(a->phone, uri, "x-unserved", NULL, &bad));
    EXPECT_RC(voip_subscription_start(bad, 5000), VOIP_EREJECTED);
    CHECK(strstr(voip_last_error(), "489"), "error \"%s\"", voip_last_error());
    OK(voip_subscription_release(bad));
    EXPECT_RC(voip_subscription_state(bad, buf, sizeof buf), VOIP_ENOTFOUND);

    STEP("message-summary: B's NOTIFY read as MWI counts");
    uint64_t mwi = 0, lamp = 0, mwi_isub = 0;
    OK(voip_subscription_new(a->phone, uri, "message-summary", NULL, &mwi));
    OK(voip_subscription_start(mwi, 5000));
    pthread_mutex_lock(&ev_mu);
    for (int i = 0; i < ev_nisub; i++)
        if (!strcmp(ev_isub_event[i], "message-summary"))
            mwi_isub = ev_isub[i];
    pthread_mutex_unlock(&ev_mu);
    CHECK(mwi_isub != 0, "B got no message-summary subscription");
    OK(voip_incoming_subscription_notify(mwi_isub, "application/simple-message-summary",
                                         "Messages-Waiting: yes\r\nVoice-Message: 2/8 (0/2)\r\n", 5000));
    CHECK(saw(ev_notes, "|message-summary|active|", "\"new\":2,\"old\":8,\"new_urgent\":0,\"old_urgent\":2", 5000),
          "no MWI counts: %s", ev_notes);
    OK(voip_incoming_subscription_notify(mwi_isub, "application/simple-message-summary", "garbage", 5000));
    CHECK(saw(ev_notes, "|message-summary|active|{\"error\":", NULL, 5000), "no error summary: %s", ev_notes);

    STEP("dialog: B's busy lamp idle, then early while A's call rings");
    OK(voip_subscription_new(a->phone, uri, "dialog", NULL, &lamp));
    OK(voip_subscription_start(lamp, 5000));
    CHECK(saw(ev_notes, "|dialog|active|", "\"lamp\":\"idle\"", 5000), "no idle lamp: %s", ev_notes);
    uint64_t call = tp_call(a, b, "bob");
    uint64_t ringing = tp_next_incoming(b, 5000);
    CHECK(ringing != 0, "B got no call");
    CHECK(saw(ev_notes, "|dialog|active|", "\"lamp\":\"early\"", 5000), "no early lamp: %s", ev_notes);
    OK(voip_call_answer(ringing));
    CHECK(saw(ev_notes, "|dialog|active|", "\"lamp\":\"confirmed\"", 5000), "no confirmed lamp: %s", ev_notes);
    OK(voip_call_hangup(call));
    OK(voip_call_release(call));
    OK(voip_call_release(ringing));
    OK(voip_subscription_release(mwi));
    OK(voip_subscription_release(lamp));

    STEP("stop ends B's incoming subscription");
    pthread_mutex_lock(&ev_mu);
    uint64_t isub = ev_isub[0];
    pthread_mutex_unlock(&ev_mu);
    CHECK(isub != 0, "B got no incoming subscription");
    OK(voip_incoming_subscription_state(isub, buf, sizeof buf));
    CHECK(!strcmp(buf, "active"), "B's state \"%s\"", buf);
    OK(voip_subscription_stop(sub, 5000));
    for (int i = 0; i < 100; i++) {
        OK(voip_incoming_subscription_state(isub, buf, sizeof buf));
        if (!strcmp(buf, "terminated"))
            break;
        t_sleep_ms(50);
    }
    CHECK(!strcmp(buf, "terminated"), "B's state after the stop \"%s\"", buf);
    EXPECT_RC(voip_incoming_subscription_notify(isub, "text/plain", "late", 1000), VOIP_ESTATE);
    CHECK(saw(ev_states, "terminated unsubscribed", NULL, 2000), "states: %s", ev_states);
    OK(voip_incoming_subscription_release(isub));
    OK(voip_subscription_release(sub));
    tp_destroy(a);
    tp_destroy(b);
}
