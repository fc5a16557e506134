/*
 * floor — what this machine's kernel allows: N UDP "calls" carrying the same
 * packets as the bench's G.711 calls (172 bytes: a 12-byte RTP header and
 * 160 bytes of payload, 50 packets/s each way), with no SIP, no codec and no
 * library.  `make bench` runs it beside voip-echo so that every libvoip
 * figure is also a ratio to this floor (bench/README.md).
 *
 *   floor -calls N [-hold SECS] [-settle SECS] [-answer-cpu C] [-gen-cpu C]
 *         [-json FILE]
 *
 * It makes N connected pairs of UDP sockets on 127.0.0.1 and forks:
 *   - the answering side (the child, on -answer-cpu, default 0) plays the
 *     role of voip-echo as cheaply as C allows: one thread, one epoll set
 *     holding every socket and a 20 ms timerfd; on each tick it sends one
 *     packet on every socket (a late wake-up sends the missed ticks' too) (its own sequence number, the payload last
 *     received on that socket: an echo), between ticks it drains whatever
 *     arrived;
 *   - the generator (the parent, on -gen-cpu, default 1) does the same the
 *     other way, and receives with kernel timestamps (SO_TIMESTAMPNS) to
 *     measure the answering side's send timing and loss, like voip-load.
 * After -settle seconds (default 2) it measures a -hold second window
 * (default 15):
 *   cpu_ms_per_call_s  utime+stime of the answering process over the window
 *                      (/proc/<pid>/stat) / (N * window)
 *   cpu_pct            the same as a share of one core
 *   send_p50_ms, send_p99_ms, send_max_ms
 *                      |interval - 20 ms| between consecutive packets the
 *                      answering side sent on a socket, from the kernel's
 *                      receive timestamps, over all sockets and the window
 *   lost               answering-side sequence numbers missing in the window
 *   received, expected packets the generator got / N * window * 50
 * and prints them as one JSON object (and to -json FILE).
 * Exit status: 0 measured; 1 setup failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PKT 172          /* RTP header + 20 ms of G.711 */
#define TICK_NS 20000000 /* 20 ms */
#define HIST_US 10       /* histogram bin: 10 µs */
#define HIST_BINS 20000  /* up to 200 ms off */

struct side {
    int n, *fd, ep, tfd;
    uint16_t *seq;        /* next sequence number sent, per socket */
    unsigned char *last;  /* last payload received, per socket (PKT each) */
};

struct meter {              /* generator-side receive statistics */
    int64_t *prev_ns;       /* previous packet's kernel timestamp, per socket */
    int32_t *prev_seq;      /* previous sequence number, per socket (-1 none) */
    int64_t from_ns, to_ns; /* the window, CLOCK_REALTIME (kernel stamps) */
    uint64_t hist[HIST_BINS + 1], received, intervals, lost;
};

static void die(const char *what)
{
    perror(what);
    exit(1);
}

static int64_t now_ns(clockid_t c)
{
    struct timespec ts;
    clock_gettime(c, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void pin(int cpu)
{
    cpu_set_t set;
    if (cpu < 0)
        return;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0)
        perror("floor: sched_setaffinity (not pinned)");
}

/* udp_socket: a non-blocking UDP socket bound to 127.0.0.1, any port. */
static int udp_socket(struct sockaddr_in *addr)
{
    socklen_t len = sizeof *addr;
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        die("floor: socket");
    memset(addr, 0, sizeof *addr);
    addr->sin_family = AF_INET;
    addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)addr, sizeof *addr) != 0 ||
        getsockname(fd, (struct sockaddr *)addr, &len) != 0)
        die("floor: bind");
    return fd;
}

/* make_pairs: N connected socket pairs, one end for each side. */
static void make_pairs(int n, int *a, int *g)
{
    for (int i = 0; i < n; i++) {
        struct sockaddr_in aa, ga;
        a[i] = udp_socket(&aa);
        g[i] = udp_socket(&ga);
        if (connect(a[i], (struct sockaddr *)&ga, sizeof ga) != 0 ||
            connect(g[i], (struct sockaddr *)&aa, sizeof aa) != 0)
            die("floor: connect");
    }
}

/* side_init: epoll set of the side's sockets (data = index) and its timer. */
static void side_init(struct side *s, int n, int *fd)
{
    struct epoll_event ev = { .events = EPOLLIN };
    struct itimerspec it = { { 0, TICK_NS }, { 0, TICK_NS } };
    s->n = n;
    s->fd = fd;
    s->seq = calloc((size_t)n, sizeof *s->seq);
    s->last = calloc((size_t)n, PKT);
    s->ep = epoll_create1(EPOLL_CLOEXEC);
    s->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (!s->seq || !s->last || s->ep < 0 || s->tfd < 0)
        die("floor: init");
    for (int i = 0; i < n; i++) {
        ev.data.u32 = (uint32_t)i;
        if (epoll_ctl(s->ep, EPOLL_CTL_ADD, fd[i], &ev) != 0)
            die("floor: epoll_ctl");
    }
    ev.data.u32 = UINT32_MAX;
    if (epoll_ctl(s->ep, EPOLL_CTL_ADD, s->tfd, &ev) != 0 ||
        timerfd_settime(s->tfd, 0, &it, NULL) != 0)
        die("floor: timerfd");
}

