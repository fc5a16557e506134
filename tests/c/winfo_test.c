/*
 * winfo_test.c — the "winfo" C test (voip_tests winfo): watcher information
 * (RFC 3857 presence.winfo, RFC 3858 bodies) through the C ABI, between
 * three phones in one process.
 *
 * A serves "presence" and "presence.winfo"; B subscribes to A's
 * presence.winfo with voip_subscription_new and sees, in the notify
 * callback's JSON summary, an empty full document, then C (subscribing to
 * A's presence) pending until A accepts, active, and terminated when C
 * unsubscribes.  C then serves presence.winfo itself and sends B a
 * malformed watcherinfo body: B gets {"error":...}.
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"

static pthread_mutex_t wi_mu = PTHREAD_MUTEX_INITIALIZER;
static char wi_notes[16384];  /* "sub|event|state|summary\n" per NOTIFY at B */
static uint64_t wi_presence;  /* A's incoming presence subscription (C's) */
static uint64_t wi_winfo[4];  /* incoming winfo subscriptions (A's, then C's) */
static int wi_nwinfo;

static void on_notify(void *ud, uint64_t phone, uint64_t sub, const char *event, const char *state,
                      const char *content_type, const char *body, const char *summary)
{
    (void)ud;
    (void)phone;
    (void)body;
    pthread_mutex_lock(&wi_mu);
    size_t n = strlen(wi_notes);
    snprintf(wi_notes + n, sizeof wi_notes - n, "%llu|%s|%s|%s|%s\n", (unsigned long long)sub, event, state,
             content_type, summary);
    pthread_mutex_unlock(&wi_mu);
}

/* winfo subscriptions are accepted at once; presence ones wait for the test. */
static void on_subscribe(void *ud, uint64_t phone, uint64_t isub, const char *event, const char *from, const char *to)
{
    (void)ud;
    (void)phone;
    (void)from;
    (void)to;
    pthread_mutex_lock(&wi_mu);
    if (!strcmp(event, "presence"))
        wi_presence = isub;
    else if (wi_nwinfo < 4)
        wi_winfo[wi_nwinfo++] = isub;
    pthread_mutex_unlock(&wi_mu);
    if (strcmp(event, "presence") != 0)
        voip_incoming_subscription_accept(isub);
}

/* Waits up to ms for a line of B's notes holding w1 and w2 (NULL: any). */
static int noted(const char *w1, const char *w2, int ms)
{
    for (int waited = 0; waited <= ms; waited += 20) {
        int found = 0;
        pthread_mutex_lock(&wi_mu);
        for (const char *line = wi_notes; *line && !found;) {
            const char *end = strchr(line, '\n');
            size_t len = end ? (size_t)(end - line) : strlen(line);
            char one[4096];
            snprintf(one, sizeof one, "%.*s", (int)len, line);
            found = strstr(one, w1) && (!w2 || strstr(one, w2));
            line += len + (end ? 1 : 0);
        }
        pthread_mutex_unlock(&wi_mu);
        if (found)
            return 1;
        t_sleep_ms(20);
    }
    return 0;
}

struct starter {
    uint64_t sub;
    int rc;
};

static void *start_sub(void *arg)
{
    struct starter *s = arg;
    s->rc = voip_subscription_start(s->sub, 10000);
    return NULL;
}

