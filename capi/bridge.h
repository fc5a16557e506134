/* Internal to capi: C helpers the Go exports call. Not installed. The
 * public API is include/voip.h; this header avoids including it so that the
 * cgo-generated prototypes (which drop const) never meet the public ones in
 * one translation unit. Function pointers travel as void*. */
#ifndef VOIP_CAPI_BRIDGE_H
#define VOIP_CAPI_BRIDGE_H

#include <stdint.h>
#include <stddef.h>

/* Internal: never in the library's dynamic symbol table (libvoip.map hides
 * them too, with the cgo glue). */
#define VOIP_INTERNAL __attribute__((visibility("hidden")))

VOIP_INTERNAL void voip__set_error(const char *msg);
VOIP_INTERNAL uint64_t voip__callback_phone(void);

VOIP_INTERNAL void voip__call_incoming(void *fn, void *ud, uint64_t phone, uint64_t call,
                         const char *from, const char *to);
VOIP_INTERNAL void voip__call_state(void *fn, void *ud, uint64_t phone, uint64_t call,
                      int32_t state, const char *reason);
VOIP_INTERNAL void voip__call_dtmf(void *fn, void *ud, uint64_t phone, uint64_t call,
                     int32_t digit);
VOIP_INTERNAL void voip__call_status(void *fn, void *ud, uint64_t phone, int32_t status,
                       const char *reason);
VOIP_INTERNAL void voip__call_request(void *fn, void *ud, uint64_t phone, uint64_t call,
                        const char *method, const char *from,
                        const char *content_type, const char *body);
VOIP_INTERNAL void voip__call_event(void *fn, void *ud, uint64_t phone, uint64_t call,
                      const char *event, const char *detail);
VOIP_INTERNAL void voip__call_log(void *fn, void *ud, uint64_t phone, int32_t level,
                    const char *msg);

/* Events (capi/subscription.go). */
VOIP_INTERNAL void voip__call_notify(void *fn, void *ud, uint64_t phone, uint64_t sub,
                       const char *event, const char *state, const char *content_type,
                       const char *body, const char *summary);
VOIP_INTERNAL void voip__call_sub_state(void *fn, void *ud, uint64_t phone, uint64_t sub,
                          const char *state, const char *reason);
VOIP_INTERNAL void voip__call_incoming_sub(void *fn, void *ud, uint64_t phone, uint64_t isub,
                             const char *event, const char *from, const char *to);

#endif