/* send_all: one packet on every socket (sequence number, last payload). */
static void send_all(struct side *s)
{
    for (int i = 0; i < s->n; i++) {
        unsigned char *p = s->last + (size_t)i * PKT;
        p[0] = 0x80;
        p[1] = 0; /* PCMU */
        p[2] = (unsigned char)(s->seq[i] >> 8);
        p[3] = (unsigned char)s->seq[i];
        s->seq[i]++;
        (void)send(s->fd[i], p, PKT, MSG_DONTWAIT);
    }
}

/* meter_packet: one received packet's timestamp and sequence number. */
static void meter_packet(struct meter *m, int i, int64_t ts, int seq)
{
    if (ts < m->from_ns || ts >= m->to_ns) {
        m->prev_ns[i] = 0;
        m->prev_seq[i] = -1;
        return;
    }
    m->received++;
    if (m->prev_seq[i] >= 0)
        m->lost += (uint64_t)((seq - m->prev_seq[i] - 1) & 0xffff);
    if (m->prev_ns[i]) {
        int64_t d = ts - m->prev_ns[i] - TICK_NS;
        int64_t bin = (d < 0 ? -d : d) / 1000 / HIST_US;
        m->hist[bin > HIST_BINS ? HIST_BINS : bin]++;
        m->intervals++;
    }
    m->prev_ns[i] = ts;
    m->prev_seq[i] = seq;
}

/* drain: receive everything queued on socket i (metered when m is set). */
static void drain(struct side *s, int i, struct meter *m)
{
    unsigned char buf[PKT + 64];
    char ctl[CMSG_SPACE(sizeof(struct timespec))];
    for (;;) {
        struct iovec iov = { buf, sizeof buf };
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
                             .msg_control = ctl, .msg_controllen = m ? sizeof ctl : 0 };
        ssize_t r = recvmsg(s->fd[i], &mh, MSG_DONTWAIT);
        if (r < 0)
            return;
        if (r >= 12)
            memcpy(s->last + (size_t)i * PKT + 12, buf + 12, (size_t)(r > PKT ? PKT : r) - 12);
        if (!m || r < 4)
            continue;
        struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
        if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
            struct timespec ts;
            memcpy(&ts, CMSG_DATA(c), sizeof ts);
            meter_packet(m, i, (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec, buf[2] << 8 | buf[3]);
        }
    }
}

/* run: the side's loop until deadline (CLOCK_MONOTONIC ns; 0: forever). */
static void run(struct side *s, struct meter *m, int64_t deadline)
{
    struct epoll_event evs[256];
    while (!deadline || now_ns(CLOCK_MONOTONIC) < deadline) {
        int k = epoll_wait(s->ep, evs, 256, 100);
        for (int j = 0; j < k; j++) {
            uint32_t i = evs[j].data.u32;
            if (i == UINT32_MAX) {
                uint64_t ticks;
                /* A late wake-up owes the missed ticks' packets too (at
                 * most 5), as an RTP sender keeps its 50 packets/s. */
                if (read(s->tfd, &ticks, sizeof ticks) == sizeof ticks)
                    for (uint64_t t = 0; t < ticks && t < 5; t++)
                        send_all(s);
            } else {
                drain(s, (int)i, m);
            }
        }
    }
}

static long cpu_ticks(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char *p = strrchr(buf, ')');
    unsigned long ut = 0, st = 0;
    /* after ")": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime */
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
        return -1;
    return (long)(ut + st);
}

static double percentile(const struct meter *m, double q)
{
    uint64_t want = (uint64_t)(q * (double)m->intervals), acc = 0;
    for (int b = 0; b <= HIST_BINS; b++) {
        acc += m->hist[b];
        if (acc > want || (acc == m->intervals && acc))
            return (double)(b + 1) * HIST_US / 1000.0; /* upper edge of the bin, ms */
    }
    return 0;
}

static double max_ms(const struct meter *m)
{
    for (int b = HIST_BINS; b >= 0; b--)
        if (m->hist[b])
            return (double)(b + 1) * HIST_US / 1000.0;
    return 0;
}

static void raise_nofile(int n)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)(2 * n + 64)) {
        fprintf(stderr, "floor: %d calls need %d descriptors, the limit is %lu\n",
                n, 2 * n + 64, (unsigned long)rl.rlim_cur);
        exit(1);
    }
}