void winfo_test(int lo, int hi)
{
    int third = (hi - lo + 1) / 3;
    tphone *a = tp_start("alice", lo, lo + third - 1, TP_RECORD, NULL, NULL, NULL);
    tphone *b = tp_start("bob", lo + third, lo + 2 * third - 1, TP_RECORD, NULL, NULL, NULL);
    tphone *c = tp_start("carol", lo + 2 * third, hi, TP_RECORD, NULL, NULL, NULL);
    char a_uri[128], c_uri[128], want[256];
    uint64_t winfo = 0, bad = 0;
    struct starter cs = { 0, -1 };
    snprintf(a_uri, sizeof a_uri, "sip:alice@127.0.0.1:%d", a->sip_port);
    snprintf(c_uri, sizeof c_uri, "sip:carol@127.0.0.1:%d", c->sip_port);
    OK(voip_phone_on_notify(b->phone, on_notify, NULL));
    OK(voip_phone_on_subscribe(a->phone, "presence,presence.winfo", on_subscribe, NULL));

    STEP("B subscribes to A's watchers: an empty full document");
    OK(voip_subscription_new(b->phone, a_uri, "presence.winfo", NULL, &winfo));
    OK(voip_subscription_start(winfo, 5000));
    snprintf(want, sizeof want, "|presence.winfo|active|application/watcherinfo+xml|{\"resource\":\"%s\"", a_uri);
    CHECK(noted(want, "\"state\":\"full\",\"version\":0,\"watchers\":[]}", 5000), "no full document: %s", wi_notes);

    STEP("C subscribes to A's presence: pending, then active when A accepts");
    OK(voip_subscription_new(c->phone, a_uri, "presence", NULL, &cs.sub));
    pthread_t t;
    CHECK(pthread_create(&t, NULL, start_sub, &cs) == 0, "pthread_create");
    snprintf(want, sizeof want, "\"uri\":\"%s\",\"status\":\"pending\",\"event\":\"subscribe\"", c_uri);
    CHECK(noted(want, "\"state\":\"partial\",\"version\":1,", 5000), "C not pending: %s", wi_notes);
    pthread_mutex_lock(&wi_mu);
    uint64_t isub = wi_presence;
    pthread_mutex_unlock(&wi_mu);
    CHECK(isub != 0, "A got no presence subscription");
    OK(voip_incoming_subscription_accept(isub));
    pthread_join(t, NULL);
    OK(cs.rc);
    snprintf(want, sizeof want, "\"uri\":\"%s\",\"status\":\"active\",\"event\":\"approved\"", c_uri);
    CHECK(noted(want, "\"state\":\"partial\",\"version\":2,", 5000), "C not active: %s", wi_notes);

    STEP("C unsubscribes: terminated");
    OK(voip_subscription_stop(cs.sub, 5000));
    snprintf(want, sizeof want, "\"uri\":\"%s\",\"status\":\"terminated\",\"event\":\"timeout\"", c_uri);
    CHECK(noted(want, "\"state\":\"partial\",\"version\":3,", 5000), "C not terminated: %s", wi_notes);
    OK(voip_subscription_release(cs.sub));
    OK(voip_incoming_subscription_release(isub));

    STEP("a malformed watcherinfo body gives the error summary");
    OK(voip_phone_on_subscribe(c->phone, "presence.winfo", on_subscribe, NULL));
    OK(voip_subscription_new(b->phone, c_uri, "presence.winfo", NULL, &bad));
    OK(voip_subscription_start(bad, 5000));
    pthread_mutex_lock(&wi_mu);
    uint64_t cw = wi_nwinfo == 2 ? wi_winfo[1] : 0;
    pthread_mutex_unlock(&wi_mu);
    CHECK(cw != 0, "C got no winfo subscription (%d)", wi_nwinfo);
    OK(voip_incoming_subscription_notify(cw, "application/watcherinfo+xml",
                                         "<watcherinfo version=\"1\" state=\"sideways\"/>", 5000));
    CHECK(noted("|presence.winfo|active|application/watcherinfo+xml|{\"error\":", "state", 5000),
          "no error summary: %s", wi_notes);
    OK(voip_incoming_subscription_release(cw));
    OK(voip_subscription_release(bad));
    OK(voip_subscription_release(winfo));
    pthread_mutex_lock(&wi_mu);
    OK(voip_incoming_subscription_release(wi_winfo[0]));
    pthread_mutex_unlock(&wi_mu);
    tp_destroy(a);
    tp_destroy(b);
    tp_destroy(c);
}
