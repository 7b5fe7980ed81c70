/* linux-time-check: the Linux time and system-information calls, from an
 * unmodified static Linux program with no C library (raw `syscall`s), so it
 * runs as soon as the Linux personality runs programs at all, before musl's
 * start-up (TLS) works. Built by test/qemu/cases/linux_time.py with the
 * host's gcc; it must pass on Linux itself too (the test runs it on the
 * host first: Linux is the specification), and on NyanOS as init.
 *
 * Exit status: 0 when every check passed, else the number of the first
 * check that failed. Each failure is also written to fd 2 (ignored while
 * NyanOS's Linux personality has no write). Checks of NyanOS's own values
 * (uname's release, the default limits) and the ones that change the
 * machine (the clock) run only when uname says nyanos. */
#include <stddef.h>
#include <stdint.h>

#define NR_write 1
#define NR_nanosleep 35
#define NR_getpid 39
#define NR_uname 63
#define NR_umask 95
#define NR_gettimeofday 96
#define NR_getrlimit 97
#define NR_getrusage 98
#define NR_sysinfo 99
#define NR_times 100
#define NR_getuid 102
#define NR_getgid 104
#define NR_setuid 105
#define NR_geteuid 107
#define NR_getegid 108
#define NR_getgroups 115
#define NR_setresuid 117
#define NR_getresuid 118
#define NR_setfsuid 122
#define NR_setrlimit 160
#define NR_settimeofday 164
#define NR_time 201
#define NR_sched_setaffinity 203
#define NR_sched_getaffinity 204
#define NR_clock_settime 227
#define NR_clock_gettime 228
#define NR_clock_getres 229
#define NR_clock_nanosleep 230
#define NR_exit_group 231
#define NR_prlimit64 302
#define NR_getcpu 309
#define NR_sched_yield 24

#define EPERM 1
#define ESRCH 3
#define EFAULT 14
#define EINVAL 22
#define EOPNOTSUPP 95

#define RLIMIT_STACK 3
#define RLIMIT_CORE 4
#define RLIMIT_NOFILE 7
#define RLIM_INFINITY (~0ul)

static long sc6(long n, long a, long b, long c, long d, long e, long f) {
    register long r10 __asm__("r10") = d;
    register long r8 __asm__("r8") = e;
    register long r9 __asm__("r9") = f;
    long ret;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
    return ret;
}
#define SC0(n) sc6(n, 0, 0, 0, 0, 0, 0)
#define SC1(n, a) sc6(n, (long)(a), 0, 0, 0, 0, 0)
#define SC2(n, a, b) sc6(n, (long)(a), (long)(b), 0, 0, 0, 0)
#define SC3(n, a, b, c) sc6(n, (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define SC4(n, a, b, c, d) sc6(n, (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)

struct timespec {
    long tv_sec, tv_nsec;
};
struct timeval {
    long tv_sec, tv_usec;
};
struct timezone {
    int minuteswest, dsttime;
};
struct tms {
    long utime, stime, cutime, cstime;
};
struct rusage {
    struct timeval utime, stime;
    long maxrss, rest[13];
};
struct utsname {
    char sysname[65], nodename[65], release[65], version[65], machine[65], domainname[65];
};
struct sysinfo {
    long uptime;
    unsigned long loads[3], totalram, freeram, sharedram, bufferram, totalswap, freeswap;
    unsigned short procs, pad;
    unsigned long totalhigh, freehigh;
    unsigned int mem_unit;
};
struct rlimit {
    unsigned long cur, max;
};

/* What the compiler may call for struct copies and initialisers. */
void* memset(void* d, int c, size_t n) {
    unsigned char* p = d;
    while (n--) *p++ = (unsigned char)c;
    return d;
}
void* memcpy(void* d, const void* s, size_t n) {
    unsigned char* p = d;
    const unsigned char* q = s;
    while (n--) *p++ = *q++;
    return d;
}

static int g_failed; /* the first failed check's number */
static int g_check;  /* the check running */
static int g_nyanos; /* uname says NyanOS */

