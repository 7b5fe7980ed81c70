/* File descriptors: dup family, fcntl, bad descriptors, vectored and
 * positioned I/O, device files, directories, stat, the working directory,
 * access, readlink. */
#include "suite.h"

#include <sys/statfs.h>

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <termios.h>

/* The lowest descriptor not open (checked by F_GETFD). */
static int lowest_free(void) {
    int fd = 0;
    while (fcntl(fd, F_GETFD) >= 0) ++fd;
    return fd;
}

static int fd_dup_family(void) {
    int p[2];
    CHECK_OK(pipe(p));
    int low = lowest_free();
    /* dup(2): "uses the lowest-numbered unused file descriptor". */
    CHECK_EQ(dup(p[0]), low);
    CHECK_EQ(fcntl(low, F_GETFD), 0);
    /* "If oldfd is a valid file descriptor, and newfd has the same value
     * as oldfd, then dup2() does nothing, and returns newfd." */
    CHECK_EQ(syscall(SYS_dup2, p[1], p[1]), p[1]);
    /* dup3: "If oldfd equals newfd, then dup3() fails with the error
     * EINVAL"; so do flags other than O_CLOEXEC. (Raw calls: musl's dup3
     * checks the first itself and maps flags 0 to dup2.) */
    CHECK_ERR(syscall(SYS_dup3, p[1], p[1], 0), EINVAL);
    CHECK_ERR(syscall(SYS_dup3, p[1], p[1], O_CLOEXEC), EINVAL);
    CHECK_ERR(syscall(SYS_dup3, p[0], 50, O_NONBLOCK), EINVAL);
    /* dup2 onto an open descriptor closes it first, silently. */
    CHECK_EQ(dup2(p[1], low), low);
    CHECK_EQ(write(low, "d", 1), 1);
    char c;
    CHECK_EQ(read(p[0], &c, 1), 1);
    /* dup3 with O_CLOEXEC sets the flag on the new descriptor only. */
    CHECK_EQ(syscall(SYS_dup3, p[0], 40, O_CLOEXEC), 40);
    CHECK_EQ(fcntl(40, F_GETFD), FD_CLOEXEC);
    CHECK_EQ(fcntl(p[0], F_GETFD), 0);
    /* A duplicate shares the open file description: file status flags. */
    CHECK_OK(fcntl(40, F_SETFL, O_NONBLOCK));
    CHECK(fcntl(p[0], F_GETFL) & O_NONBLOCK);
    /* Bad descriptors. */
    CHECK_ERR(dup(-1), EBADF);
    CHECK_ERR(dup(1000), EBADF);
    CHECK_ERR(syscall(SYS_dup2, 1000, 41), EBADF);
    CHECK_ERR(syscall(SYS_dup2, 1000, 1000), EBADF); /* same value, but not open */
    CHECK_ERR(syscall(SYS_dup2, p[0], -1), EBADF);
    struct rlimit rl;
    CHECK_OK(getrlimit(RLIMIT_NOFILE, &rl));
    CHECK_ERR(syscall(SYS_dup2, p[0], (int)rl.rlim_cur), EBADF);
    return CASE_PASS;
}

