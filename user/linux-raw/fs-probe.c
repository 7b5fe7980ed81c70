/* linux-raw-fs-probe: the Linux personality's file system calls, checked
 * from inside a Linux program. Freestanding (no C library, raw system
 * calls, Linux's numbers), so it runs before the personality can start a C
 * library; /bin/testsuite runs it (cases linux-file-calls, linux-fd-inheritance,
 * linux-sigpipe*).
 *
 *   linux-raw-fs-probe                 every check below; exit 0, or the
 *                                      failing check's number (after a "#" line)
 *   linux-raw-fs-probe inherited FD    FD (inherited from a NyanOS parent that
 *                                      read 4 bytes of /bin/true through it)
 *                                      continues at byte 4
 *   linux-raw-fs-probe sigpipe         writes to a pipe without readers: must
 *                                      die of SIGPIPE (exit 3 if it does not)
 *   linux-raw-fs-probe sigpipe-ignored the same with SIGPIPE ignored: EPIPE, exit 0
 *   linux-raw-fs-probe block-read|block-write|block-poll
 *                                      blocks for good on its own pipe (a read
 *                                      of an empty one, a write to a full one,
 *                                      a poll): only a kill ends it
 *   linux-raw-fs-probe exec-cloexec    opens descriptors with and without
 *                                      O_CLOEXEC and FD_CLOEXEC, then execve()s
 *                                      itself ("after-exec A B C"), which finds
 *                                      only the ones without open */

typedef unsigned long size_t;
typedef long ssize_t;

enum {
    SYS_read = 0,
    SYS_write = 1,
    SYS_open = 2,
    SYS_close = 3,
    SYS_stat = 4,
    SYS_fstat = 5,
    SYS_lstat = 6,
    SYS_poll = 7,
    SYS_lseek = 8,
    SYS_rt_sigaction = 13,
    SYS_ioctl = 16,
    SYS_pread64 = 17,
    SYS_readv = 19,
    SYS_writev = 20,
    SYS_access = 21,
    SYS_select = 23,
    SYS_dup = 32,
    SYS_execve = 59,
    SYS_dup2 = 33,
    SYS_exit = 60,
    SYS_fcntl = 72,
    SYS_getcwd = 79,
    SYS_chdir = 80,
    SYS_fchdir = 81,
    SYS_readlink = 89,
    SYS_unlink = 87,
    SYS_getdents64 = 217,
    SYS_exit_group = 231,
    SYS_openat = 257,
    SYS_newfstatat = 262,
    SYS_readlinkat = 267,
    SYS_faccessat = 269,
    SYS_setrlimit = 160,
    SYS_dup3 = 292,
    SYS_pipe2 = 293,
    SYS_close_range = 436,
};

#define EBADF 9
#define EAGAIN 11
#define EFAULT 14
#define ENOTDIR 20
#define EISDIR 21
#define EINVAL 22
#define EMFILE 24
#define ENOTTY 25
#define ENOSPC 28
#define ESPIPE 29
#define EROFS 30
#define ETXTBSY 26
#define EEXIST 17
#define EPIPE 32
#define ENOENT 2

#define O_RDONLY 0
#define O_WRONLY 1
#define O_RDWR 2
#define O_CREAT 0100
#define O_EXCL 0200
#define O_NONBLOCK 04000
#define O_DIRECTORY 0200000
#define O_CLOEXEC 02000000
#define O_LARGEFILE 0100000
#define AT_FDCWD -100
#define AT_EMPTY_PATH 0x1000
#define F_DUPFD_CLOEXEC 1030
#define F_GETFD 1
#define F_GETFL 3
#define F_SETFL 4
#define POLLIN 1
#define POLLOUT 4
#define POLLHUP 0x10
#define TCGETS 0x5401
#define TIOCGWINSZ 0x5413
#define FIONREAD 0x541b
#define S_IFMT 0170000
#define S_IFREG 0100000
#define S_IFDIR 0040000
#define S_IFCHR 0020000
#define S_IFIFO 0010000
#define DT_CHR 2
#define SIGPIPE 13
#define SIG_IGN 1
#define SA_RESTORER 0x04000000

