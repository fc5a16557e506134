/*
 * example_util.h — small helpers shared by voip-echo and voip-dial:
 * state names, command-line parsing and option setting.  Header-only.
 */
#ifndef VOIP_EXAMPLE_UTIL_H
#define VOIP_EXAMPLE_UTIL_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <voip.h>

/* The program name used in error messages ("voip-dial: ..."). */
static const char *ex_prog = "voip";

/* Name of a VOIP_CALL_* state as printed in "CALL <n> <STATE>" lines. */
static inline const char *ex_state_name(int32_t state)
{
    switch (state) {
    case VOIP_CALL_DIALING:   return "DIALING";
    case VOIP_CALL_RINGING:   return "RINGING";
    case VOIP_CALL_PROGRESS:  return "PROGRESS";
    case VOIP_CALL_ANSWERED:  return "ANSWERED";
    case VOIP_CALL_CANCELING: return "CANCELING";
    case VOIP_CALL_ENDED:     return "ENDED";
    default:                  return "UNKNOWN";
    }
}

/* Print "<prog>: <what>: <library message>" to stderr. */
static inline void ex_error(const char *what, int rc)
{
    const char *msg = voip_last_error();
    fprintf(stderr, "%s: %s: %s\n", ex_prog, what,
            msg[0] ? msg : voip_strerror(rc));
}

/* Print a usage error and exit 1. */
static inline void ex_usage_error(const char *msg, const char *arg)
{
    fprintf(stderr, "%s: %s%s%s (try --help)\n", ex_prog, msg,
            arg ? ": " : "", arg ? arg : "");
    exit(1);
}

/* Parse a non-negative decimal integer in [lo, hi]; exits on error. */
static inline long ex_parse_long(const char *s, long lo, long hi, const char *what)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        ex_usage_error(what, s);
    return v;
}

/* Split "IP:PORT" (the last ':' separates) into ip and port; exits on error. */
static inline void ex_parse_bind(const char *s, char *ip, size_t iplen, char *port,
                          size_t portlen)
{
    const char *colon = strrchr(s, ':');
    if (!colon || colon == s || (size_t)(colon - s) >= iplen ||
        strlen(colon + 1) >= portlen)
        ex_usage_error("--bind wants IP:PORT", s);
    ex_parse_long(colon + 1, 0, 65535, "bad port in --bind");
    memcpy(ip, s, (size_t)(colon - s));
    ip[colon - s] = '\0';
    strcpy(port, colon + 1);
}

/* Split "LOW-HIGH" into two port strings; exits on error. */
static inline void ex_parse_range(const char *s, char lo[8], char hi[8])
{
    const char *dash = strchr(s, '-');
    if (!dash || dash == s || dash - s >= 8 || strlen(dash + 1) >= 8)
        ex_usage_error("--rtp-ports wants LOW-HIGH", s);
    memcpy(lo, s, (size_t)(dash - s));
    lo[dash - s] = '\0';
    strcpy(hi, dash + 1);
    long l = ex_parse_long(lo, 1, 65535, "bad --rtp-ports");
    long h = ex_parse_long(hi, 1, 65535, "bad --rtp-ports");
    if (l > h)
        ex_usage_error("--rtp-ports: LOW must not exceed HIGH", s);
}

/* Set a phone option or exit 1 with the library's message. */
static inline void ex_set_option(uint64_t phone, const char *key, const char *value)
{
    int rc = voip_phone_set_option(phone, key, value);
    if (rc != VOIP_OK) {
        char what[128];
        snprintf(what, sizeof what, "option %s=%s", key, value);
        ex_error(what, rc);
        exit(1);
    }
}

#endif /* VOIP_EXAMPLE_UTIL_H */
