// Debian's libopus.a is built as position-independent executable code
// (PIE), not as PIC: celt_fatal() in celt.o, reached only when one of
// libopus's internal checks fails, names glibc's `stderr` through a
// PC-relative relocation, which a shared object (libvoip.so) cannot bind
// to a variable of another shared object. A hidden definition of the
// variable here satisfies the reference inside libvoip; it holds glibc's
// own standard-error stream (_IO_2_1_stderr_, exported by libc.so.6 since
// 2.2.5), so anything in libvoip writing to stderr writes where it always
// did.
extern char _IO_2_1_stderr_[];
__attribute__((visibility("hidden"))) void *stderr = _IO_2_1_stderr_;