static size_t length(const char* s) {
    size_t n = 0;
    while (s[n]) ++n;
    return n;
}
static int same(const char* a, const char* b) {
    while (*a && *a == *b) ++a, ++b;
    return *a == *b;
}
static void say(const char* s) {
    SC3(NR_write, 2, s, length(s));
}
static void say_number(long v) {
    char buf[24];
    int i = sizeof buf;
    buf[--i] = 0;
    unsigned long u = v < 0 ? -(unsigned long)v : (unsigned long)v;
    do buf[--i] = (char)('0' + u % 10);
    while ((u /= 10) && i > 1);
    if (v < 0) buf[--i] = '-';
    say(buf + i);
}

/* One check: `ok` must hold. */
static void check(int ok, const char* what, long value) {
    ++g_check;
    if (ok) return;
    if (!g_failed) g_failed = g_check;
    say("linux-time-check: FAILED ");
    say_number(g_check);
    say(": ");
    say(what);
    say(" (");
    say_number(value);
    say(")\n");
}

static long ns_of(const struct timespec* t) {
    return t->tv_sec * 1000000000l + t->tv_nsec;
}
static long now_ns(int clock) {
    struct timespec t;
    SC2(NR_clock_gettime, clock, &t);
    return ns_of(&t);
}

static void spin_cpu(long ns) {
    long end = now_ns(1) + ns;
    while (now_ns(1) < end) {
    }
}

static void clocks(void) {
    struct timespec a, b;
    check(SC2(NR_clock_gettime, 1, &a) == 0, "clock_gettime(MONOTONIC)", 0);
    check(SC2(NR_clock_gettime, 1, &b) == 0 && ns_of(&b) >= ns_of(&a), "MONOTONIC goes forward",
          ns_of(&b) - ns_of(&a));
    check(a.tv_nsec >= 0 && a.tv_nsec < 1000000000, "tv_nsec in range", a.tv_nsec);
    static const int good[] = {0, 1, 2, 3, 4, 5, 6, 7, 11};
    for (unsigned i = 0; i < sizeof good / sizeof good[0]; ++i)
        check(SC2(NR_clock_gettime, good[i], &a) == 0, "clock_gettime of a known clock", good[i]);
    static const int bad[] = {10, 12, 100, -1};
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; ++i)
        check(SC2(NR_clock_gettime, bad[i], &a) == -EINVAL, "clock_gettime of no clock", bad[i]);
    check(SC2(NR_clock_gettime, (int)((~3u << 3) | 3u), &a) == -EINVAL, "fd clock 3", 0);
    check(SC2(NR_clock_gettime, 1, 1) == -EFAULT, "clock_gettime to address 1", 0);
    /* The caller's own process CPU clock by pid, as clock_getcpuclockid makes it. */
    long pid = SC0(NR_getpid);
    check(SC2(NR_clock_gettime, (int)((~(unsigned)pid << 3) | 2u), &a) == 0,
          "clock_gettime of the own process's CPU clock by pid", pid);
    check(SC2(NR_clock_gettime, (int)((~999999u << 3) | 2u), &a) == -EINVAL,
          "clock_gettime of no process's CPU clock", 0);

    long realtime = now_ns(0) / 1000000000l;
    check(realtime > 1600000000l, "REALTIME after 2020", realtime);
    long t = 0;
    long r = SC1(NR_time, &t);
    check(r == t && r >= realtime && r <= realtime + 2, "time() agrees with REALTIME",
          r - realtime);
    check(SC1(NR_time, 1) == -EFAULT, "time() to address 1", 0);
    struct timeval tv;
    struct timezone tz = {123, 456};
    check(SC2(NR_gettimeofday, &tv, &tz) == 0, "gettimeofday", 0);
    check(tv.tv_sec >= realtime && tv.tv_sec <= realtime + 2 && tv.tv_usec >= 0 &&
              tv.tv_usec < 1000000,
          "gettimeofday agrees with REALTIME", tv.tv_sec - realtime);
    if (g_nyanos)
        check(tz.minuteswest == 0 && tz.dsttime == 0, "gettimeofday's timezone is zero", 0);
    check(SC2(NR_gettimeofday, 0, 0) == 0, "gettimeofday(NULL, NULL)", 0);
    long coarse = now_ns(6), fine = now_ns(1);
    check(coarse <= fine, "MONOTONIC_COARSE not ahead of MONOTONIC", coarse - fine);

    struct timespec res;
    check(SC2(NR_clock_getres, 1, &res) == 0 && res.tv_sec == 0 && res.tv_nsec == 1,
          "MONOTONIC resolution 1 ns", res.tv_nsec);
    check(SC2(NR_clock_getres, 0, &res) == 0 && res.tv_sec == 0 && res.tv_nsec == 1,
          "REALTIME resolution 1 ns", res.tv_nsec);
    check(SC2(NR_clock_getres, 6, &res) == 0 && res.tv_sec == 0 && res.tv_nsec > 1 &&
              res.tv_nsec <= 10000000,
          "MONOTONIC_COARSE resolution is the tick", res.tv_nsec);
    check(SC2(NR_clock_getres, 1, 0) == 0, "clock_getres(NULL)", 0);
    check(SC2(NR_clock_getres, 12, &res) == -EINVAL, "clock_getres of no clock", 0);
}

