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

/* ---- any phone option from the command line (shared by both programs) ----
 *
 *   --option KEY=VALUE   voip_phone_set_option(phone, KEY, VALUE); repeatable,
 *                        applied in order after every other option, so it can
 *                        set any option of voip.h's table (and override the
 *                        ones the other flags set)
 */
#define EX_MAX_OPTIONS 64

struct ex_opts {
    int n;                           /* how many --option were given */
    const char *arg[EX_MAX_OPTIONS]; /* each "KEY=VALUE" as given */
    int trace;                       /* --trace */
    int verbose;                     /* how many --verbose (-v) */
};

/* The usage lines of --option, --trace and --verbose (same in both
 * programs). */
#define EX_OPTION_USAGE \
    "  --option KEY=VALUE    set any phone option of voip.h's table, e.g.\n" \
    "                        --option tcp_idle_timeout_ms=2000 (repeatable;\n" \
    "                        applied after the other options)\n" \
    "  --trace               print every SIP message sent and received to\n" \
    "                        stderr (option sip_trace; secrets masked)\n" \
    "  -v, --verbose         print the library's log lines to stderr (info;\n" \
    "                        twice: debug)\n"

/* Callback: print a log line to stderr as "<prog>: <LEVEL> <message>"
 * (dispatcher thread). */
static inline void ex_on_log(void *ud, uint64_t phone, int32_t level, const char *msg)
{
    static const char *names[] = {"DEBUG", "INFO", "WARN", "ERROR"};
    (void)ud; (void)phone;
    fprintf(stderr, "%s: %s %s\n", ex_prog,
            level >= VOIP_LOG_DEBUG && level <= VOIP_LOG_ERROR ? names[level] : "LOG", msg);
}

/* If argv[*i] is --option KEY=VALUE, check and record it (consuming the
 * value) and return 1; --trace and --verbose (-v) are recorded too; else
 * return 0.  Exits on a malformed KEY=VALUE. */
static inline int ex_parse_option_arg(struct ex_opts *o, int argc, char **argv, int *i)
{
    if (!strcmp(argv[*i], "--trace")) {
        o->trace = 1;
        return 1;
    }
    if (!strcmp(argv[*i], "--verbose") || !strcmp(argv[*i], "-v")) {
        o->verbose++;
        return 1;
    }
    if (strcmp(argv[*i], "--option") || *i + 1 >= argc)
        return 0;
    const char *kv = argv[++*i];
    const char *eq = strchr(kv, '=');
    if (!eq || eq == kv)
        ex_usage_error("--option wants KEY=VALUE", kv);
    if (o->n >= EX_MAX_OPTIONS)
        ex_usage_error("too many --option", kv);
    o->arg[o->n++] = kv;
    return 1;
}

/* Set the options of o, in order (after the others; before voip_phone_start),
 * and the log function --trace or --verbose ask for.  An unknown key or a
 * bad value exits 1 with the library's message. */
static inline void ex_apply_options(uint64_t phone, const struct ex_opts *o)
{
    if (o->trace)
        ex_set_option(phone, "sip_trace", "1");
    if (o->trace || o->verbose) {
        int rc = voip_phone_set_log(phone, o->verbose > 1 ? VOIP_LOG_DEBUG : VOIP_LOG_INFO,
                                    ex_on_log, NULL);
        if (rc != VOIP_OK) {
            ex_error("set log", rc);
            exit(1);
        }
    }
    for (int k = 0; k < o->n; k++) {
        const char *eq = strchr(o->arg[k], '=');
        char key[64];
        size_t klen = (size_t)(eq - o->arg[k]);
        if (klen >= sizeof key)
            ex_usage_error("--option: key too long", o->arg[k]);
        memcpy(key, o->arg[k], klen);
        key[klen] = '\0';
        ex_set_option(phone, key, eq + 1);
    }
}

