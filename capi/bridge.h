/* Internal to capi: C helpers the Go exports call. Not installed. The
 * public API is include/voip.h; this header avoids including it so that the
 * cgo-generated prototypes (which drop const) never meet the public ones in
 * one translation unit. Function pointers travel as void*. */
#ifndef VOIP_CAPI_BRIDGE_H
#define VOIP_CAPI_BRIDGE_H

#include <stdint.h>
#include <stddef.h>

void voip__set_error(const char *msg);
uint64_t voip__callback_phone(void);

void voip__call_incoming(void *fn, void *ud, uint64_t phone, uint64_t call,
                         const char *from, const char *to);
void voip__call_state(void *fn, void *ud, uint64_t phone, uint64_t call,
                      int32_t state, const char *reason);
void voip__call_dtmf(void *fn, void *ud, uint64_t phone, uint64_t call,
                     int32_t digit);
void voip__call_status(void *fn, void *ud, uint64_t phone, int32_t status,
                       const char *reason);
void voip__call_request(void *fn, void *ud, uint64_t phone, uint64_t call,
                        const char *method, const char *from,
                        const char *content_type, const char *body);
void voip__call_log(void *fn, void *ud, uint64_t phone, int32_t level,
                    const char *msg);

#endif