static void sleeps(void) {
    struct timespec req = {0, 5000000}, rem = {7, 7};
    long t0 = now_ns(1);
    check(SC2(NR_nanosleep, &req, &rem) == 0, "nanosleep 5 ms", 0);
    long took = now_ns(1) - t0;
    check(took >= 5000000, "nanosleep 5 ms lasts 5 ms", took);
    req.tv_nsec = 1000000000;
    check(SC2(NR_nanosleep, &req, 0) == -EINVAL, "nanosleep tv_nsec 1e9", 0);
    req.tv_nsec = -1;
    check(SC2(NR_nanosleep, &req, 0) == -EINVAL, "nanosleep tv_nsec -1", 0);
    req.tv_sec = -1;
    req.tv_nsec = 0;
    check(SC2(NR_nanosleep, &req, 0) == -EINVAL, "nanosleep tv_sec -1", 0);
    check(SC2(NR_nanosleep, 1, 0) == -EFAULT, "nanosleep from address 1", 0);
    req.tv_sec = 0;
    check(SC2(NR_nanosleep, &req, 0) == 0, "nanosleep 0", 0);

    /* Absolute, 3 ms ahead on MONOTONIC; absolute in the past on REALTIME. */
    long target = now_ns(1) + 3000000;
    struct timespec abs = {target / 1000000000l, target % 1000000000l};
    check(SC4(NR_clock_nanosleep, 1, 1, &abs, 0) == 0, "clock_nanosleep MONOTONIC absolute", 0);
    check(now_ns(1) >= target, "an absolute sleep ends at its time", now_ns(1) - target);
    struct timespec past = {1, 0};
    t0 = now_ns(1);
    check(SC4(NR_clock_nanosleep, 0, 1, &past, 0) == 0, "clock_nanosleep REALTIME past", 0);
    check(now_ns(1) - t0 < 100000000, "a sleep until the past returns at once", now_ns(1) - t0);
    target = now_ns(0) + 2000000;
    abs.tv_sec = target / 1000000000l;
    abs.tv_nsec = target % 1000000000l;
    check(SC4(NR_clock_nanosleep, 0, 1, &abs, 0) == 0, "clock_nanosleep REALTIME absolute", 0);
    check(now_ns(0) >= target, "an absolute REALTIME sleep ends at its time", now_ns(0) - target);
    struct timespec rel = {0, 2000000};
    check(SC4(NR_clock_nanosleep, 7, 0, &rel, &rem) == 0, "clock_nanosleep BOOTTIME relative", 0);
    check(SC4(NR_clock_nanosleep, 4, 0, &rel, 0) == -EOPNOTSUPP, "no sleep on MONOTONIC_RAW", 0);
    check(SC4(NR_clock_nanosleep, 6, 0, &rel, 0) == -EOPNOTSUPP, "no sleep on a COARSE clock", 0);
    check(SC4(NR_clock_nanosleep, 3, 0, &rel, 0) == -EOPNOTSUPP, "no sleep on THREAD_CPUTIME", 0);
    check(SC4(NR_clock_nanosleep, 42, 0, &rel, 0) == -EINVAL, "no sleep on no clock", 0);
    rel.tv_nsec = 1000000000;
    check(SC4(NR_clock_nanosleep, 1, 0, &rel, 0) == -EINVAL, "clock_nanosleep tv_nsec 1e9", 0);
    check(SC0(NR_sched_yield) == 0, "sched_yield", 0);
}

