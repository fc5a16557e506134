/*
 * busy_phone — a test helper for examples_test.sh: a libvoip phone on
 * 127.0.0.1 with no incoming-call callback, so every call gets 486 Busy
 * Here.  Prints "PORT <sip port>" and runs for SECONDS (default 20).
 *
 *   busy_phone [SECONDS]
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <voip.h>

int main(int argc, char **argv)
{
    int seconds = argc > 1 ? atoi(argv[1]) : 20;
    uint64_t phone;
    char port[16] = "";
    if (voip_phone_new(&phone) != VOIP_OK ||
        voip_phone_set_option(phone, "bind_ip", "127.0.0.1") != VOIP_OK ||
        voip_phone_set_option(phone, "bind_port", "0") != VOIP_OK ||
        voip_phone_set_option(phone, "rtp_port_low", "29200") != VOIP_OK ||
        voip_phone_set_option(phone, "rtp_port_high", "29299") != VOIP_OK ||
        voip_phone_start(phone) != VOIP_OK ||
        voip_phone_get_option(phone, "sip_port", port, sizeof port) != VOIP_OK) {
        fprintf(stderr, "busy_phone: %s\n", voip_last_error());
        return 1;
    }
    printf("PORT %s\n", port);
    fflush(stdout);
    struct timespec ts = { seconds, 0 };
    nanosleep(&ts, NULL);
    voip_phone_destroy(phone);
    return 0;
}