static int fd_fcntl(void) {
    int p[2];
    CHECK_OK(pipe(p));
    /* F_DUPFD: "the lowest-numbered available file descriptor greater than
     * or equal to arg"; F_DUPFD_CLOEXEC also sets FD_CLOEXEC. */
    CHECK_EQ(fcntl(p[0], F_DUPFD, 10), 10);
    CHECK_EQ(fcntl(p[0], F_DUPFD, 10), 11);
    CHECK_EQ(fcntl(10, F_GETFD), 0);
    CHECK_EQ(fcntl(p[0], F_DUPFD_CLOEXEC, 10), 12);
    CHECK_EQ(fcntl(12, F_GETFD), FD_CLOEXEC);
    close(10);
    CHECK_EQ(fcntl(p[0], F_DUPFD, 10), 10);
    struct rlimit rl;
    CHECK_OK(getrlimit(RLIMIT_NOFILE, &rl));
    /* fcntl(2) EINVAL: "cmd is F_DUPFD and arg is negative or is greater
     * than the maximum allowable value". */
    CHECK_ERR(fcntl(p[0], F_DUPFD, (int)rl.rlim_cur), EINVAL);
    CHECK_ERR(fcntl(p[0], F_DUPFD, -1), EINVAL);
    /* F_SETFD/F_GETFD. */
    CHECK_OK(fcntl(p[1], F_SETFD, FD_CLOEXEC));
    CHECK_EQ(fcntl(p[1], F_GETFD), FD_CLOEXEC);
    CHECK_OK(fcntl(p[1], F_SETFD, 0));
    CHECK_EQ(fcntl(p[1], F_GETFD), 0);
    /* F_GETFL: the access mode of each end; F_SETFL changes O_NONBLOCK
     * (and O_APPEND & co) but ignores the access mode bits. */
    CHECK_EQ(fcntl(p[0], F_GETFL) & O_ACCMODE, O_RDONLY);
    CHECK_EQ(fcntl(p[1], F_GETFL) & O_ACCMODE, O_WRONLY);
    CHECK_OK(fcntl(p[0], F_SETFL, O_NONBLOCK | O_RDWR));
    CHECK_EQ(fcntl(p[0], F_GETFL), O_RDONLY | O_NONBLOCK);
    char c;
    CHECK_ERR(read(p[0], &c, 1), EAGAIN);
    CHECK_OK(fcntl(p[0], F_SETFL, 0));
    CHECK_EQ(fcntl(p[0], F_GETFL), O_RDONLY);
    /* Bad descriptor, unknown command. */
    CHECK_ERR(fcntl(-1, F_GETFD), EBADF);
    CHECK_ERR(fcntl(999, F_GETFL), EBADF);
    CHECK_ERR(fcntl(p[0], 0x7fff), EINVAL);
    return CASE_PASS;
}

static int fd_ebadf(void) {
    char buf[4] = "abc";
    CHECK_ERR(close(-1), EBADF);
    CHECK_ERR(close(1000), EBADF);
    CHECK_ERR(read(1000, buf, 1), EBADF);
    CHECK_ERR(write(1000, buf, 1), EBADF);
    CHECK_ERR(read(-5, buf, 1), EBADF);
    int p[2];
    CHECK_OK(pipe(p));
    /* read(2) EBADF: "fd is not a valid file descriptor or is not open for
     * reading"; likewise write(2). */
    CHECK_ERR(read(p[1], buf, 1), EBADF);
    CHECK_ERR(write(p[0], buf, 1), EBADF);
    CHECK_OK(close(p[0]));
    CHECK_ERR(close(p[0]), EBADF);
    CHECK_ERR(read(p[0], buf, 1), EBADF);
    struct stat st;
    CHECK_ERR(fstat(p[0], &st), EBADF);
    return CASE_PASS;
}

static int fd_readv_writev(void) {
    int p[2];
    CHECK_OK(pipe(p));
    struct iovec out[3] = {{(void*)"abc", 3}, {(void*)"", 0}, {(void*)"defgh", 5}};
    CHECK_EQ(writev(p[1], out, 3), 8);
    char a[2], b[10];
    struct iovec in[2] = {{a, 2}, {b, 10}};
    CHECK_EQ(readv(p[0], in, 2), 8);
    CHECK(memcmp(a, "ab", 2) == 0 && memcmp(b, "cdefgh", 6) == 0);
    /* readv(2) EINVAL: "The vector count, iovcnt, is less than zero or
     * greater than the permitted maximum" (IOV_MAX, 1024). */
    CHECK_ERR(writev(p[1], out, -1), EINVAL);
    CHECK_ERR(writev(p[1], out, 1025), EINVAL);
    /* The man page gives EINVAL when "the sum of the iov_len values
     * overflows an ssize_t value", but Linux checks each element's range
     * first (lib/iov_iter.c, __import_iovec: access_ok): a base plus a
     * length past the end of user space is EFAULT. */
    struct iovec huge[2] = {{a, SSIZE_MAX}, {b, SSIZE_MAX}};
    CHECK_ERR(readv(p[0], huge, 2), EFAULT);
    /* iovcnt 0 transfers nothing. */
    CHECK_EQ(writev(p[1], out, 0), 0);
    return CASE_PASS;
}