static void cpu_time(void) {
    long cpu0 = now_ns(2), thread0 = now_ns(3);
    spin_cpu(30000000); /* 30 ms of CPU */
    long cpu1 = now_ns(2), thread1 = now_ns(3);
    check(cpu1 - cpu0 >= 10000000, "30 ms of spinning shows as process CPU time", cpu1 - cpu0);
    check(thread1 - thread0 >= 10000000, "and as thread CPU time", thread1 - thread0);
    struct timespec nap = {0, 30000000};
    SC2(NR_nanosleep, &nap, 0);
    long cpu2 = now_ns(2);
    check(cpu2 - cpu1 < 10000000, "sleeping uses no CPU time", cpu2 - cpu1);

    struct tms t = {-1, -1, -1, -1};
    long ticks = SC1(NR_times, &t);
    check(ticks > 0, "times() returns the clock ticks", ticks);
    check(t.utime + t.stime >= 1 && t.cutime == 0 && t.cstime == 0, "times() counts 100 Hz ticks",
          t.utime + t.stime);
    check(SC1(NR_times, 0) > 0, "times(NULL)", 0);
    struct rusage ru;
    check(SC2(NR_getrusage, 0, &ru) == 0, "getrusage(SELF)", 0);
    long used = (ru.utime.tv_sec + ru.stime.tv_sec) * 1000000 + ru.utime.tv_usec + ru.stime.tv_usec;
    check(used >= 10000, "getrusage counts the spinning", used);
    check(ru.maxrss > 0, "ru_maxrss", ru.maxrss);
    check(SC2(NR_getrusage, 1, &ru) == 0, "getrusage(THREAD)", 0);
    check(SC2(NR_getrusage, -1, &ru) == 0 && ru.utime.tv_sec == 0 && ru.utime.tv_usec == 0,
          "getrusage(CHILDREN) without children", ru.utime.tv_usec);
    check(SC2(NR_getrusage, 5, &ru) == -EINVAL, "getrusage(5)", 0);
    check(SC2(NR_getrusage, 0, 1) == -EFAULT, "getrusage to address 1", 0);
    struct timespec res;
    check(SC2(NR_clock_getres, 2, &res) == 0 && res.tv_sec == 0 && res.tv_nsec >= 1,
          "PROCESS_CPUTIME resolution", res.tv_nsec);
}

static void system_info(void) {
    struct utsname u;
    check(SC1(NR_uname, &u) == 0, "uname", 0);
    check(same(u.sysname, "Linux"), "sysname Linux", 0);
    check(same(u.machine, "x86_64"), "machine x86_64", 0);
    check(u.release[0] >= '1' && u.release[0] <= '9', "release starts with its version", 0);
    g_nyanos = same(u.nodename, "nyanos");
    if (g_nyanos) {
        check(same(u.release, "6.1.0-nyanos"), "release 6.1.0-nyanos", 0);
        check(same(u.version, "#1 SMP NyanOS"), "version", 0);
        check(same(u.domainname, "(none)"), "domainname", 0);
    }
    struct sysinfo si;
    check(SC1(NR_sysinfo, &si) == 0, "sysinfo", 0);
    check(si.uptime > 0, "uptime", si.uptime);
    check(si.mem_unit == 1, "mem_unit 1", si.mem_unit);
    check(si.totalram > si.freeram && si.freeram > 0, "total and free memory", (long)si.freeram);
    check(si.procs >= 1, "procs", si.procs);
    check(SC1(NR_sysinfo, 1) == -EFAULT, "sysinfo to address 1", 0);

    unsigned cpu = 99, node = 99;
    check(SC3(NR_getcpu, &cpu, &node, 0) == 0 && cpu < 64 && node == 0, "getcpu", cpu);
    check(SC3(NR_getcpu, 0, 0, 0) == 0, "getcpu(NULL, NULL)", 0);
    unsigned long mask = 0;
    long bytes = SC3(NR_sched_getaffinity, 0, sizeof mask, &mask);
    check(bytes == 8 && (mask >> cpu & 1), "sched_getaffinity: 8 bytes with our CPU", bytes);
    check(SC3(NR_sched_getaffinity, 0, 4, &mask) == -EINVAL, "sched_getaffinity, 4 bytes", 0);
    check(SC3(NR_sched_getaffinity, 0, 12, &mask) == -EINVAL, "sched_getaffinity, 12 bytes", 0);
    check(SC3(NR_sched_getaffinity, 999999, 8, &mask) == -ESRCH, "sched_getaffinity, no pid", 0);
    unsigned long all = mask, none = 0, first = mask & -mask;
    check(SC3(NR_sched_setaffinity, 0, 8, &none) == -EINVAL, "sched_setaffinity to no CPU", 0);
    check(SC3(NR_sched_setaffinity, 0, 8, &first) == 0, "sched_setaffinity to one CPU", 0);
    check(SC3(NR_sched_getaffinity, 0, 8, &mask) == 8 && mask == first, "the mask reads back",
          (long)mask);
    check(SC3(NR_sched_setaffinity, 0, 8, &all) == 0, "sched_setaffinity back", 0);
}