static long sc(long n, long a, long b, long c, long d, long e, long f) {
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
#define S0(n) sc(n, 0, 0, 0, 0, 0, 0)
#define S1(n, a) sc(n, (long)(a), 0, 0, 0, 0, 0)
#define S2(n, a, b) sc(n, (long)(a), (long)(b), 0, 0, 0, 0)
#define S3(n, a, b, c) sc(n, (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define S4(n, a, b, c, d) sc(n, (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)
#define S5(n, a, b, c, d, e) sc(n, (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), 0)

/* What gcc may call on its own. */
void* memset(void* d, int v, size_t n) {
    unsigned char* p = d;
    while (n--) *p++ = (unsigned char)v;
    return d;
}
void* memcpy(void* d, const void* s, size_t n) {
    unsigned char* p = d;
    const unsigned char* q = s;
    while (n--) *p++ = *q++;
    return d;
}
static size_t len(const char* s) {
    size_t n = 0;
    while (s[n]) ++n;
    return n;
}
static int same(const void* a, const void* b, size_t n) {
    const unsigned char *p = a, *q = b;
    for (size_t i = 0; i < n; ++i)
        if (p[i] != q[i]) return 0;
    return 1;
}
static int streq(const char* a, const char* b) {
    return len(a) == len(b) && same(a, b, len(a));
}

static void say(const char* s) {
    S3(SYS_write, 2, s, len(s));
}
static void say_num(long v) {
    char buf[24];
    int i = 23;
    int neg = v < 0;
    unsigned long u = neg ? (unsigned long)-v : (unsigned long)v;
    buf[i] = 0;
    do buf[--i] = (char)('0' + u % 10), u /= 10;
    while (u);
    if (neg) buf[--i] = '-';
    say(buf + i);
}

static int g_step;
/* Fails check number `g_step` with what it got. */
#define EXPECT(cond, got)                                    \
    do {                                                     \
        ++g_step;                                            \
        if (!(cond)) {                                       \
            say("# linux-raw-fs-probe: check ");             \
            say_num(g_step);                                 \
            say(" failed at line ");                         \
            say_num(__LINE__);                               \
            say(": " #cond ", got ");                        \
            say_num((long)(got));                            \
            say("\n");                                       \
            S1(SYS_exit_group, g_step > 250 ? 250 : g_step); \
        }                                                    \
    } while (0)

struct stat {
    unsigned long dev, ino, nlink;
    unsigned int mode, uid, gid, pad0;
    unsigned long rdev;
    long size, blksize, blocks;
    unsigned long times[6];
    long unused[3];
};
struct pollfd {
    int fd;
    short events, revents;
};
struct iovec {
    const void* base;
    size_t len;
};
struct termios {
    unsigned int iflag, oflag, cflag, lflag;
    unsigned char line, cc[19];
};
struct winsize {
    unsigned short rows, cols, x, y;
};
struct kernel_sigaction {
    unsigned long handler, flags, restorer, mask;
};

static char g_buf[70000];

static void check_pipes(void) {
    int p[2] = {-1, -1};
    long r = S2(SYS_pipe2, p, O_CLOEXEC);
    EXPECT(r == 0 && p[0] >= 3 && p[1] > p[0], r);
    EXPECT(S2(SYS_fcntl, p[0], F_GETFD) == 1, S2(SYS_fcntl, p[0], F_GETFD));
    EXPECT(S2(SYS_fcntl, p[0], F_GETFL) == O_RDONLY, S2(SYS_fcntl, p[0], F_GETFL));
    EXPECT(S2(SYS_fcntl, p[1], F_GETFL) == O_WRONLY, S2(SYS_fcntl, p[1], F_GETFL));
    EXPECT(S2(SYS_pipe2, p, 0x40) == -EINVAL, 0); /* O_CREAT is no pipe flag */
    EXPECT(S3(SYS_write, p[1], "hello", 5) == 5, 0);
    int avail = -1;
    EXPECT(S3(SYS_ioctl, p[0], FIONREAD, &avail) == 0 && avail == 5, avail);
    struct pollfd pf = {p[0], POLLIN, 0};
    r = S3(SYS_poll, &pf, 1, 1000);
    EXPECT(r == 1 && pf.revents == POLLIN, pf.revents);
    char buf[100];
    r = S3(SYS_read, p[0], buf, sizeof buf);
    EXPECT(r == 5 && same(buf, "hello", 5), r);
    /* Empty: a nonblocking read says EAGAIN, poll times out. */
    EXPECT(S3(SYS_fcntl, p[0], F_SETFL, O_NONBLOCK) == 0, 0);
    EXPECT(S2(SYS_fcntl, p[0], F_GETFL) == (O_RDONLY | O_NONBLOCK), 0);
    EXPECT(S3(SYS_read, p[0], buf, 1) == -EAGAIN, 0);
    pf.revents = 0;
    EXPECT(S3(SYS_poll, &pf, 1, 10) == 0, pf.revents);
    /* A stream: no seeking, no positional I/O, no terminal. */
    EXPECT(S3(SYS_lseek, p[0], 0, 1) == -ESPIPE, 0);
    EXPECT(S4(SYS_pread64, p[0], buf, 1, 0) == -ESPIPE, 0);
    struct termios t;
    EXPECT(S3(SYS_ioctl, p[0], TCGETS, &t) == -ENOTTY, 0);
    struct stat st;
    EXPECT(S2(SYS_fstat, p[0], &st) == 0 && (st.mode & S_IFMT) == S_IFIFO, st.mode);
    /* 64 KiB fill it; then the writer gets EAGAIN and poll says not writable. */
    EXPECT(S3(SYS_fcntl, p[1], F_SETFL, O_NONBLOCK) == 0, 0);
    r = S3(SYS_write, p[1], g_buf, 70000);
    EXPECT(r == 65536, r);
    EXPECT(S3(SYS_write, p[1], g_buf, 1) == -EAGAIN, 0);
    struct pollfd wf = {p[1], POLLOUT, 0};
    EXPECT(S3(SYS_poll, &wf, 1, 0) == 0, wf.revents);
    EXPECT(S3(SYS_read, p[0], g_buf, 4096) == 4096, 0);
    EXPECT(S3(SYS_poll, &wf, 1, 0) == 1 && wf.revents == POLLOUT, wf.revents);
    /* A write of PIPE_BUF bytes or less goes in whole or not at all. */
    EXPECT(S3(SYS_write, p[1], g_buf, 4097) == 4096, 0);
    EXPECT(S3(SYS_write, p[1], g_buf, 10) == -EAGAIN, 0);
    EXPECT(S3(SYS_read, p[0], g_buf, 70000) == 65536, 0);
    /* writev and readv: one run of bytes. */
    struct iovec out[3] = {{"ab", 2}, {"", 0}, {"cdef", 4}};
    EXPECT(S3(SYS_writev, p[1], out, 3) == 6, 0);
    char x[3], y[3];
    struct iovec in[2] = {{x, 3}, {y, 3}};
    r = S3(SYS_readv, p[0], in, 2);
    EXPECT(r == 6 && same(x, "abc", 3) && same(y, "def", 3), r);
    EXPECT(S3(SYS_writev, p[1], out, 1025) == -EINVAL, 0);
    struct iovec bad[1] = {{(void*)0xffff800000000000ul, 8}};
    EXPECT(S3(SYS_writev, p[1], bad, 1) == -EFAULT, 0);
    /* Each range is checked as given, before the total is cut to
     * MAX_RW_COUNT: a length of SSIZE_MAX runs past user space (EFAULT),
     * however low the buffer (the read would block otherwise). */
    struct iovec huge[2] = {{x, 0x7ffffffffffffffful}, {y, 0x7ffffffffffffffful}};
    EXPECT(S3(SYS_readv, p[0], huge, 2) == -EFAULT, 0);
    struct iovec negative[2] = {{x, 1}, {y, 0x8000000000000000ul}};
    EXPECT(S3(SYS_readv, p[0], negative, 2) == -EINVAL, 0);
    /* select sees the read end readable once there is a byte. */
    S3(SYS_write, p[1], "z", 1);
    unsigned long rset[16] = {0};
    rset[p[0] / 64] |= 1ul << (p[0] % 64);
    struct {
        long sec, usec;
    } tv = {1, 0};
    r = sc(SYS_select, p[0] + 1, (long)rset, 0, 0, (long)&tv, 0);
    EXPECT(r == 1 && (rset[p[0] / 64] >> (p[0] % 64) & 1), r);
    S3(SYS_read, p[0], buf, 1);
    /* dup family. */
    long d = S1(SYS_dup, p[1]);
    EXPECT(d > p[1], d);
    EXPECT(S2(SYS_dup2, p[1], 100) == 100, 0);
    EXPECT(S2(SYS_dup2, 100, 100) == 100, 0);
    EXPECT(S3(SYS_dup3, 100, 100, 0) == -EINVAL, 0);
    EXPECT(S3(SYS_dup3, 100, 101, 0x40) == -EINVAL, 0);
    EXPECT(S2(SYS_dup2, 500, 501) == -EBADF, 0);
    EXPECT(S2(SYS_dup2, p[1], 1024) == -EBADF, 0);
    EXPECT(S3(SYS_fcntl, 100, F_DUPFD_CLOEXEC, 200) == 200, 0);
    EXPECT(S2(SYS_fcntl, 200, F_GETFD) == 1, 0);
    EXPECT(S3(SYS_fcntl, 100, F_DUPFD_CLOEXEC, 1024) == -EINVAL, 0);
    /* The status flags live in the description: the dups see O_NONBLOCK. */
    EXPECT(S2(SYS_fcntl, 200, F_GETFL) == (O_WRONLY | O_NONBLOCK), 0);
    /* All write ends closed: the reader gets end of file and POLLHUP. */
    S1(SYS_close, 200);
    S1(SYS_close, 100);
    S1(SYS_close, d);
    EXPECT(S1(SYS_close, p[1]) == 0, 0);
    EXPECT(S1(SYS_close, p[1]) == -EBADF, 0);
    EXPECT(S3(SYS_fcntl, p[0], F_SETFL, 0) == 0, 0);
    EXPECT(S3(SYS_read, p[0], buf, 1) == 0, 0);
    pf.revents = 0;
    EXPECT(S3(SYS_poll, &pf, 1, 0) == 1 && (pf.revents & POLLHUP), pf.revents);
    S1(SYS_close, p[0]);
    EXPECT(S2(SYS_pipe2, (void*)0xffff800000000000ul, 0) == -EFAULT, 0);
}

static void check_files(const char* self) {
    int fd = (int)S3(SYS_openat, AT_FDCWD, self, O_RDONLY | O_CLOEXEC);
    EXPECT(fd >= 3, fd);
    char buf[8];
    EXPECT(S3(SYS_read, fd, buf, 4) == 4 && same(buf, "\177ELF", 4), 0);
    struct stat st;
    EXPECT(S2(SYS_fstat, fd, &st) == 0 && (st.mode & S_IFMT) == S_IFREG, st.mode);
    EXPECT((st.mode & 0111) != 0 && st.blksize == 4096 && st.size > 4, st.mode);
    EXPECT(S3(SYS_lseek, fd, 0, 2) == st.size, 0);
    EXPECT(S3(SYS_lseek, fd, -1, 0) == -EINVAL, 0);
    EXPECT(S4(SYS_pread64, fd, buf, 3, 1) == 3 && same(buf, "ELF", 3), 0);
    EXPECT(S2(SYS_fcntl, fd, F_GETFL) == (O_RDONLY | O_LARGEFILE), 0);
    struct stat st2;
    EXPECT(
        sc(SYS_newfstatat, fd, (long)"", (long)&st2, AT_EMPTY_PATH, 0, 0) == 0 && st2.ino == st.ino,
        0);
    EXPECT(S3(SYS_write, fd, "x", 1) == -EBADF, 0);
    S1(SYS_close, fd);
    /* /proc/self/exe is this program. */
    char link[128];
    long n = S3(SYS_readlink, "/proc/self/exe", link, sizeof link);
    EXPECT(n == (long)len(self) && same(link, self, n), n);
    EXPECT(S3(SYS_readlink, self, link, sizeof link) == -EINVAL, 0);
    /* The tree is writable, but not a running program (ETXTBSY). */
    long w = S2(SYS_open, "/bin/true", O_WRONLY);
    EXPECT(w >= 0, w);
    S1(SYS_close, w);
    EXPECT(S2(SYS_open, self, O_WRONLY) == -ETXTBSY, 0);
    long made = S3(SYS_open, "/tmp/new-file", O_WRONLY | O_CREAT | O_EXCL, 0644);
    EXPECT(made >= 0, made);
    EXPECT(S3(SYS_write, made, "new", 3) == 3, 0);
    S1(SYS_close, made);
    EXPECT(S3(SYS_open, "/tmp/new-file", O_WRONLY | O_CREAT | O_EXCL, 0644) == -EEXIST, 0);
    EXPECT(S1(SYS_unlink, "/tmp/new-file") == 0, 0);
    EXPECT(S2(SYS_open, "/bin", O_RDWR) == -EISDIR, 0);
    EXPECT(S2(SYS_open, "/bin/true", O_DIRECTORY) == -ENOTDIR, 0);
    EXPECT(S2(SYS_open, "/no/such", O_RDONLY) == -ENOENT, 0);
    EXPECT(S2(SYS_open, (void*)0xffff800000000000ul, O_RDONLY) == -EFAULT, 0);
    EXPECT(S2(SYS_access, "/bin/true", 1) == 0, 0);
    EXPECT(S2(SYS_access, "/bin/true", 2) == 0, 0);
    EXPECT(S2(SYS_access, "/dev/null", 2) == 0, 0);
    EXPECT(S2(SYS_stat, "/dev/null", &st) == 0 && (st.mode & S_IFMT) == S_IFCHR &&
               st.rdev == ((1 << 8) | 3),
           st.rdev);
    EXPECT(S2(SYS_stat, "/", &st) == 0 && (st.mode & S_IFMT) == S_IFDIR, st.mode);
    EXPECT(S2(SYS_lstat, "/proc/self/exe", &st) == 0 && (st.mode & S_IFMT) == 0120000, 0);
    /* Devices. */
    int z = (int)S2(SYS_open, "/dev/zero", O_RDONLY);
    memset(buf, 'x', sizeof buf);
    EXPECT(S3(SYS_read, z, buf, 8) == 8 && same(buf, "\0\0\0\0\0\0\0\0", 8), 0);
    S1(SYS_close, z);
    int full = (int)S2(SYS_open, "/dev/full", O_WRONLY);
    EXPECT(S3(SYS_write, full, "x", 1) == -ENOSPC, 0);
    S1(SYS_close, full);
    int rnd = (int)S2(SYS_open, "/dev/urandom", O_RDONLY);
    unsigned long words[4] = {0};
    EXPECT(S3(SYS_read, rnd, words, sizeof words) == sizeof words, 0);
    EXPECT((words[0] | words[1] | words[2] | words[3]) != 0, 0);
    S1(SYS_close, rnd);
}

static void check_directories(void) {
    int dir = (int)S2(SYS_open, "/dev", O_RDONLY | O_DIRECTORY);
    EXPECT(dir >= 3, dir);
    static char ents[4096];
    long n = S3(SYS_getdents64, dir, ents, sizeof ents);
    EXPECT(n > 0, n);
    int seen_dot = 0, seen_null = 0, seen_console = 0;
    for (long at = 0; at < n;) {
        unsigned short reclen = *(unsigned short*)(ents + at + 16);
        unsigned char type = *(unsigned char*)(ents + at + 18);
        const char* name = ents + at + 19;
        if (streq(name, "..")) seen_dot = 1;
        if (streq(name, "null") && type == DT_CHR) seen_null = 1;
        if (streq(name, "console")) seen_console = 1;
        EXPECT(reclen % 8 == 0 && reclen >= 24, reclen);
        at += reclen;
    }
    EXPECT(seen_dot && seen_null && seen_console, seen_dot * 100 + seen_null * 10 + seen_console);
    EXPECT(S3(SYS_getdents64, dir, ents, sizeof ents) == 0, 0);
    EXPECT(S3(SYS_getdents64, dir, ents, 8) == 0, 0); /* at the end: nothing to fit */
    EXPECT(S3(SYS_lseek, dir, 0, 0) == 0, 0);
    EXPECT(S3(SYS_getdents64, dir, ents, 8) == -EINVAL, 0);
    EXPECT(S3(SYS_read, dir, ents, 8) == -EISDIR, 0);
    /* Working directory: chdir, relative paths, getcwd, fchdir. */
    char cwd[64];
    EXPECT(S1(SYS_chdir, "/bin") == 0, 0);
    EXPECT(S2(SYS_getcwd, cwd, sizeof cwd) == 5 && streq(cwd, "/bin"), 0);
    EXPECT(S2(SYS_getcwd, cwd, 4) == -34, 0); /* ERANGE */
    long t = S2(SYS_open, "true", O_RDONLY);
    EXPECT(t >= 3, t);
    S1(SYS_close, t);
    EXPECT(S2(SYS_open, "../bin/./true", O_RDONLY) >= 3, 0);
    EXPECT(S1(SYS_chdir, "/bin/true") == -ENOTDIR, 0);
    EXPECT(S1(SYS_fchdir, dir) == 0, 0);
    EXPECT(S2(SYS_getcwd, cwd, sizeof cwd) == 5 && streq(cwd, "/dev"), 0);
    /* openat from a directory descriptor. */
    long nul = sc(SYS_openat, dir, (long)"null", O_WRONLY, 0, 0, 0);
    EXPECT(nul >= 3, nul);
    EXPECT(S3(SYS_write, nul, "gone", 4) == 4, 0);
    EXPECT(sc(SYS_openat, nul, (long)"x", O_RDONLY, 0, 0, 0) == -ENOTDIR, 0);
    EXPECT(sc(SYS_faccessat, dir, (long)"null", 6, 0, 0, 0) == 0, 0);
    EXPECT(S1(SYS_chdir, "/") == 0, 0);
}

static void check_console(void) {
    struct termios t;
    EXPECT(S3(SYS_ioctl, 1, TCGETS, &t) == 0 && (t.lflag & 2), t.lflag); /* ICANON */
    struct winsize w;
    EXPECT(S3(SYS_ioctl, 1, TIOCGWINSZ, &w) == 0 && w.rows == 24 && w.cols == 80, w.cols);
    struct stat st;
    EXPECT(S2(SYS_fstat, 1, &st) == 0 && (st.mode & S_IFMT) == S_IFCHR, st.mode);
    EXPECT(S3(SYS_read, 1, &st, 1) == -EBADF, 0); /* fd 1 is for writing */
}

static void check_limits(void) {
    /* RLIMIT_NOFILE is 1024: dups run out at EMFILE; close_range frees them. */
    long last = 0, r;
    while ((r = S1(SYS_dup, 1)) >= 0) last = r;
    EXPECT(r == -EMFILE && last == 1023, last);
    EXPECT(S3(SYS_close_range, 3, ~0u, 0) == 0, 0);
    EXPECT(S1(SYS_dup, 1) == 3, 0);
    EXPECT(S3(SYS_close_range, 5, 4, 0) == -EINVAL, 0);
    /* A raised RLIMIT_NOFILE (up to the hard 4096) makes room; a lowered
     * one refuses new descriptors above it. */
    unsigned long raised[2] = {2048, 4096};
    EXPECT(S2(SYS_setrlimit, 7, raised) == 0, 0);
    EXPECT(S2(SYS_dup2, 1, 2047) == 2047, 0);
    EXPECT(S2(SYS_dup2, 1, 2048) == -EBADF, 0);
    EXPECT(S3(SYS_fcntl, 1, F_DUPFD_CLOEXEC, 1500) == 1500, 0);
    unsigned long lowered[2] = {10, 4096};
    EXPECT(S2(SYS_setrlimit, 7, lowered) == 0, 0);
    EXPECT(S3(SYS_fcntl, 1, F_DUPFD_CLOEXEC, 10) == -EINVAL, 0);
    EXPECT(S3(SYS_fcntl, 1, F_DUPFD_CLOEXEC, 5) == 5, 0);
    EXPECT(S3(SYS_close_range, 3, ~0u, 0) == 0, 0);
}

static int sigpipe_mode(int ignore) {
    if (ignore) {
        struct kernel_sigaction sa = {SIG_IGN, SA_RESTORER, 0, 0};
        if (S4(SYS_rt_sigaction, SIGPIPE, &sa, 0, 8) != 0) return 4;
    }
    int p[2];
    if (S2(SYS_pipe2, p, 0) != 0) return 5;
    S1(SYS_close, p[0]);
    long r = S3(SYS_write, p[1], "x", 1);
    if (ignore) return r == -EPIPE ? 0 : 6;
    say("# linux-raw-fs-probe: a write without readers returned\n");
    return 3;
}

/* argv[2] is a descriptor a NyanOS parent opened on /bin/true and read 4
 * bytes from: it must continue at byte 4, and fds 0-2 must be the console's. */
static int inherited_mode(const char* number) {
    int fd = 0;
    for (const char* c = number; *c; ++c) fd = fd * 10 + (*c - '0');
    char mine[8], got[4];
    int own = (int)S2(SYS_open, "/bin/true", O_RDONLY);
    if (own < 0 || S3(SYS_read, own, mine, 8) != 8) return 10;
    long r = S3(SYS_read, fd, got, 4);
    EXPECT(r == 4 && same(got, mine + 4, 4), r);
    struct termios t;
    EXPECT(S3(SYS_ioctl, 0, TCGETS, &t) == 0, 0);
    EXPECT(S3(SYS_write, 1, "", 0) == 0 && S3(SYS_write, 2, "", 0) == 0, 0);
    return 0;
}

static int parse_fd(const char* s) {
    int fd = 0;
    for (; *s; ++s) fd = fd * 10 + (*s - '0');
    return fd;
}

static void put_fd(char* out, int fd) {
    char tmp[8];
    int n = 0;
    do tmp[n++] = (char)('0' + fd % 10), fd /= 10;
    while (fd);
    while (n) *out++ = tmp[--n];
    *out = 0;
}

/* execve keeps descriptors without FD_CLOEXEC and closes the others at its
 * commit (the FD_CLOEXEC flag set by open, by fcntl, and by F_DUPFD_CLOEXEC). */
static int exec_cloexec_mode(const char* self) {
    int kept = (int)S2(SYS_open, "/bin/true", O_RDONLY);
    int by_open = (int)S2(SYS_open, "/bin/true", O_RDONLY | O_CLOEXEC);
    int by_fcntl = (int)S1(SYS_dup, kept);
    if (kept < 0 || by_open < 0 || by_fcntl < 0) return 20;
    if (S3(SYS_fcntl, by_fcntl, 2 /* F_SETFD */, 1) != 0) return 21;
    int by_dupfd = (int)S3(SYS_fcntl, kept, F_DUPFD_CLOEXEC, 50);
    if (by_dupfd != 50) return 22;
    static char a[8], b[8], c[8], d[8];
    put_fd(a, kept), put_fd(b, by_open), put_fd(c, by_fcntl), put_fd(d, by_dupfd);
    char* argv[] = {(char*)self, (char*)"after-exec", a, b, c, d, 0};
    char* envp[] = {0};
    long r = S3(SYS_execve, self, argv, envp);
    say("# linux-raw-fs-probe: execve failed: ");
    say_num(r);
    say("\n");
    return 23;
}

static int after_exec_mode(char** argv) {
    int kept = parse_fd(argv[2]);
    EXPECT(S2(SYS_fcntl, kept, F_GETFD) == 0, S2(SYS_fcntl, kept, F_GETFD));
    for (int i = 3; i <= 5; ++i) {
        int fd = parse_fd(argv[i]);
        EXPECT(S2(SYS_fcntl, fd, F_GETFD) == -EBADF, fd);
    }
    char buf[4];
    EXPECT(S3(SYS_read, kept, buf, 4) == 4 && same(buf, "\177ELF", 4), 0);
    return 0;
}

static int block_mode(const char* how) {
    int p[2];
    if (S2(SYS_pipe2, p, 0) != 0) return 30;
    char c;
    if (streq(how, "block-read")) S3(SYS_read, p[0], &c, 1);
    if (streq(how, "block-write")) {
        for (;;) S3(SYS_write, p[1], g_buf, sizeof g_buf);
    }
    if (streq(how, "block-poll")) {
        struct pollfd pf[2] = {{p[0], POLLIN, 0}, {0, 0, 0}};
        S3(SYS_poll, pf, 1, -1);
    }
    say("# linux-raw-fs-probe: a blocking call returned\n");
    return 31;
}

int probe_main(long argc, char** argv) {
    if (argc >= 2 && streq(argv[1], "sigpipe")) return sigpipe_mode(0);
    if (argc >= 2 && streq(argv[1], "sigpipe-ignored")) return sigpipe_mode(1);
    if (argc >= 3 && streq(argv[1], "inherited")) return inherited_mode(argv[2]);
    if (argc >= 2 && len(argv[1]) > 6 && same(argv[1], "block-", 6)) return block_mode(argv[1]);
    const char* self = "/bin/linux-raw-fs-probe";
    if (argc >= 2 && streq(argv[1], "exec-cloexec")) return exec_cloexec_mode(self);
    if (argc >= 6 && streq(argv[1], "after-exec")) return after_exec_mode(argv);
    check_console();
    check_pipes();
    check_files(self);
    check_directories();
    check_limits();
    say("linux-raw-fs-probe: ");
    say_num(g_step);
    say(" checks passed\n");
    return 0;
}

__asm__(
    ".globl _start\n"
    "_start:\n"
    "  mov (%rsp), %rdi\n"  /* argc */
    "  lea 8(%rsp), %rsi\n" /* argv */
    "  and $-16, %rsp\n"
    "  call probe_main\n"
    "  mov %eax, %edi\n"
    "  mov $231, %eax\n" /* exit_group */
    "  syscall\n"
    "  hlt\n");