static int fd_pread_pipe_espipe(void) {
    int p[2];
    CHECK_OK(pipe(p));
    CHECK_EQ(write(p[1], "abc", 3), 3);
    char c;
    /* pread(2) ESPIPE: "fd is associated with a pipe". The data stays. */
    CHECK_ERR(pread(p[0], &c, 1, 0), ESPIPE);
    CHECK_ERR(syscall(SYS_pread64, p[0], &c, 1, 0), ESPIPE);
    CHECK_ERR(pwrite(p[1], "x", 1, 0), ESPIPE);
    CHECK_EQ(read(p[0], &c, 1), 1);
    CHECK_EQ(c, 'a');
    /* pread on a regular file reads there without moving the offset. */
    int fd = open(g_self, O_RDONLY);
    CHECK_OK(fd);
    char magic[4];
    CHECK_EQ(lseek(fd, 10, SEEK_SET), 10);
    CHECK_EQ(pread(fd, magic, 4, 0), 4);
    CHECK(memcmp(magic, "\177ELF", 4) == 0);
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), 10);
    /* pread(2) EINVAL: "offset is negative". */
    CHECK_ERR(pread(fd, magic, 4, -1), EINVAL);
    return CASE_PASS;
}

static int fd_ioctl_enotty(void) {
    int p[2];
    CHECK_OK(pipe(p));
    struct termios t;
    /* ioctl(2) ENOTTY: "The specified request does not apply to the kind
     * of object that the file descriptor fd references." */
    CHECK_ERR(ioctl(p[0], TCGETS, &t), ENOTTY);
    CHECK_EQ(isatty(p[1]), 0);
    CHECK_EQ(errno, ENOTTY);
    CHECK_ERR(ioctl(1000, TCGETS, &t), EBADF);
    return CASE_PASS;
}

/* TIOCSCTTY through a descriptor not open for reading: tty_ioctl(4) and
 * Linux's tiocsctty refuse it (EPERM) to a caller without CAP_SYS_ADMIN,
 * so a write-only descriptor cannot give a session its input; the same
 * terminal opened for reading is taken. The descriptors are opened while
 * privileged (the device's mode may keep others out), then privilege is
 * dropped. */
static int fd_tiocsctty_needs_read(void) {
    if (getuid() != 0) return skip("needs root to open the terminal, then drop privilege");
    pid_t child = fork();
    CHECK_OK(child);
    if (child == 0) {
        if (setsid() < 0) _exit(10);
        int w = open("/dev/ttyS0", O_WRONLY | O_NOCTTY);
        int r = open("/dev/ttyS0", O_RDONLY | O_NOCTTY | O_NONBLOCK);
        if (w < 0 || r < 0) _exit(11);
        if (setuid(65534) != 0) _exit(12);
        if (ioctl(w, TIOCSCTTY, 0) != -1 || errno != EPERM) _exit(13);
        if (ioctl(r, TIOCSCTTY, 0) != 0) _exit(errno == EPERM ? 14 : 15);
        pid_t sid = -1;
        if (ioctl(r, TIOCGSID, &sid) != 0 || sid != getpid()) _exit(16);
        _exit(0);
    }
    int status;
    CHECK_EQ(waitpid(child, &status, 0), child);
    CHECK(WIFEXITED(status));
    if (WEXITSTATUS(status) == 11) return skip("no /dev/ttyS0 here");
    /* EPERM through the readable descriptor too: another live session
     * holds the terminal, so neither result says anything. */
    if (WEXITSTATUS(status) == 14) return skip("/dev/ttyS0 is another session's terminal");
    CHECK_EQ(WEXITSTATUS(status), 0);
    return CASE_PASS;
}

static int fd_dev_null(void) {
    int fd = openat(AT_FDCWD, "/dev/null", O_RDWR | O_CLOEXEC);
    CHECK_OK(fd);
    struct stat st;
    CHECK_OK(fstat(fd, &st));
    CHECK(S_ISCHR(st.st_mode));
    /* null(4): writes succeed and vanish, reads see end of file. */
    CHECK_EQ(write(fd, "gone", 4), 4);
    char buf[8];
    CHECK_EQ(read(fd, buf, sizeof buf), 0);
    CHECK_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
    CHECK_ERR(openat(AT_FDCWD, "/dev/null/x", O_RDONLY), ENOTDIR);
    return CASE_PASS;
}

static int fd_dev_zero(void) {
    int fd = open("/dev/zero", O_RDONLY);
    CHECK_OK(fd);
    static unsigned char buf[10000];
    memset(buf, 0xaa, sizeof buf);
    CHECK_EQ(read(fd, buf, sizeof buf), sizeof buf);
    for (size_t i = 0; i < sizeof buf; ++i)
        if (buf[i]) return fail("/dev/zero byte %zu = %#x", i, buf[i]);
    return CASE_PASS;
}