static void ids_and_limits(void) {
    unsigned r = 9, e = 9, s = 9;
    check(SC3(NR_getresuid, &r, &e, &s) == 0, "getresuid", 0);
    check(r == SC0(NR_getuid) && e == SC0(NR_geteuid), "getresuid agrees", r);
    check(SC0(NR_getgid) >= 0 && SC0(NR_getegid) >= 0, "getgid", 0);
    check(SC3(NR_getresuid, 1, &e, &s) == -EFAULT, "getresuid to address 1", 0);
    check(SC2(NR_getgroups, -1, 0) == -EINVAL, "getgroups(-1)", 0);
    check(SC2(NR_getgroups, 0, 0) >= 0, "getgroups(0)", 0);
    check(SC1(NR_setuid, -1) == -EINVAL, "setuid(-1)", 0);

    long old = SC1(NR_umask, 077);
    check(SC1(NR_umask, old) == 077, "umask returns the old mask", 0);
    check(SC1(NR_umask, 0777777) == old && SC1(NR_umask, old) == 0777, "umask keeps 0777 bits", 0);

    struct rlimit lim, lim2;
    check(SC2(NR_getrlimit, RLIMIT_NOFILE, &lim) == 0 && lim.cur <= lim.max, "getrlimit(NOFILE)",
          (long)lim.cur);
    check(SC2(NR_getrlimit, 99, &lim2) == -EINVAL, "getrlimit(99)", 0);
    check(SC2(NR_getrlimit, RLIMIT_NOFILE, 1) == -EFAULT, "getrlimit to address 1", 0);
    struct rlimit smaller = {lim.cur / 2, lim.max};
    check(SC2(NR_setrlimit, RLIMIT_NOFILE, &smaller) == 0, "setrlimit(NOFILE)", 0);
    check(SC4(NR_prlimit64, 0, RLIMIT_NOFILE, 0, &lim2) == 0 && lim2.cur == smaller.cur &&
              lim2.max == smaller.max,
          "prlimit64 reads the new limit", (long)lim2.cur);
    struct rlimit inverted = {lim.max, lim.max / 2};
    check(SC2(NR_setrlimit, RLIMIT_NOFILE, &inverted) == -EINVAL, "soft above hard", 0);
    check(SC4(NR_prlimit64, SC0(NR_getpid), RLIMIT_NOFILE, &lim, &lim2) == 0 &&
              lim2.cur == smaller.cur,
          "prlimit64 by own pid returns the old limit", (long)lim2.cur);
    check(SC4(NR_prlimit64, 999999, RLIMIT_NOFILE, 0, &lim2) == -ESRCH, "prlimit64, no pid", 0);
    check(SC4(NR_prlimit64, 0, 99, 0, &lim2) == -EINVAL, "prlimit64(99)", 0);
    if (g_nyanos) {
        check(SC2(NR_getrlimit, RLIMIT_NOFILE, &lim) == 0 && lim.cur == 1024 && lim.max == 4096,
              "NOFILE 1024/4096", (long)lim.cur);
        check(SC2(NR_getrlimit, RLIMIT_STACK, &lim) == 0 && lim.cur == 8ul << 20 &&
                  lim.max == RLIM_INFINITY,
              "STACK 8 MiB/unlimited", (long)lim.cur);
        check(SC2(NR_getrlimit, RLIMIT_CORE, &lim) == 0 && lim.cur == 0 && lim.max == RLIM_INFINITY,
              "CORE 0/unlimited", (long)lim.cur);
        check(SC0(NR_getuid) == 0 && SC0(NR_geteuid) == 0 && SC0(NR_getgid) == 0,
              "everyone is root", 0);
        check(old == 022, "the default umask is 022", old);
    }
    if (SC0(NR_geteuid) != 0) return;
    /* Root leaves euid 0 for 1000 (saved stays 0), is refused what needs
     * privilege, and comes back. */
    check(SC3(NR_setresuid, -1, 1000, -1) == 0, "setresuid(-1, 1000, -1)", 0);
    check(SC0(NR_geteuid) == 1000 && SC0(NR_getuid) == 0, "euid 1000, uid 0", SC0(NR_geteuid));
    check(SC1(NR_setfsuid, -1) == 1000, "setfsuid follows the effective uid", 0);
    struct rlimit raise;
    SC2(NR_getrlimit, RLIMIT_NOFILE, &raise);
    raise.max += 1;
    check(SC2(NR_setrlimit, RLIMIT_NOFILE, &raise) == -EPERM, "no raising a hard limit", 0);
    struct timespec now = {2000000000, 0};
    check(SC2(NR_clock_settime, 0, &now) == -EPERM, "no setting the clock", 0);
    check(SC3(NR_setresuid, -1, 0, -1) == 0 && SC0(NR_geteuid) == 0, "back to euid 0", 0);
}

