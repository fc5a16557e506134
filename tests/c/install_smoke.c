/* install_smoke.c — built against an INSTALLED libvoip by install_test.sh
 * (with pkg-config, and with find_package(voip) via install_consumer/). */
#include <stdio.h>
#include <string.h>

#include <voip.h>

int main(void)
{
    const char *v = voip_version();
    if (!v || strcmp(v, VOIP_VERSION) != 0) {
        fprintf(stderr, "voip_version() = \"%s\", header says \"%s\"\n", v ? v : "(null)", VOIP_VERSION);
        return 1;
    }
    const char *e = voip_strerror(VOIP_EINVAL);
    const char *u = voip_strerror(12345);
    if (!e || !e[0] || !u || strcmp(u, "unknown error") != 0) {
        fprintf(stderr, "voip_strerror: \"%s\" / \"%s\"\n", e ? e : "(null)", u ? u : "(null)");
        return 1;
    }
    printf("libvoip %s: strerror(VOIP_EINVAL) = \"%s\"\n", v, e);
    return 0;
}