struct opts {
    int calls, answer_cpu, gen_cpu;
    double hold, settle;
    const char *json;
};

static struct opts parse(int argc, char **argv)
{
    struct opts o = { 0, 0, 1, 15, 2, NULL };
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            goto usage;
        if (!strcmp(a, "-calls"))
            o.calls = atoi(v);
        else if (!strcmp(a, "-hold"))
            o.hold = atof(v);
        else if (!strcmp(a, "-settle"))
            o.settle = atof(v);
        else if (!strcmp(a, "-answer-cpu"))
            o.answer_cpu = atoi(v);
        else if (!strcmp(a, "-gen-cpu"))
            o.gen_cpu = atoi(v);
        else if (!strcmp(a, "-json"))
            o.json = v;
        else
            goto usage;
        i++;
    }
    if (o.calls > 0 && o.calls <= 100000 && o.hold > 0 && o.settle >= 0)
        return o;
usage:
    fprintf(stderr, "usage: floor -calls N [-hold SECS] [-settle SECS] [-answer-cpu C] [-gen-cpu C] [-json FILE]\n");
    exit(2);
}

static void report(const struct opts *o, const struct meter *m, double cpu_s)
{
    double window = o->hold, expected = (double)o->calls * window * 50;
    char out[1024];
    snprintf(out, sizeof out,
             "{\"target\": \"floor\", \"calls\": %d, \"window_s\": %.1f, \"cpu_s\": %.3f, "
             "\"cpu_ms_per_call_s\": %.4f, \"cpu_pct\": %.1f, \"send_p50_ms\": %.2f, "
             "\"send_p99_ms\": %.2f, \"send_max_ms\": %.2f, \"received\": %llu, "
             "\"expected\": %.0f, \"lost\": %llu, \"intervals\": %llu}\n",
             o->calls, window, cpu_s, 1000 * cpu_s / (o->calls * window), 100 * cpu_s / window,
             percentile(m, 0.50), percentile(m, 0.99), max_ms(m),
             (unsigned long long)m->received, expected, (unsigned long long)m->lost,
             (unsigned long long)m->intervals);
    fputs(out, stdout);
    if (o->json) {
        FILE *f = fopen(o->json, "w");
        if (!f || fputs(out, f) < 0 || fclose(f) != 0)
            die("floor: -json");
    }
}

int main(int argc, char **argv)
{
    struct opts o = parse(argc, argv);
    raise_nofile(o.calls);
    int *a = calloc((size_t)o.calls, sizeof *a), *g = calloc((size_t)o.calls, sizeof *g);
    if (!a || !g)
        die("floor: calloc");
    make_pairs(o.calls, a, g);
    pid_t child = fork();
    if (child < 0)
        die("floor: fork");
    if (child == 0) { /* the answering side, until the parent kills it */
        struct side s;
        for (int i = 0; i < o.calls; i++)
            close(g[i]);
        pin(o.answer_cpu);
        side_init(&s, o.calls, a);
        run(&s, NULL, 0);
        _exit(0);
    }
    for (int i = 0; i < o.calls; i++)
        close(a[i]);
    pin(o.gen_cpu);
    int on = 1;
    for (int i = 0; i < o.calls; i++)
        if (setsockopt(g[i], SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on) != 0)
            die("floor: SO_TIMESTAMPNS");
    struct side s;
    struct meter *m = calloc(1, sizeof *m);
    side_init(&s, o.calls, g);
    m->prev_ns = calloc((size_t)o.calls, sizeof *m->prev_ns);
    m->prev_seq = malloc((size_t)o.calls * sizeof *m->prev_seq);
    if (!m->prev_ns || !m->prev_seq)
        die("floor: calloc");
    memset(m->prev_seq, 0xff, (size_t)o.calls * sizeof *m->prev_seq);
    int64_t mono = now_ns(CLOCK_MONOTONIC), real = now_ns(CLOCK_REALTIME);
    int64_t settle = (int64_t)(o.settle * 1e9), hold = (int64_t)(o.hold * 1e9);
    m->from_ns = real + settle;
    m->to_ns = real + settle + hold;
    run(&s, m, mono + settle);
    long c0 = cpu_ticks(child);
    run(&s, m, mono + settle + hold);
    long c1 = cpu_ticks(child);
    run(&s, m, mono + settle + hold + 100000000); /* late packets of the window */
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    if (c0 < 0 || c1 < 0) {
        fprintf(stderr, "floor: cannot read /proc/%d/stat\n", (int)child);
        return 1;
    }
    report(&o, m, (double)(c1 - c0) / (double)sysconf(_SC_CLK_TCK));
    return 0;
}