static void set_the_clock(void) {
    struct timespec t;
    check(SC2(NR_clock_settime, 1, &t) == -EINVAL, "MONOTONIC cannot be set", 0);
    t.tv_sec = 2000000000;
    t.tv_nsec = 1000000000;
    check(SC2(NR_clock_settime, 0, &t) == -EINVAL, "clock_settime tv_nsec 1e9", 0);
    check(SC2(NR_clock_settime, 0, 1) == -EFAULT, "clock_settime from address 1", 0);
    struct timezone far = {16 * 60, 0};
    check(SC2(NR_settimeofday, 0, &far) == -EINVAL, "settimeofday: a timezone 16 h west", 0);
    if (!g_nyanos) return; /* never change the host's clock */
    long before = now_ns(0);
    long mono = now_ns(1);
    t.tv_sec = before / 1000000000l + 1000;
    t.tv_nsec = before % 1000000000l;
    check(SC2(NR_clock_settime, 0, &t) == 0, "clock_settime(REALTIME) + 1000 s", 0);
    long moved = now_ns(0) - before - (now_ns(1) - mono);
    check(moved >= 999000000000l && moved <= 1001000000000l, "REALTIME moved 1000 s", moved);
    struct timeval back = {before / 1000000000l + (now_ns(1) - mono) / 1000000000l, 0};
    check(SC2(NR_settimeofday, &back, 0) == 0, "settimeofday back", 0);
    long off = now_ns(0) / 1000000000l - back.tv_sec;
    check(off >= 0 && off <= 1, "REALTIME is back", off);
    struct timespec early = {0, 0};
    check(SC2(NR_clock_settime, 0, &early) == -EINVAL, "no REALTIME before the time since boot", 0);
}

void run(void) {
    system_info();
    clocks();
    sleeps();
    cpu_time();
    ids_and_limits();
    set_the_clock();
    if (!g_failed) say("linux-time-check: ok\n");
    SC1(NR_exit_group, g_failed);
}

__asm__(
    ".text\n"
    ".global _start\n"
    "_start:\n"
    "    xor %rbp, %rbp\n"
    "    and $-16, %rsp\n"
    "    call run\n"
    "    hlt\n");