static int fd_dev_urandom(void) {
    int fd = open("/dev/urandom", O_RDONLY);
    CHECK_OK(fd);
    unsigned char a[64], b[64];
    CHECK_EQ(read(fd, a, sizeof a), 64);
    CHECK_EQ(read(fd, b, sizeof b), 64);
    CHECK(memcmp(a, b, 64) != 0);
    int zeros = 0;
    for (int i = 0; i < 64; ++i) zeros += a[i] == 0;
    CHECK(zeros < 16);
    return CASE_PASS;
}

struct linux_dirent64 {
    uint64_t d_ino;
    int64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

/* Lists dir with getdents64; returns the d_type of name (or -1 if absent),
 * with the number of entries in *count. */
static int find_entry(const char* dir, const char* name, int* count, int* err) {
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    *err = 0;
    if (fd < 0) {
        *err = errno;
        return -1;
    }
    static char buf[8192] __attribute__((aligned(8)));
    int type = -1;
    *count = 0;
    for (;;) {
        long n = syscall(SYS_getdents64, fd, buf, sizeof buf);
        if (n < 0) {
            *err = errno;
            break;
        }
        if (n == 0) break;
        for (long off = 0; off < n;) {
            struct linux_dirent64* d = (struct linux_dirent64*)(buf + off);
            if (d->d_reclen < 20 || d->d_reclen % 8) {
                *err = -1;
                close(fd);
                return -1;
            }
            ++*count;
            if (!strcmp(d->d_name, name)) type = d->d_type;
            off += d->d_reclen;
        }
    }
    close(fd);
    return type;
}

static int fd_getdents64(void) {
    int count, err;
    /* Every directory lists "." and ".." as directories. */
    int t = find_entry("/", ".", &count, &err);
    if (err) return fail("getdents64(/): %s", err < 0 ? "bad record length" : errno_name(err));
    CHECK_EQ(t, DT_DIR);
    CHECK_EQ(find_entry("/", "..", &count, &err), DT_DIR);
    CHECK(count >= 3);
    /* The directory holding this program lists it as a regular file. */
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", g_self);
    char* slash = strrchr(dir, '/');
    CHECK(slash != NULL);
    *slash = 0;
    t = find_entry(dir[0] ? dir : "/", slash + 1, &count, &err);
    if (err) return fail("getdents64(%s): %s", dir, err < 0 ? "bad record length" : errno_name(err));
    if (t != DT_REG) return fail("%s lists %s with d_type %d, expected DT_REG", dir, slash + 1, t);
    /* getdents64 on a file: ENOTDIR; a buffer too small for one entry: EINVAL. */
    int fd = open(g_self, O_RDONLY);
    CHECK_OK(fd);
    char small[8];
    CHECK_ERR(syscall(SYS_getdents64, fd, small, sizeof small), ENOTDIR);
    close(fd);
    fd = open("/", O_RDONLY | O_DIRECTORY);
    CHECK_OK(fd);
    CHECK_ERR(syscall(SYS_getdents64, fd, small, sizeof small), EINVAL);
    CHECK_ERR(open(g_self, O_RDONLY | O_DIRECTORY), ENOTDIR);
    return CASE_PASS;
}

static int fd_fstat_empty_path(void) {
    int fd = open(g_self, O_RDONLY);
    CHECK_OK(fd);
    struct stat a, b, c;
    CHECK_OK(fstat(fd, &a));
    CHECK(S_ISREG(a.st_mode));
    CHECK_EQ(a.st_size, lseek(fd, 0, SEEK_END));
    CHECK(a.st_mode & S_IXUSR);
    /* newfstatat(fd, "", AT_EMPTY_PATH) is fstat(fd). */
    CHECK_OK(syscall(SYS_newfstatat, fd, "", &b, AT_EMPTY_PATH));
    CHECK(a.st_ino == b.st_ino && a.st_dev == b.st_dev && a.st_size == b.st_size);
    CHECK_OK(stat(g_self, &c));
    CHECK(a.st_ino == c.st_ino && a.st_dev == c.st_dev);
    /* Without AT_EMPTY_PATH an empty path is ENOENT; unknown flags EINVAL. */
    CHECK_ERR(syscall(SYS_newfstatat, fd, "", &b, 0), ENOENT);
    CHECK_ERR(syscall(SYS_newfstatat, AT_FDCWD, g_self, &b, 0x40000000), EINVAL);
    /* A relative path resolves against the directory descriptor. */
    int root = open("/", O_RDONLY | O_DIRECTORY);
    CHECK_OK(root);
    CHECK_OK(syscall(SYS_newfstatat, root, g_self + 1, &b, 0));
    CHECK(a.st_ino == b.st_ino);
    /* ... which must be a directory. */
    CHECK_ERR(syscall(SYS_newfstatat, fd, "x", &b, 0), ENOTDIR);
    int p[2];
    CHECK_OK(pipe(p));
    CHECK_OK(fstat(p[0], &b));
    CHECK(S_ISFIFO(b.st_mode));
    CHECK_OK(syscall(SYS_newfstatat, p[1], "", &c, AT_EMPTY_PATH));
    CHECK(S_ISFIFO(c.st_mode) && b.st_ino == c.st_ino);
    CHECK_OK(stat("/", &b));
    CHECK(S_ISDIR(b.st_mode));
    CHECK_ERR(stat("/nonexistent", &b), ENOENT);
    return CASE_PASS;
}

static int fd_cwd(void) {
    char start[PATH_MAX], now[PATH_MAX];
    CHECK(getcwd(start, sizeof start) == start);
    int here = open(".", O_RDONLY | O_DIRECTORY);
    CHECK_OK(here);
    CHECK_OK(chdir("/"));
    CHECK(getcwd(now, sizeof now) == now);
    CHECK(strcmp(now, "/") == 0);
    /* The raw call returns the length including the NUL. */
    CHECK_EQ(syscall(SYS_getcwd, now, sizeof now), 2);
    CHECK_OK(fchdir(here));
    CHECK(getcwd(now, sizeof now) == now);
    CHECK(strcmp(now, start) == 0);
    /* getcwd(3) ERANGE: "The size argument is less than the length of the
     * absolute pathname of the working directory, including the
     * terminating null byte." */
    CHECK_ERR(syscall(SYS_getcwd, now, strlen(start)), ERANGE);
    CHECK_ERR(syscall(SYS_getcwd, now, 0), ERANGE);
    CHECK_ERR(chdir("/nonexistent"), ENOENT);
    CHECK_ERR(chdir(g_self), ENOTDIR);
    int fd = open(g_self, O_RDONLY);
    CHECK_OK(fd);
    CHECK_ERR(fchdir(fd), ENOTDIR);
    CHECK_ERR(fchdir(1000), EBADF);
    /* A relative chdir. */
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", g_self);
    *strrchr(dir, '/') = 0;
    CHECK_OK(chdir("/"));
    if (dir[0]) {
        CHECK_OK(chdir(dir + 1));
        CHECK(getcwd(now, sizeof now) == now);
        struct stat a, b;
        CHECK_OK(stat(now, &a));
        CHECK_OK(stat(dir, &b));
        CHECK(a.st_ino == b.st_ino && a.st_dev == b.st_dev);
    }
    return CASE_PASS;
}

static int fd_access(void) {
    CHECK_OK(access(g_self, F_OK));
    CHECK_OK(access(g_self, R_OK | X_OK));
    CHECK_OK(access("/", X_OK));
    CHECK_ERR(access("/nonexistent", F_OK), ENOENT);
    CHECK_ERR(access("", F_OK), ENOENT);
    /* access(2) EINVAL: "mode was incorrectly specified". */
    CHECK_ERR(access(g_self, 0x10), EINVAL);
    CHECK_OK(faccessat(AT_FDCWD, g_self, R_OK, 0));
    int root = open("/", O_RDONLY | O_DIRECTORY);
    CHECK_OK(root);
    CHECK_OK(faccessat(root, g_self + 1, X_OK, 0));
    /* faccessat(2) EINVAL: "Invalid flag specified in flags". */
    CHECK_ERR(syscall(SYS_faccessat2, AT_FDCWD, g_self, R_OK, 0x1000000), EINVAL);
    CHECK_ERR(faccessat(1000, "relative", F_OK, 0), EBADF);
    /* Execute permission: a file without any x bit is not executable,
     * even for root. */
    const char* f = fixture("no-exec-bit");
    if (f) CHECK_ERR(access(f, X_OK), EACCES);
    return CASE_PASS;
}

static int fd_readlink_proc_self_exe(void) {
    char link[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", link, sizeof link);
    if (n < 0) return fail("readlink(/proc/self/exe): %s", errno_name(errno));
    CHECK(n > 0 && n < (ssize_t)sizeof link);
    link[n] = 0;
    struct stat a, b;
    CHECK_OK(stat(link, &a));
    CHECK_OK(stat(g_self, &b));
    if (a.st_ino != b.st_ino || a.st_dev != b.st_dev)
        return fail("/proc/self/exe -> %s, which is not %s", link, g_self);
    /* readlink(2): "readlink() does not append a terminating null byte. It
     * will (silently) truncate the contents ... in case the buffer is too
     * small". */
    char small[4] = {'#', '#', '#', '#'};
    CHECK_EQ(readlink("/proc/self/exe", small, 3), 3);
    CHECK(memcmp(small, link, 3) == 0 && small[3] == '#');
    /* EINVAL: "The named file is not a symbolic link", or bufsiz <= 0. */
    CHECK_ERR(readlink(g_self, link, sizeof link), EINVAL);
    CHECK_ERR(syscall(SYS_readlink, "/proc/self/exe", link, 0), EINVAL);
    CHECK_ERR(readlink("/nonexistent", link, sizeof link), ENOENT);
    return CASE_PASS;
}

/* /proc/self as Linux has it: a link to the caller's /proc/<pid>, whose
 * stat names the caller; fd/<n> links to the open files, a pipe named by
 * its inode and readable through the link; statfs names /proc and pipes. */
static int fd_proc_self(void) {
    char buf[512], want[32], path[64];
    snprintf(want, sizeof want, "%d", (int)getpid());
    ssize_t n = readlink("/proc/self", buf, sizeof buf - 1);
    CHECK(n > 0);
    buf[n] = 0;
    if (strcmp(buf, want) != 0) return fail("/proc/self -> %s, expected %s", buf, want);
    int fd = open("/proc/self/stat", O_RDONLY);
    CHECK_OK(fd);
    n = read(fd, buf, sizeof buf - 1);
    CHECK(n > 0);
    buf[n] = 0;
    close(fd);
    CHECK_EQ(strtol(buf, NULL, 10), (long)getpid());
    CHECK(strchr(buf, '(') != NULL && strrchr(buf, ')') != NULL);
    int p[2];
    CHECK_OK(pipe(p));
    snprintf(path, sizeof path, "/proc/self/fd/%d", p[0]);
    n = readlink(path, buf, sizeof buf - 1);
    CHECK(n > 0);
    buf[n] = 0;
    if (strncmp(buf, "pipe:[", 6) != 0) return fail("%s -> %s, expected pipe:[...]", path, buf);
    CHECK_EQ(write(p[1], "x", 1), 1);
    int again = open(path, O_RDONLY);
    CHECK_OK(again);
    char c = 0;
    CHECK_EQ(read(again, &c, 1), 1);
    CHECK_EQ(c, 'x');
    struct statfs s;
    CHECK_OK(statfs("/proc", &s));
    CHECK_EQ((unsigned long)s.f_type, 0x9fa0ul); /* PROC_SUPER_MAGIC */
    CHECK_OK(fstatfs(p[0], &s));
    CHECK_EQ((unsigned long)s.f_type, 0x50495045ul); /* PIPEFS_MAGIC */
    close(again);
    close(p[0]);
    close(p[1]);
    CHECK_ERR(open("/proc/self/fd/999", O_RDONLY), ENOENT);
    return CASE_PASS;
}

CASE_TABLE(fd) = {
    {"fd-dup-family", fd_dup_family},
    {"fd-fcntl", fd_fcntl},
    {"fd-ebadf", fd_ebadf},
    {"fd-readv-writev", fd_readv_writev},
    {"fd-pread-pipe-espipe", fd_pread_pipe_espipe},
    {"fd-ioctl-enotty", fd_ioctl_enotty},
    {"fd-tiocsctty-needs-read", fd_tiocsctty_needs_read},
    {"fd-dev-null", fd_dev_null},
    {"fd-dev-zero", fd_dev_zero},
    {"fd-dev-urandom", fd_dev_urandom},
    {"fd-getdents64", fd_getdents64},
    {"fd-fstat-empty-path", fd_fstat_empty_path},
    {"fd-cwd", fd_cwd},
    {"fd-access", fd_access},
    {"fd-readlink-proc-self-exe", fd_readlink_proc_self_exe},
    {"fd-proc-self", fd_proc_self},
    CASE_TABLE_END,
};
