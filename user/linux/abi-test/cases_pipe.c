/* Pipes: end of file, EPIPE and SIGPIPE, blocking and non-blocking I/O,
 * capacity, a large transfer, poll. pipe(7) is the reference. */
#include "suite.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

static int pipe_eof_last_writer(void) {
    int p[2];
    CHECK_OK(pipe(p));
    int extra = dup(p[1]);
    CHECK_OK(extra);
    fflush(NULL);
    pid_t pid = fork();
    CHECK_OK(pid);
    if (pid == 0) {
        close(p[0]);
        _exit(write(p[1], "hi", 2) == 2 ? 0 : 1);
    }
    close(p[1]);
    char buf[8];
    CHECK_EQ(read_full(p[0], buf, 2), 2);
    CHECK(memcmp(buf, "hi", 2) == 0);
    CHECK_EXITED(wait_status(pid), 0);
    /* A writer remains (extra): no end of file yet, only "no data". */
    CHECK_OK(fcntl(p[0], F_SETFL, O_NONBLOCK));
    CHECK_ERR(read(p[0], buf, 1), EAGAIN);
    /* pipe(7): "If all file descriptors referring to the write end of a
     * pipe have been closed, then an attempt to read(2) from the pipe will
     * see end-of-file (read(2) will return 0)." */
    close(extra);
    CHECK_EQ(read(p[0], buf, sizeof buf), 0);
    CHECK_EQ(read(p[0], buf, sizeof buf), 0);
    return CASE_PASS;
}

static int write_to_readerless(void* arg) {
    (void)arg;
    int p[2];
    if (pipe(p)) return 2;
    close(p[0]);
    ssize_t r = write(p[1], "x", 1);
    (void)r;
    return 3; /* SIGPIPE's default action should have ended us */
}

/* pipe(7): "If all file descriptors referring to the read end of a pipe
 * have been closed, then a write(2) will cause a SIGPIPE signal to be
 * generated for the calling process"; its default action terminates. */
static int pipe_sigpipe_kills(void) {
    CHECK_KILLED(run_in_child(write_to_readerless, NULL), SIGPIPE);
    return CASE_PASS;
}

static volatile int g_sigpipes;
static void on_sigpipe(int sig) {
    (void)sig;
    ++g_sigpipes;
}

/* "If the calling process is ignoring this signal, then write(2) fails
 * with the error EPIPE." The same with a handler (after it ran) or with
 * the signal blocked (it stays pending). */
static int pipe_epipe(void) {
    int p[2];
    CHECK_OK(pipe(p));
    close(p[0]);
    signal(SIGPIPE, SIG_IGN);
    CHECK_ERR(write(p[1], "x", 1), EPIPE);
    signal(SIGPIPE, on_sigpipe);
    CHECK_ERR(write(p[1], "x", 1), EPIPE);
    CHECK_EQ(g_sigpipes, 1);
    sigset_t set, pending;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    CHECK_OK(sigprocmask(SIG_BLOCK, &set, NULL));
    CHECK_ERR(write(p[1], "x", 1), EPIPE);
    CHECK_OK(sigpending(&pending));
    CHECK(sigismember(&pending, SIGPIPE));
    CHECK_EQ(g_sigpipes, 1);
    CHECK_OK(sigprocmask(SIG_UNBLOCK, &set, NULL));
    CHECK_EQ(g_sigpipes, 2);
    return CASE_PASS;
}

static int pipe_blocking(void) {
    int p[2];
    CHECK_OK(pipe(p));
    fflush(NULL);
    /* The clock starts before the fork: the child's 50 ms may begin before
     * the parent runs again. */
    long long t0 = now_ns();
    pid_t pid = fork();
    CHECK_OK(pid);
    if (pid == 0) {
        sleep_ms(50);
        _exit(write(p[1], "late", 4) == 4 ? 0 : 1);
    }
    /* An empty pipe blocks the reader until data comes. */
    char buf[8];
    CHECK_EQ(read(p[0], buf, sizeof buf), 4);
    CHECK((now_ns() - t0) >= 50 * 1000000LL);
    CHECK_EXITED(wait_status(pid), 0);
    /* A full pipe blocks the writer until the reader makes room. */
    CHECK_OK(fcntl(p[1], F_SETFL, O_NONBLOCK));
    static char chunk[65536];
    while (write(p[1], chunk, sizeof chunk) > 0) {
    }
    CHECK_EQ(errno, EAGAIN);
    CHECK_OK(fcntl(p[1], F_SETFL, 0));
    t0 = now_ns();
    pid = fork();
    CHECK_OK(pid);
    if (pid == 0) {
        sleep_ms(50);
        _exit(read_full(p[0], chunk, 4096) == 4096 ? 0 : 1);
    }
    CHECK_EQ(write(p[1], "more", 4), 4);
    CHECK((now_ns() - t0) >= 50 * 1000000LL);
    CHECK_EXITED(wait_status(pid), 0);
    return CASE_PASS;
}

