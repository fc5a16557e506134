/*
 * audio_util.h — tiny audio helpers shared by the libvoip C examples and
 * the C tests: sine generation, u8 <-> s16 conversion, RMS, dominant
 * frequency (Goertzel scan) and a 16-bit mono WAV writer.
 *
 * Header-only (static functions) so each program just #includes it.
 * Link with -lm.
 */
#ifndef VOIP_AUDIO_UTIL_H
#define VOIP_AUDIO_UTIL_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AU_RATE 8000      /* samples per second of libvoip audio */
#define AU_FRAME 160      /* samples per 20 ms frame */

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* Fill n samples of a sine at freq Hz and amplitude amp (0 = silence).
 * *phase (radians) carries on between calls so consecutive frames join up. */
static inline void au_tone(int16_t *out, size_t n, double freq, double amp,
                    double *phase)
{
    double step = 2.0 * M_PI * freq / AU_RATE;
    for (size_t i = 0; i < n; i++) {
        out[i] = (int16_t)lrint(amp * sin(*phase));
        *phase += step;
        if (*phase > 2.0 * M_PI)
            *phase -= 2.0 * M_PI;
    }
}

/* pyVoIP's "u8" format: the high byte of the s16 sample, biased by 128. */
static inline uint8_t au_s16_to_u8(int16_t s)
{
    return (uint8_t)((s >> 8) + 128);
}

static inline int16_t au_u8_to_s16(uint8_t u)
{
    return (int16_t)((int)u - 128) * 256;
}

/* Decode little-endian s16 bytes (len bytes) into native samples. */
static inline void au_from_s16le(const uint8_t *in, size_t len, int16_t *out)
{
    for (size_t i = 0; i + 1 < len; i += 2)
        out[i / 2] = (int16_t)(uint16_t)(in[i] | (in[i + 1] << 8));
}

/* Encode native samples as little-endian s16 bytes (2*n bytes). */
static inline void au_to_s16le(const int16_t *in, size_t n, uint8_t *out)
{
    for (size_t i = 0; i < n; i++) {
        uint16_t v = (uint16_t)in[i];
        out[2 * i] = (uint8_t)(v & 0xff);
        out[2 * i + 1] = (uint8_t)(v >> 8);
    }
}

/* Root mean square of n samples (0 for n == 0). */
static inline double au_rms(const int16_t *x, size_t n)
{
    double acc = 0;
    for (size_t i = 0; i < n; i++)
        acc += (double)x[i] * x[i];
    return n ? sqrt(acc / (double)n) : 0.0;
}

/* Power of frequency freq in the n samples of x (Goertzel algorithm). */
static inline double au_goertzel(const double *x, size_t n, double freq)
{
    double coeff = 2.0 * cos(2.0 * M_PI * freq / AU_RATE);
    double s1 = 0, s2 = 0;
    for (size_t i = 0; i < n; i++) {
        double s0 = x[i] + coeff * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    return s1 * s1 + s2 * s2 - coeff * s1 * s2;
}

/* At most this many samples (the last 30 s) are analysed for frequency. */
#define AU_MAX_ANALYSIS (30 * AU_RATE)

/* Dominant frequency of x in 100..3900 Hz to about 1 Hz: a coarse 10 Hz
 * scan, then a 1 Hz scan around the best coarse bin, on a Hann-windowed
 * copy.  Returns 0 when there is too little audio (< 800 samples), it is
 * digital silence, or memory is short. */
static inline double au_dominant_freq(const int16_t *x, size_t n)
{
    if (n > AU_MAX_ANALYSIS) {
        x += n - AU_MAX_ANALYSIS;
        n = AU_MAX_ANALYSIS;
    }
    if (n < 800 || au_rms(x, n) < 1.0)
        return 0.0;
    double *w = malloc(n * sizeof *w);
    if (!w)
        return 0.0;
    for (size_t i = 0; i < n; i++)
        w[i] = x[i] * (0.5 - 0.5 * cos(2.0 * M_PI * (double)i / (double)(n - 1)));
    double best_f = 0, best_p = -1;
    for (double f = 100; f <= 3900; f += 10) {
        double p = au_goertzel(w, n, f);
        if (p > best_p) {
            best_p = p;
            best_f = f;
        }
    }
    double coarse = best_f;
    for (double f = coarse - 9; f <= coarse + 9; f += 1) {
        double p = au_goertzel(w, n, f);
        if (p > best_p) {
            best_p = p;
            best_f = f;
        }
    }
    free(w);
    return best_f;
}

/* Write n s16 samples as a 16-bit 8 kHz mono WAV file.  0 on success,
 * -1 on an I/O error (errno set). */
static inline int au_write_wav(const char *path, const int16_t *x, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    uint32_t data_len = (uint32_t)(n * 2);
    uint8_t h[44];
    memcpy(h, "RIFF", 4);
#define AU_PUT32(p, v) do { (p)[0] = (uint8_t)(v); (p)[1] = (uint8_t)((v) >> 8); \
        (p)[2] = (uint8_t)((v) >> 16); (p)[3] = (uint8_t)((v) >> 24); } while (0)
#define AU_PUT16(p, v) do { (p)[0] = (uint8_t)(v); (p)[1] = (uint8_t)((v) >> 8); } while (0)
    AU_PUT32(h + 4, 36 + data_len);
    memcpy(h + 8, "WAVEfmt ", 8);
    AU_PUT32(h + 16, 16);             /* fmt chunk size */
    AU_PUT16(h + 20, 1);              /* PCM */
    AU_PUT16(h + 22, 1);              /* mono */
    AU_PUT32(h + 24, AU_RATE);        /* sample rate */
    AU_PUT32(h + 28, AU_RATE * 2);    /* byte rate */
    AU_PUT16(h + 32, 2);              /* block align */
    AU_PUT16(h + 34, 16);             /* bits per sample */
    memcpy(h + 36, "data", 4);
    AU_PUT32(h + 40, data_len);
#undef AU_PUT32
#undef AU_PUT16
    int ok = fwrite(h, 1, sizeof h, f) == sizeof h;
    if (ok && n) {
        uint8_t *buf = malloc(n * 2);
        ok = buf != NULL;
        if (ok) {
            au_to_s16le(x, n, buf);
            ok = fwrite(buf, 1, n * 2, f) == n * 2;
            free(buf);
        }
    }
    if (fclose(f) != 0)
        ok = 0;
    return ok ? 0 : -1;
}

#endif /* VOIP_AUDIO_UTIL_H */
