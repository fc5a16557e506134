/* wideband.c — C test of the "sample_rate" and "codecs" options (issue 13):
 * a 1 kHz and a 5 kHz tone go from A to B at the application's rate; both
 * arrive through G.722 at 16 kHz and Opus at 48 kHz, the 5 kHz one not
 * through PCMU (the resampler's low-pass removes it). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* RMS of the freq component of x (Hann-windowed Goertzel): a sine of
 * amplitude A reads A/sqrt(2). */
static double tone_level(const int16_t *x, size_t n, int rate, double freq)
{
    double coeff = 2.0 * cos(2.0 * M_PI * freq / rate), s1 = 0, s2 = 0, wsum = 0;
    for (size_t i = 0; i < n; i++) {
        double w = 0.5 - 0.5 * cos(2.0 * M_PI * (double)i / (double)(n - 1));
        double s0 = x[i] * w + coeff * s1 - s2;
        s2 = s1;
        s1 = s0;
        wsum += w;
    }
    double p = s1 * s1 + s2 * s2 - coeff * s1 * s2;
    return 2.0 * sqrt(p > 0 ? p : 0) / wsum / sqrt(2.0);
}

/* Send 1.2 s of freq from ca at rate while cb reads; return the level of
 * freq in what cb read after its first 400 ms. */
static double carry(uint64_t ca, uint64_t cb, int rate, double freq)
{
    int frame = rate / 50, frames = 60;
    int16_t *rx = calloc((size_t)frame * frames, sizeof *rx);
    uint8_t *buf = malloc((size_t)frame * 2);
    CHECK(rx && buf, "out of memory");
    double phase = 0, step = 2.0 * M_PI * freq / rate;
    for (int f = 0; f < frames; f++) {
        for (int i = 0; i < frame; i++) {
            int16_t s = (int16_t)lrint(8000.0 * sin(phase));
            phase += step;
            buf[2 * i] = (uint8_t)(s & 0xff);
            buf[2 * i + 1] = (uint8_t)((uint16_t)s >> 8);
        }
        size_t nw = 0, nr = 0;
        OK(voip_call_write_audio(ca, buf, (size_t)frame * 2, 1000, &nw));
        OK(voip_call_read_audio(cb, buf, (size_t)frame * 2, 1000, &nr));
        CHECK(nr == (size_t)frame * 2, "read %zu bytes, want %d", nr, frame * 2);
        for (int i = 0; i < frame; i++)
            rx[(size_t)f * frame + i] = (int16_t)(buf[2 * i] | (buf[2 * i + 1] << 8));
    }
    size_t skip = (size_t)frame * 20;
    double level = tone_level(rx + skip, (size_t)frame * frames - skip, rate, freq);
    free(rx);
    free(buf);
    return level;
}

void wideband_test(int rtp_lo0, int rtp_lo1)
{
    static const struct {
        const char *codecs, *rate, *want;
        int wide;
    } cases[] = {
        { "G722,PCMU", "16000", "G722", 1 },
        { "opus,PCMU", "48000", "opus", 1 },
        { "PCMU", "16000", "PCMU", 0 },
    };
    const double amp = 8000.0 / sqrt(2.0);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *kv[] = { "codecs", cases[i].codecs, "sample_rate", cases[i].rate, NULL };
        STEP("start the phones");
        tphone *a = tp_start_opts("alice", rtp_lo0 + 40 * (int)i, rtp_lo0 + 40 * (int)i + 39, TP_RECORD, kv);
        tphone *b = tp_start_opts("bob", rtp_lo1 + 40 * (int)i, rtp_lo1 + 40 * (int)i + 39, TP_ANSWER, kv);
        char got[32];
        OK(voip_phone_get_option(a->phone, "sample_rate", got, sizeof got));
        CHECK(!strcmp(got, cases[i].rate), "sample_rate = \"%s\", want %s", got, cases[i].rate);

        STEP("call");
        uint64_t ca = tp_call(a, b, "bob");
        uint64_t cb = tp_next_incoming(b, 5000);
        CHECK(cb != 0, "no incoming call");
        WAIT_STATE(ca, VOIP_CALL_ANSWERED, 5000);
        WAIT_STATE(cb, VOIP_CALL_ANSWERED, 5000);
        char codec[32];
        INFO(ca, "codec", codec);
        CHECK(!strcmp(codec, cases[i].want), "codec %s, want %s", codec, cases[i].want);

        STEP("tones");
        int rate = atoi(cases[i].rate);
        double l1 = carry(ca, cb, rate, 1000), l5 = carry(ca, cb, rate, 5000);
        printf("%s at %d Hz: 1 kHz level %.0f, 5 kHz level %.0f (sent %.0f)\n", codec, rate, l1, l5, amp);
        CHECK(l1 > amp / 2 && l1 < amp * 2, "%s: 1 kHz level %.0f, want %.0f", codec, l1, amp);
        if (cases[i].wide)
            CHECK(l5 > amp / 2 && l5 < amp * 2, "%s: 5 kHz level %.0f, want %.0f", codec, l5, amp);
        else
            CHECK(l5 < amp / 100, "%s: 5 kHz level %.0f through a narrowband codec", codec, l5);

        OK(voip_call_hangup(ca));
        WAIT_STATE(cb, VOIP_CALL_ENDED, 3000);
        OK(voip_call_release(ca));
        OK(voip_call_release(cb));
        tp_destroy(a);
        tp_destroy(b);
    }

    STEP("a rate libvoip does not take");
    uint64_t p = 0;
    OK(voip_phone_new(&p));
    EXPECT_RC(voip_phone_set_option(p, "sample_rate", "44100"), VOIP_EINVAL);
    CHECK(strstr(voip_last_error(), "sample_rate") != NULL, "last error \"%s\"", voip_last_error());
    OK(voip_phone_destroy(p));
}
