/* C side of the exports: thread-local last error, static strings, and the
 * trampolines through which Go calls the application's callbacks (Go cannot
 * call a C function pointer itself). */
#include <string.h>

#include "bridge.h"
#include "../include/voip.h"

static __thread char last_error[1024];
/* The phone whose callback is running on this thread, 0 when none: lets
 * voip_phone_destroy refuse to wait for its own dispatcher. */
static __thread uint64_t callback_phone;

void voip__set_error(const char *msg) {
    if (msg == NULL) {
        last_error[0] = '\0';
        return;
    }
    strncpy(last_error, msg, sizeof last_error - 1);
    last_error[sizeof last_error - 1] = '\0';
}

const char *voip_last_error(void) { return last_error; }

uint64_t voip__callback_phone(void) { return callback_phone; }

const char *voip_version(void) { return VOIP_VERSION; }

const char *voip_strerror(int code) {
    switch (code) {
    case VOIP_OK: return "ok";
    case VOIP_ERROR: return "internal error";
    case VOIP_EINVAL: return "invalid argument";
    case VOIP_ENOTFOUND: return "unknown or stale handle";
    case VOIP_ESTATE: return "not allowed in the current state";
    case VOIP_ETIMEOUT: return "timeout";
    case VOIP_ENOPORTS: return "no RTP port available";
    case VOIP_ERANGE: return "invalid range";
    case VOIP_ENETWORK: return "network error";
    case VOIP_EENDED: return "call ended";
    case VOIP_ENOSPACE: return "buffer too small";
    case VOIP_EREJECTED: return "rejected by the remote side";
    default: return "unknown error";
    }
}

#define ENTER(p) uint64_t prev = callback_phone; callback_phone = (p)
#define LEAVE() callback_phone = prev

void voip__call_incoming(void *fn, void *ud, uint64_t phone, uint64_t call,
                         const char *from, const char *to) {
    ENTER(phone);
    ((voip_incoming_call_fn)fn)(ud, phone, call, from, to);
    LEAVE();
}

void voip__call_state(void *fn, void *ud, uint64_t phone, uint64_t call,
                      int32_t state, const char *reason) {
    ENTER(phone);
    ((voip_call_state_fn)fn)(ud, phone, call, state, reason);
    LEAVE();
}

void voip__call_dtmf(void *fn, void *ud, uint64_t phone, uint64_t call,
                     int32_t digit) {
    ENTER(phone);
    ((voip_dtmf_fn)fn)(ud, phone, call, digit);
    LEAVE();
}

void voip__call_status(void *fn, void *ud, uint64_t phone, int32_t status,
                       const char *reason) {
    ENTER(phone);
    ((voip_status_fn)fn)(ud, phone, status, reason);
    LEAVE();
}

void voip__call_request(void *fn, void *ud, uint64_t phone, uint64_t call,
                        const char *method, const char *from,
                        const char *content_type, const char *body) {
    ENTER(phone);
    ((voip_request_fn)fn)(ud, phone, call, method, from, content_type, body);
    LEAVE();
}

void voip__call_event(void *fn, void *ud, uint64_t phone, uint64_t call,
                      const char *event, const char *detail) {
    ENTER(phone);
    ((voip_call_event_fn)fn)(ud, phone, call, event, detail);
    LEAVE();
}

void voip__call_log(void *fn, void *ud, uint64_t phone, int32_t level,
                    const char *msg) {
    ENTER(phone);
    ((voip_log_fn)fn)(ud, phone, level, msg);
    LEAVE();
}

/* Events (capi/subscription.go). */
void voip__call_notify(void *fn, void *ud, uint64_t phone, uint64_t sub,
                       const char *event, const char *state, const char *content_type,
                       const char *body, const char *summary) {
    ENTER(phone);
    ((voip_notify_fn)fn)(ud, phone, sub, event, state, content_type, body, summary);
    LEAVE();
}

void voip__call_sub_state(void *fn, void *ud, uint64_t phone, uint64_t sub,
                          const char *state, const char *reason) {
    ENTER(phone);
    ((voip_subscription_state_fn)fn)(ud, phone, sub, state, reason);
    LEAVE();
}

void voip__call_incoming_sub(void *fn, void *ud, uint64_t phone, uint64_t isub,
                             const char *event, const char *from, const char *to) {
    ENTER(phone);
    ((voip_incoming_subscription_fn)fn)(ud, phone, isub, event, from, to);
    LEAVE();
}