/* Name of a VOIP_PHONE_* status as printed in "STATUS <STATUS> <reason>". */
static inline const char *ex_status_name(int32_t status)
{
    switch (status) {
    case VOIP_PHONE_INACTIVE:      return "INACTIVE";
    case VOIP_PHONE_REGISTERING:   return "REGISTERING";
    case VOIP_PHONE_REGISTERED:    return "REGISTERED";
    case VOIP_PHONE_DEREGISTERING: return "DEREGISTERING";
    case VOIP_PHONE_FAILED:        return "FAILED";
    default:                       return "UNKNOWN";
    }
}

/* ---- registration with a PBX / proxy (shared by both programs) ----
 *
 *   --register sip:USER@HOST[:PORT]  register as USER with the registrar
 *                                    HOST[:PORT] (options "user", "server")
 *   --password PW                    digest password (needs --register)
 *   --auth-user U                    digest username when it differs from
 *                                    USER (needs --register)
 *   --transport udp|tcp|tls          option "transport"
 *   --ca FILE                        option "ca_file" (TLS)
 *   --insecure                       option "tls_insecure" = "1" (TLS)
 *   --outbound-proxy URI             option "outbound_proxy"
 */
struct ex_reg {
    char user[128];             /* USER of --register ("" = no registration) */
    char server[256];           /* HOST[:PORT] of --register */
    const char *password;       /* --password */
    const char *auth_user;      /* --auth-user */
    const char *transport;      /* --transport */
    const char *ca_file;        /* --ca */
    int insecure;               /* --insecure */
    const char *outbound_proxy; /* --outbound-proxy */
};

/* The usage lines of the registration options (same in both programs). */
#define EX_REG_USAGE \
    "  --register sip:USER@HOST[:PORT]  register as USER with the registrar at\n" \
    "                        HOST[:PORT] (default port 5060, 5061 for TLS)\n" \
    "  --password PW         password for the registrar's digest challenges\n" \
    "  --auth-user U         authentication user when it differs from USER\n" \
    "  --transport T         udp (default), tcp or tls\n" \
    "  --ca FILE             TLS: PEM CA bundle to verify the server\n" \
    "  --insecure            TLS: do not verify the server's certificate\n" \
    "  --outbound-proxy URI  send every request via this proxy\n"

/* Split "sip:USER@HOST[:PORT]" (the "sip:" is optional; URI parameters
 * after ';' are dropped) into r->user and r->server; exits on error. */
static inline void ex_parse_register(struct ex_reg *r, const char *s)
{
    const char *p = s;
    if (!strncmp(p, "sips:", 5))
        ex_usage_error("--register wants a sip: URI (use --transport tls for TLS)", s);
    if (!strncmp(p, "sip:", 4))
        p += 4;
    const char *at = strchr(p, '@');
    if (!at || at == p || (size_t)(at - p) >= sizeof r->user)
        ex_usage_error("--register wants sip:USER@HOST[:PORT]", s);
    const char *host = at + 1;
    size_t hlen = strcspn(host, ";?>");
    if (hlen == 0 || hlen >= sizeof r->server)
        ex_usage_error("--register wants sip:USER@HOST[:PORT]", s);
    memcpy(r->user, p, (size_t)(at - p));
    r->user[at - p] = '\0';
    memcpy(r->server, host, hlen);
    r->server[hlen] = '\0';
    /* A port, if any, must be a number: "host:port" or "[v6]:port". */
    const char *port = NULL;
    if (r->server[0] == '[') {
        const char *end = strchr(r->server, ']');
        if (!end || (end[1] && end[1] != ':'))
            ex_usage_error("--register wants sip:USER@HOST[:PORT]", s);
        if (end[1] == ':')
            port = end + 2;
    } else {
        const char *colon = strchr(r->server, ':');
        if (colon == r->server)
            ex_usage_error("--register wants sip:USER@HOST[:PORT]", s);
        if (colon && !strchr(colon + 1, ':'))
            port = colon + 1;
    }
    if (port)
        ex_parse_long(port, 1, 65535, "bad port in --register");
}

/* If argv[*i] is a registration option, consume it (and its value) and
 * return 1; else return 0. */