static int pipe_nonblock(void) {
    int p[2];
    CHECK_OK(pipe2(p, O_NONBLOCK));
    CHECK(fcntl(p[0], F_GETFL) & O_NONBLOCK);
    char c;
    /* pipe(7): "If a process attempts to read from an empty pipe, ... if
     * O_NONBLOCK is enabled ... fails with the error EAGAIN." */
    CHECK_ERR(read(p[0], &c, 1), EAGAIN);
    CHECK_EQ(write(p[1], "z", 1), 1);
    CHECK_EQ(read(p[0], &c, 1), 1);
    CHECK_EQ(c, 'z');
    CHECK_ERR(read(p[0], &c, 1), EAGAIN);
    /* Clearing the flag makes it block again (checked with a poll-free
     * trick: data first, then a read that must not fail). */
    CHECK_OK(fcntl(p[0], F_SETFL, 0));
    CHECK_EQ(fcntl(p[0], F_GETFL) & O_NONBLOCK, 0);
    CHECK_EQ(write(p[1], "y", 1), 1);
    CHECK_EQ(read(p[0], &c, 1), 1);
    return CASE_PASS;
}

/* pipe(7): "Since Linux 2.6.11, the pipe capacity is 16 pages (i.e.,
 * 65,536 bytes in a system with a page size of 4096 bytes)." A
 * non-blocking write takes what fits. */
static int pipe_capacity(void) {
    int p[2];
    CHECK_OK(pipe2(p, O_NONBLOCK));
    CHECK_EQ(fcntl(p[0], F_GETPIPE_SZ), 65536);
    static char buf[65536 + 100];
    for (size_t i = 0; i < sizeof buf; ++i) buf[i] = (char)(i * 7);
    CHECK_EQ(write(p[1], buf, sizeof buf), 65536);
    CHECK_ERR(write(p[1], buf, 1), EAGAIN);
    static char back[65536 + 100];
    CHECK_EQ(read(p[0], back, sizeof back), 65536);
    CHECK(memcmp(buf, back, 65536) == 0);
    CHECK_ERR(read(p[0], back, 1), EAGAIN);
    /* Byte by byte fills it to the same total. */
    long total = 0;
    while (write(p[1], "b", 1) == 1) ++total;
    CHECK_EQ(errno, EAGAIN);
    CHECK_EQ(total, 65536);
    return CASE_PASS;
}

static uint64_t fnv1a(uint64_t h, const unsigned char* p, size_t n) {
    for (size_t i = 0; i < n; ++i) {
        h ^= p[i];
        h *= 1099511628211ull;
    }
    return h;
}

static unsigned next_rand(unsigned* s) {
    *s = *s * 1103515245u + 12345u;
    return *s >> 8;
}

#define TRANSFER (1u << 20)

/* 1 MiB from a child to its parent in uneven pieces, checked byte for byte
 * by a checksum of the stream. */
static int pipe_1mib_transfer(void) {
    unsigned char* data = malloc(TRANSFER);
    CHECK(data != NULL);
    unsigned seed = 12345;
    for (size_t i = 0; i < TRANSFER; ++i) data[i] = (unsigned char)next_rand(&seed);
    uint64_t want = fnv1a(1469598103934665603ull, data, TRANSFER);
    int p[2];
    CHECK_OK(pipe(p));
    fflush(NULL);
    pid_t pid = fork();
    CHECK_OK(pid);
    if (pid == 0) {
        close(p[0]);
        unsigned s = 777;
        size_t off = 0;
        while (off < TRANSFER) {
            size_t n = 1 + next_rand(&s) % 9000;
            if (n > TRANSFER - off) n = TRANSFER - off;
            if (write_full(p[1], data + off, n) != (long)n) _exit(1);
            off += n;
        }
        _exit(0);
    }
    close(p[1]);
    memset(data, 0, TRANSFER);
    uint64_t h = 1469598103934665603ull;
    size_t got = 0;
    unsigned s = 99;
    unsigned char buf[12000];
    for (;;) {
        size_t n = 1 + next_rand(&s) % sizeof buf;
        ssize_t r = read(p[0], buf, n);
        if (r < 0 && errno == EINTR) continue;
        CHECK(r >= 0);
        if (r == 0) break;
        h = fnv1a(h, buf, (size_t)r);
        got += (size_t)r;
    }
    CHECK_EXITED(wait_status(pid), 0);
    CHECK_EQ(got, TRANSFER);
    if (h != want) return fail("checksum %#llx, expected %#llx", (unsigned long long)h, (unsigned long long)want);
    return CASE_PASS;
}