static inline int ex_parse_reg_arg(struct ex_reg *r, int argc, char **argv, int *i)
{
    const char *a = argv[*i];
    int more = *i + 1 < argc;
    if (!strcmp(a, "--insecure")) {
        r->insecure = 1;
        return 1;
    }
    if (!more)
        return 0;
    if (!strcmp(a, "--register")) {
        ex_parse_register(r, argv[++*i]);
    } else if (!strcmp(a, "--password")) {
        r->password = argv[++*i];
    } else if (!strcmp(a, "--auth-user")) {
        r->auth_user = argv[++*i];
        if (!r->auth_user[0])
            ex_usage_error("empty --auth-user", NULL);
    } else if (!strcmp(a, "--transport")) {
        r->transport = argv[++*i];
        if (strcmp(r->transport, "udp") && strcmp(r->transport, "tcp") &&
            strcmp(r->transport, "tls"))
            ex_usage_error("--transport wants udp, tcp or tls", r->transport);
    } else if (!strcmp(a, "--ca")) {
        r->ca_file = argv[++*i];
    } else if (!strcmp(a, "--outbound-proxy")) {
        r->outbound_proxy = argv[++*i];
    } else {
        return 0;
    }
    return 1;
}

/* Check option combinations after parsing; exits on error. */
static inline void ex_check_reg(const struct ex_reg *r)
{
    if (!r->user[0] && (r->password || r->auth_user))
        ex_usage_error("--password and --auth-user need --register", NULL);
}

/* Set the phone options and credentials of r (before voip_phone_start). */
static inline void ex_apply_reg(uint64_t phone, const struct ex_reg *r)
{
    if (r->transport)
        ex_set_option(phone, "transport", r->transport);
    if (r->ca_file)
        ex_set_option(phone, "ca_file", r->ca_file);
    if (r->insecure)
        ex_set_option(phone, "tls_insecure", "1");
    if (r->outbound_proxy)
        ex_set_option(phone, "outbound_proxy", r->outbound_proxy);
    if (!r->user[0])
        return;
    ex_set_option(phone, "user", r->user);
    ex_set_option(phone, "server", r->server);
    if (r->password) {
        int rc = voip_phone_add_credentials(phone, r->auth_user ? r->auth_user : r->user,
                                            r->password, NULL, NULL);
        if (rc != VOIP_OK) {
            ex_error("credentials", rc);
            exit(1);
        }
    }
}

/* Callback: print "STATUS <STATUS> <reason>" (dispatcher thread). */
static inline void ex_on_status(void *ud, uint64_t phone, int32_t status,
                                const char *reason)
{
    (void)ud; (void)phone;
    printf("STATUS %s %s\n", ex_status_name(status),
           reason && reason[0] ? reason : "-");
}

/* Exit status of both programs when the registration fails at start. */
#define EX_EXIT_REGISTER 5

/* voip_phone_start() with registration in mind.  Returns VOIP_OK, or prints
 * why it failed and returns the result code.  A registrar that refused us
 * (VOIP_EREJECTED) or did not answer (VOIP_ETIMEOUT) is reported with its
 * reason, e.g. "registration of alice at 127.0.0.1:5060 failed: 403 Forbidden". */
static inline int ex_start(uint64_t phone, const struct ex_reg *r)
{
    int rc = voip_phone_start(phone);
    if (rc == VOIP_OK)
        return rc;
    if (r->user[0] && (rc == VOIP_EREJECTED || rc == VOIP_ETIMEOUT)) {
        char msg[512], reason[256] = "";
        snprintf(msg, sizeof msg, "%s", voip_last_error());
        voip_phone_get_option(phone, "status_reason", reason, sizeof reason);
        fprintf(stderr, "%s: registration of %s at %s failed: %s%s%s%s\n", ex_prog,
                r->user, r->server, reason[0] ? reason : voip_strerror(rc),
                msg[0] ? " (" : "", msg, msg[0] ? ")" : "");
        return rc;
    }
    ex_error("start", rc);
    return rc;
}

#endif /* VOIP_EXAMPLE_UTIL_H */