static int pipe_espipe(void) {
    int p[2];
    CHECK_OK(pipe(p));
    /* lseek(2) ESPIPE: "fd is associated with a pipe, socket, or FIFO." */
    CHECK_ERR(lseek(p[0], 0, SEEK_SET), ESPIPE);
    CHECK_ERR(lseek(p[1], 0, SEEK_CUR), ESPIPE);
    char c = 0;
    CHECK_ERR(pread(p[0], &c, 1, 0), ESPIPE);
    CHECK_ERR(pwrite(p[1], &c, 1, 0), ESPIPE);
    return CASE_PASS;
}

/* poll(2) on pipes: POLLIN with data, POLLOUT with room, POLLHUP on the
 * read end once every writer is gone, POLLERR on the write end once every
 * reader is gone, POLLNVAL for a closed descriptor. POLLHUP and POLLERR are
 * reported whether asked for or not. */
static int pipe_poll(void) {
    int p[2];
    CHECK_OK(pipe(p));
    struct pollfd fds[2] = {{p[0], POLLIN, 0}, {p[1], POLLOUT, 0}};
    CHECK_EQ(poll(fds, 2, 0), 1);
    CHECK_EQ(fds[0].revents, 0);
    CHECK_EQ(fds[1].revents, POLLOUT);
    CHECK_EQ(write(p[1], "ab", 2), 2);
    CHECK_EQ(poll(fds, 2, 0), 2);
    CHECK_EQ(fds[0].revents, POLLIN);
    /* The last writer closes: data is still there, and so is the hang-up. */
    close(p[1]);
    fds[1].fd = -1; /* negative descriptors are ignored */
    CHECK_EQ(poll(fds, 2, 0), 1);
    CHECK_EQ(fds[0].revents, POLLIN | POLLHUP);
    CHECK_EQ(fds[1].revents, 0);
    char buf[4];
    CHECK_EQ(read(p[0], buf, 4), 2);
    CHECK_EQ(poll(fds, 1, 0), 1);
    CHECK_EQ(fds[0].revents, POLLHUP);
    /* The last reader closes: the write end reports POLLERR (and room). */
    int q[2];
    CHECK_OK(pipe(q));
    close(q[0]);
    struct pollfd w = {q[1], POLLOUT, 0};
    CHECK_EQ(poll(&w, 1, 0), 1);
    CHECK_EQ(w.revents, POLLOUT | POLLERR);
    /* A closed descriptor. */
    struct pollfd bad = {p[1], POLLIN, 0};
    CHECK_EQ(poll(&bad, 1, 0), 1);
    CHECK_EQ(bad.revents, POLLNVAL);
    /* Blocking: a timeout runs out with nothing ready, at least that long. */
    int r[2];
    CHECK_OK(pipe(r));
    struct pollfd rd = {r[0], POLLIN, 0};
    long long t0 = now_ns();
    CHECK_EQ(poll(&rd, 1, 30), 0);
    CHECK((now_ns() - t0) >= 30 * 1000000LL);
    /* ... and poll wakes when a writer in another process writes. */
    fflush(NULL);
    pid_t pid = fork();
    CHECK_OK(pid);
    if (pid == 0) {
        sleep_ms(50);
        _exit(write(r[1], "w", 1) == 1 ? 0 : 1);
    }
    CHECK_EQ(poll(&rd, 1, 10000), 1);
    CHECK_EQ(rd.revents, POLLIN);
    CHECK_EXITED(wait_status(pid), 0);
    return CASE_PASS;
}

CASE_TABLE(pipe) = {
    {"pipe-eof-last-writer", pipe_eof_last_writer},
    {"pipe-sigpipe-kills", pipe_sigpipe_kills},
    {"pipe-epipe", pipe_epipe},
    {"pipe-blocking", pipe_blocking},
    {"pipe-nonblock-eagain", pipe_nonblock},
    {"pipe-capacity-64k", pipe_capacity},
    {"pipe-1mib-transfer", pipe_1mib_transfer},
    {"pipe-espipe", pipe_espipe},
    {"pipe-poll", pipe_poll},
    CASE_TABLE_END,
};
