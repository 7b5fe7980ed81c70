/* Unix-domain sockets: socketpair and its I/O, shutdown, end of stream,
 * poll; names (paths, abstract), listen/connect/accept; options;
 * SCM_RIGHTS; other families. unix(7), socket(2) and Linux 6.1's
 * net/unix/af_unix.c are the reference. */
#include "suite.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>

#ifndef POLLRDHUP
#define POLLRDHUP 0x2000
#endif

/* A scratch directory for socket names, removed with what is in it. */
static char g_dir[64];
static int make_dir(void) {
    snprintf(g_dir, sizeof g_dir, "/tmp/abi-sock-%d", (int)getpid());
    return mkdir(g_dir, 0700);
}
static void remove_dir(const char* a, const char* b) {
    char p[128];
    if (a) {
        snprintf(p, sizeof p, "%s/%s", g_dir, a);
        unlink(p);
    }
    if (b) {
        snprintf(p, sizeof p, "%s/%s", g_dir, b);
        unlink(p);
    }
    rmdir(g_dir);
}
static socklen_t path_address(struct sockaddr_un* a, const char* name) {
    memset(a, 0, sizeof *a);
    a->sun_family = AF_UNIX;
    snprintf(a->sun_path, sizeof a->sun_path, "%s/%s", g_dir, name);
    return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(a->sun_path) + 1);
}
static socklen_t abstract_address(struct sockaddr_un* a, const char* name) {
    memset(a, 0, sizeof *a);
    a->sun_family = AF_UNIX;
    size_t n = strlen(name);
    memcpy(a->sun_path + 1, name, n);
    return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
}

/* --- 1. socketpair --- */

static int sock_pair_stream(void) {
    int sv[2];
    CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    struct stat st;
    CHECK_OK(fstat(sv[0], &st));
    CHECK(S_ISSOCK(st.st_mode));
    CHECK_EQ(write(sv[0], "hello", 5), 5);
    CHECK_EQ(send(sv[0], " world", 6, 0), 6);
    char buf[32] = {0};
    /* A stream has no boundaries: one read takes both writes. */
    CHECK_EQ(recv(sv[1], buf, sizeof buf, MSG_PEEK), 11);
    CHECK(memcmp(buf, "hello world", 11) == 0);
    memset(buf, 0, sizeof buf);
    CHECK_EQ(read(sv[1], buf, 3), 3);
    CHECK(memcmp(buf, "hel", 3) == 0);
    CHECK_EQ(recv(sv[1], buf, sizeof buf, 0), 8);
    CHECK(memcmp(buf, "lo world", 8) == 0);
    CHECK_ERR(recv(sv[1], buf, sizeof buf, MSG_DONTWAIT), EAGAIN);
    /* The other way, with vectors. */
    char a[] = "ab", b[] = "cde";
    struct iovec out[2] = {{a, 2}, {b, 3}};
    struct msghdr m = {0};
    m.msg_iov = out;
    m.msg_iovlen = 2;
    CHECK_EQ(sendmsg(sv[1], &m, 0), 5);
    char x[2], y[8];
    struct iovec in[2] = {{x, 2}, {y, sizeof y}};
    memset(&m, 0, sizeof m);
    m.msg_iov = in;
    m.msg_iovlen = 2;
    CHECK_EQ(recvmsg(sv[0], &m, 0), 5);
    CHECK(memcmp(x, "ab", 2) == 0 && memcmp(y, "cde", 3) == 0);
    CHECK_EQ(m.msg_flags, 0);
    CHECK_EQ(sendto(sv[0], "z", 1, 0, NULL, 0), 1);
    CHECK_EQ(recvfrom(sv[1], buf, 1, 0, NULL, NULL), 1);
    close(sv[0]);
    close(sv[1]);
    return CASE_PASS;
}

static int sock_pair_dgram(void) {
    int types[2] = {SOCK_DGRAM, SOCK_SEQPACKET};
    for (int t = 0; t < 2; ++t) {
        int sv[2];
        CHECK_OK(socketpair(AF_UNIX, types[t], 0, sv));
        CHECK_EQ(send(sv[0], "one", 3, 0), 3);
        CHECK_EQ(send(sv[0], "", 0, 0), 0);
        CHECK_EQ(send(sv[0], "three!", 6, 0), 6);
        char buf[16];
        /* Boundaries kept: one datagram per call, an empty one too. */
        CHECK_EQ(recv(sv[1], buf, sizeof buf, 0), 3);
        CHECK_EQ(recv(sv[1], buf, sizeof buf, 0), 0);
        /* A short buffer truncates; MSG_TRUNC reports the real length. */
        CHECK_EQ(recv(sv[1], buf, 2, MSG_PEEK | MSG_TRUNC), 6);
        struct iovec v = {buf, 2};
        struct msghdr m = {0};
        m.msg_iov = &v;
        m.msg_iovlen = 1;
        CHECK_EQ(recvmsg(sv[1], &m, 0), 2);
        CHECK(m.msg_flags & MSG_TRUNC);
        CHECK(memcmp(buf, "th", 2) == 0);
        CHECK_ERR(recv(sv[1], buf, sizeof buf, MSG_DONTWAIT), EAGAIN);
        close(sv[0]);
        close(sv[1]);
    }
    return CASE_PASS;
}

static int sock_pair_flags(void) {
    int sv[2];
    CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv));
    for (int i = 0; i < 2; ++i) {
        CHECK(fcntl(sv[i], F_GETFL) & O_NONBLOCK);
        CHECK(fcntl(sv[i], F_GETFD) & FD_CLOEXEC);
        CHECK_EQ(fcntl(sv[i], F_GETFL) & O_ACCMODE, O_RDWR);
    }
    char c;
    CHECK_ERR(read(sv[0], &c, 1), EAGAIN);
    close(sv[0]);
    close(sv[1]);
    CHECK_ERR(socketpair(AF_UNIX, SOCK_STREAM | 0x100000, 0, sv), EINVAL);
    CHECK_ERR(socketpair(AF_UNIX, SOCK_STREAM, 7, sv), EPROTONOSUPPORT);
    CHECK_ERR(socketpair(AF_UNIX, SOCK_RDM, 0, sv), ESOCKTNOSUPPORT);
    CHECK_ERR(socketpair(AF_UNIX, 99, 0, sv), EINVAL);
    CHECK_ERR(socketpair(AF_UNIX, SOCK_STREAM, 0, (int*)ADDR_KERNEL_IMAGE), EFAULT);
    return CASE_PASS;
}

static int write_to_closed_peer(void* arg) {
    (void)arg;
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv)) return 2;
    close(sv[1]);
    ssize_t r = write(sv[0], "x", 1);
    (void)r;
    return 3; /* SIGPIPE's default action should have ended us */
}

static volatile int g_sigpipes;
static void count_sigpipe(int sig) {
    (void)sig;
    ++g_sigpipes;
}

static int sock_pair_close(void) {
    int sv[3];
    CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    CHECK_EQ(write(sv[1], "bye", 3), 3);
    close(sv[1]);
    char buf[8];
    /* What was sent is read first, then the end of the stream. */
    CHECK_EQ(read(sv[0], buf, sizeof buf), 3);
    CHECK_EQ(read(sv[0], buf, sizeof buf), 0);
    CHECK_ERR(send(sv[0], "x", 1, MSG_NOSIGNAL), EPIPE);
    close(sv[0]);
    CHECK_KILLED(run_in_child(write_to_closed_peer, NULL), SIGPIPE);
    /* Closing with bytes unread resets the peer's next read. */
    CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    CHECK_EQ(write(sv[0], "lost", 4), 4);
    close(sv[1]);
    CHECK_ERR(read(sv[0], buf, sizeof buf), ECONNRESET);
    CHECK_EQ(read(sv[0], buf, sizeof buf), 0);
    close(sv[0]);
    /* A record socket's EPIPE comes without SIGPIPE, even from write(). */
    CHECK_OK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv));
    close(sv[1]);
    CHECK(signal(SIGPIPE, count_sigpipe) != SIG_ERR);
    CHECK_ERR(write(sv[0], "x", 1), EPIPE);
    CHECK_ERR(send(sv[0], "x", 1, 0), EPIPE);
    CHECK_EQ(g_sigpipes, 0);
    CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv + 1));
    close(sv[2]);
    CHECK_ERR(write(sv[1], "x", 1), EPIPE);
    CHECK_EQ(g_sigpipes, 1);
    signal(SIGPIPE, SIG_DFL);
    close(sv[0]);
    close(sv[1]);
    /* A datagram pair: sending to a closed peer is refused, then the
     * socket is no longer connected. */
    CHECK_OK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
    close(sv[1]);
    CHECK_ERR(send(sv[0], "x", 1, 0), ECONNREFUSED);
    CHECK_ERR(send(sv[0], "x", 1, 0), ENOTCONN);
    close(sv[0]);
    return CASE_PASS;
}

static int sock_shutdown(void) {
    int sv[2];
    char buf[8];
    CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    CHECK_EQ(write(sv[0], "ab", 2), 2);
    CHECK_OK(shutdown(sv[0], SHUT_WR));
    CHECK_ERR(send(sv[0], "x", 1, MSG_NOSIGNAL), EPIPE);
    CHECK_EQ(read(sv[1], buf, sizeof buf), 2);
    CHECK_EQ(read(sv[1], buf, sizeof buf), 0);
    /* The other direction still works. */
    CHECK_EQ(write(sv[1], "cd", 2), 2);
    CHECK_EQ(read(sv[0], buf, sizeof buf), 2);
    CHECK_OK(shutdown(sv[0], SHUT_RD));
    CHECK_ERR(send(sv[1], "x", 1, MSG_NOSIGNAL), EPIPE);
    CHECK_EQ(read(sv[0], buf, sizeof buf), 0);
    CHECK_ERR(shutdown(sv[0], 3), EINVAL);
    CHECK_ERR(shutdown(sv[0], -1), EINVAL);
    close(sv[0]);
    close(sv[1]);
    return CASE_PASS;
}

static int sock_poll(void) {
    int sv[2];
    CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    struct pollfd p = {sv[0], POLLIN | POLLOUT | POLLRDHUP, 0};
    CHECK_EQ(poll(&p, 1, 0), 1);
    CHECK_EQ(p.revents, POLLOUT);
    CHECK_EQ(write(sv[1], "x", 1), 1);
    CHECK_EQ(poll(&p, 1, 0), 1);
    CHECK_EQ(p.revents, POLLIN | POLLOUT);
    CHECK_OK(shutdown(sv[1], SHUT_WR));
    CHECK_EQ(poll(&p, 1, 0), 1);
    CHECK_EQ(p.revents, POLLIN | POLLOUT | POLLRDHUP);
    close(sv[1]);
    CHECK_EQ(poll(&p, 1, 0), 1);
    CHECK_EQ(p.revents & (POLLIN | POLLHUP | POLLRDHUP), POLLIN | POLLHUP | POLLRDHUP);
    close(sv[0]);
    /* A blocked poll wakes when the peer writes. */
    CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    fflush(NULL);
    pid_t pid = fork();
    CHECK_OK(pid);
    if (pid == 0) {
        sleep_ms(50);
        _exit(write(sv[1], "w", 1) == 1 ? 0 : 1);
    }
    struct pollfd rd = {sv[0], POLLIN, 0};
    CHECK_EQ(poll(&rd, 1, 10000), 1);
    CHECK_EQ(rd.revents, POLLIN);
    CHECK_EXITED(wait_status(pid), 0);
    close(sv[0]);
    close(sv[1]);
    return CASE_PASS;
}

/* A full stream blocks its writer until the reader takes bytes; a
 * non-blocking writer gets EAGAIN (or a short count). */
static int sock_blocking(void) {
    int sv[2];
    CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    static char chunk[4096];
    long total = 0;
    for (;;) {
        ssize_t n = send(sv[0], chunk, sizeof chunk, MSG_DONTWAIT);
        if (n < 0) {
            CHECK_EQ(errno, EAGAIN);
            break;
        }
        total += n;
        CHECK(total < 64l << 20);
    }
    CHECK(total >= 4096);
    struct pollfd p = {sv[0], POLLOUT, 0};
    CHECK_EQ(poll(&p, 1, 0), 0);
    fflush(NULL);
    pid_t pid = fork();
    CHECK_OK(pid);
    if (pid == 0) {
        sleep_ms(50);
        static char sink[1 << 16];
        long left = total + 4096;
        while (left > 0) {
            ssize_t n = read(sv[1], sink, sizeof sink);
            if (n <= 0) _exit(1);
            left -= n;
        }
        _exit(0);
    }
    /* Blocks until the child has read some. */
    CHECK_EQ(write_full(sv[0], chunk, sizeof chunk), (long)sizeof chunk);
    CHECK_EXITED(wait_status(pid), 0);
    close(sv[0]);
    close(sv[1]);
    return CASE_PASS;
}

static int sock_waitall(void) {
    int sv[2];
    CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    fflush(NULL);
    pid_t pid = fork();
    CHECK_OK(pid);
    if (pid == 0) {
        for (int i = 0; i < 4; ++i) {
            sleep_ms(20);
            if (write(sv[1], "ab", 2) != 2) _exit(1);
        }
        _exit(0);
    }
    char buf[8];
    CHECK_EQ(recv(sv[0], buf, 8, MSG_WAITALL), 8);
    CHECK(memcmp(buf, "abababab", 8) == 0);
    CHECK_EXITED(wait_status(pid), 0);
    close(sv[0]);
    close(sv[1]);
    return CASE_PASS;
}

static int sock_errors(void) {
    int p[2];
    CHECK_OK(pipe(p));
    char buf[4];
    CHECK_ERR(send(p[1], "x", 1, 0), ENOTSOCK);
    CHECK_ERR(recv(p[0], buf, 1, 0), ENOTSOCK);
    CHECK_ERR(shutdown(p[0], SHUT_RD), ENOTSOCK);
    CHECK_ERR(listen(p[0], 1), ENOTSOCK);
    socklen_t len = sizeof(int);
    int v;
    CHECK_ERR(getsockopt(p[0], SOL_SOCKET, SO_TYPE, &v, &len), ENOTSOCK);
    close(p[0]);
    close(p[1]);
    CHECK_ERR(send(999, "x", 1, 0), EBADF);
    CHECK_ERR(socket(AF_UNIX, SOCK_STREAM | 0x100000, 0), EINVAL);
    CHECK_ERR(socket(AF_UNIX, SOCK_STREAM, 2), EPROTONOSUPPORT);
    CHECK_ERR(socket(1000, SOCK_STREAM, 0), EAFNOSUPPORT);
    CHECK_ERR(socket(AF_UNIX, 12, 0), EINVAL);
    int sv[2];
    CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    CHECK_ERR(send(sv[0], (void*)ADDR_KERNEL_IMAGE, 1, 0), EFAULT);
    /* Raw calls: the C library copies a msghdr itself. */
    CHECK_ERR(syscall(SYS_sendmsg, sv[0], ADDR_HHDM, 0), EFAULT);
    CHECK_ERR(syscall(SYS_recvmsg, sv[0], ADDR_HHDM, MSG_DONTWAIT), EFAULT);
    CHECK_EQ(write(sv[0], "x", 1), 1);
    CHECK_ERR(recv(sv[1], (void*)ADDR_NONCANONICAL, 1, 0), EFAULT);
    /* The byte was not lost to the fault. */
    CHECK_EQ(recv(sv[1], buf, 1, 0), 1);
    close(sv[0]);
    close(sv[1]);
    /* An unconnected stream socket. */
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK_OK(s);
    CHECK_ERR(send(s, "x", 1, 0), ENOTCONN);
    CHECK_ERR(recv(s, buf, 1, 0), EINVAL);
    struct sockaddr_un a;
    len = sizeof a;
    CHECK_ERR(getpeername(s, (struct sockaddr*)&a, &len), ENOTCONN);
    CHECK_ERR(accept(s, NULL, NULL), EINVAL);
    CHECK_ERR(listen(s, 1), EINVAL); /* unbound */
    close(s);
    s = socket(AF_UNIX, SOCK_DGRAM, 0);
    CHECK_OK(s);
    CHECK_ERR(send(s, "x", 1, 0), ENOTCONN);
    CHECK_ERR(send(s, "x", 1, MSG_OOB), EOPNOTSUPP);
    CHECK_ERR(listen(s, 1), EOPNOTSUPP);
    CHECK_ERR(accept(s, NULL, NULL), EOPNOTSUPP);
    close(s);
    return CASE_PASS;
}

/* --- 2. names, listen, connect, accept --- */

static int sock_bind_path(void) {
    CHECK_OK(make_dir());
    struct sockaddr_un a, b;
    socklen_t alen = path_address(&a, "srv");
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK_OK(s);
    CHECK_OK(bind(s, (struct sockaddr*)&a, alen));
    struct stat st;
    CHECK_OK(stat(a.sun_path, &st));
    CHECK(S_ISSOCK(st.st_mode));
    /* Opening a socket's name is ENXIO. */
    CHECK_ERR(open(a.sun_path, O_RDONLY), ENXIO);
    /* The name is taken, and a socket takes one name. */
    int t = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK_OK(t);
    CHECK_ERR(bind(t, (struct sockaddr*)&a, alen), EADDRINUSE);
    socklen_t blen = path_address(&b, "other");
    CHECK_ERR(bind(s, (struct sockaddr*)&b, blen), EINVAL);
    CHECK_ERR(access(b.sun_path, F_OK), ENOENT);
    /* Nobody listens yet. */
    CHECK_ERR(connect(t, (struct sockaddr*)&a, alen), ECONNREFUSED);
    CHECK_OK(listen(s, 5));
    int on;
    socklen_t olen = sizeof on;
    CHECK_OK(getsockopt(s, SOL_SOCKET, SO_ACCEPTCONN, &on, &olen));
    CHECK_EQ(on, 1);
    CHECK_OK(connect(t, (struct sockaddr*)&a, alen));
    CHECK_ERR(connect(t, (struct sockaddr*)&a, alen), EISCONN);
    struct sockaddr_un peer;
    socklen_t plen = sizeof peer;
    int c = accept(s, (struct sockaddr*)&peer, &plen);
    CHECK_OK(c);
    /* The client is unnamed: the family alone. */
    CHECK_EQ(plen, offsetof(struct sockaddr_un, sun_path));
    CHECK_EQ(peer.sun_family, AF_UNIX);
    /* The server end is named as the listener, the client's peer too. */
    struct sockaddr_un n;
    socklen_t nlen = sizeof n;
    CHECK_OK(getsockname(c, (struct sockaddr*)&n, &nlen));
    CHECK_EQ(nlen, alen);
    CHECK(strcmp(n.sun_path, a.sun_path) == 0);
    nlen = sizeof n;
    CHECK_OK(getpeername(t, (struct sockaddr*)&n, &nlen));
    CHECK_EQ(nlen, alen);
    CHECK(strcmp(n.sun_path, a.sun_path) == 0);
    nlen = sizeof n;
    CHECK_OK(getsockname(t, (struct sockaddr*)&n, &nlen));
    CHECK_EQ(nlen, offsetof(struct sockaddr_un, sun_path));
    /* A short length gets a cut address and the whole length. */
    nlen = 4;
    memset(&n, 0, sizeof n);
    CHECK_OK(getsockname(s, (struct sockaddr*)&n, &nlen));
    CHECK_EQ(nlen, alen);
    CHECK_EQ(n.sun_path[2], 0);
    CHECK_EQ(write(t, "ping", 4), 4);
    char buf[8];
    CHECK_EQ(read(c, buf, sizeof buf), 4);
    CHECK_EQ(write(c, "pong", 4), 4);
    CHECK_EQ(read(t, buf, sizeof buf), 4);
    CHECK(memcmp(buf, "pong", 4) == 0);
    close(c);
    close(t);
    close(s);
    /* The name outlives the socket until unlinked. */
    CHECK_OK(stat(a.sun_path, &st));
    t = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK_ERR(connect(t, (struct sockaddr*)&a, alen), ECONNREFUSED);
    close(t);
    remove_dir("srv", NULL);
    return CASE_PASS;
}

static int sock_connect_errors(void) {
    CHECK_OK(make_dir());
    struct sockaddr_un a;
    socklen_t alen = path_address(&a, "none");
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK_OK(s);
    CHECK_ERR(connect(s, (struct sockaddr*)&a, alen), ENOENT);
    int fd = open(a.sun_path, O_CREAT | O_WRONLY, 0600);
    CHECK_OK(fd);
    close(fd);
    CHECK_ERR(connect(s, (struct sockaddr*)&a, alen), ECONNREFUSED);
    CHECK_ERR(connect(s, (struct sockaddr*)&a, 1), EINVAL);
    CHECK_ERR(connect(s, (struct sockaddr*)&a, sizeof a + 1), EINVAL);
    a.sun_family = AF_INET;
    CHECK_ERR(connect(s, (struct sockaddr*)&a, alen), EINVAL);
    CHECK_ERR(connect(s, (struct sockaddr*)ADDR_KERNEL_IMAGE, alen), EFAULT);
    CHECK_ERR(bind(s, (struct sockaddr*)ADDR_KERNEL_IMAGE, alen), EFAULT);
    CHECK_ERR(bind(s, (struct sockaddr*)&a, alen), EINVAL);
    /* A datagram socket's path is the wrong type for a stream; an abstract
     * name is looked up among sockets of the caller's type alone. */
    struct sockaddr_un d;
    socklen_t dlen = path_address(&d, "dgram");
    int g = socket(AF_UNIX, SOCK_DGRAM, 0);
    CHECK_OK(bind(g, (struct sockaddr*)&d, dlen));
    CHECK_ERR(connect(s, (struct sockaddr*)&d, dlen), EPROTOTYPE);
    close(g);
    dlen = abstract_address(&d, "abi-sock-dgram-type");
    g = socket(AF_UNIX, SOCK_DGRAM, 0);
    CHECK_OK(bind(g, (struct sockaddr*)&d, dlen));
    CHECK_ERR(connect(s, (struct sockaddr*)&d, dlen), ECONNREFUSED);
    int g2 = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK_OK(bind(g2, (struct sockaddr*)&d, dlen));
    close(g2);
    close(g);
    close(s);
    remove_dir("none", "dgram");
    return CASE_PASS;
}

static int sock_abstract(void) {
    struct sockaddr_un a;
    char name[32];
    snprintf(name, sizeof name, "abi-sock-%d", (int)getpid());
    socklen_t alen = abstract_address(&a, name);
    int s = socket(AF_UNIX, SOCK_SEQPACKET, 0);
    CHECK_OK(s);
    CHECK_OK(bind(s, (struct sockaddr*)&a, alen));
    int t = socket(AF_UNIX, SOCK_SEQPACKET, 0);
    CHECK_ERR(bind(t, (struct sockaddr*)&a, alen), EADDRINUSE);
    CHECK_OK(listen(s, 1));
    CHECK_OK(connect(t, (struct sockaddr*)&a, alen));
    int c = accept4(s, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    CHECK_OK(c);
    CHECK(fcntl(c, F_GETFL) & O_NONBLOCK);
    CHECK(fcntl(c, F_GETFD) & FD_CLOEXEC);
    /* Raw: the C library retries accept4's EINVAL as accept. */
    CHECK_ERR(syscall(SYS_accept4, s, NULL, NULL, 0x10), EINVAL);
    struct sockaddr_un n;
    socklen_t nlen = sizeof n;
    CHECK_OK(getpeername(t, (struct sockaddr*)&n, &nlen));
    CHECK_EQ(nlen, alen);
    CHECK(memcmp(&n, &a, alen) == 0);
    CHECK_EQ(send(t, "rec", 3, 0), 3);
    CHECK_EQ(send(t, "ord", 3, 0), 3);
    char buf[8];
    CHECK_EQ(recv(c, buf, sizeof buf, 0), 3);
    CHECK_EQ(recv(c, buf, sizeof buf, 0), 3);
    CHECK_ERR(recv(c, buf, sizeof buf, 0), EAGAIN);
    close(t);
    CHECK_EQ(recv(c, buf, sizeof buf, 0), 0);
    CHECK_ERR(send(c, "x", 1, MSG_NOSIGNAL), EPIPE);
    close(c);
    /* Autobind: an abstract name of its own. */
    int u = socket(AF_UNIX, SOCK_DGRAM, 0);
    struct sockaddr_un z = {.sun_family = AF_UNIX};
    CHECK_OK(bind(u, (struct sockaddr*)&z, offsetof(struct sockaddr_un, sun_path)));
    nlen = sizeof n;
    CHECK_OK(getsockname(u, (struct sockaddr*)&n, &nlen));
    CHECK_EQ(nlen, offsetof(struct sockaddr_un, sun_path) + 6);
    CHECK_EQ(n.sun_path[0], 0);
    close(u);
    close(s);
    /* Once the listener is gone, so is its name. */
    t = socket(AF_UNIX, SOCK_SEQPACKET, 0);
    CHECK_ERR(connect(t, (struct sockaddr*)&a, alen), ECONNREFUSED);
    close(t);
    return CASE_PASS;
}

/* A full backlog: a non-blocking connect gets EAGAIN; accepting makes
 * room. Linux lets backlog + 1 connections wait. */
static int sock_backlog(void) {
    struct sockaddr_un a;
    char name[32];
    snprintf(name, sizeof name, "abi-backlog-%d", (int)getpid());
    socklen_t alen = abstract_address(&a, name);
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK_OK(bind(s, (struct sockaddr*)&a, alen));
    CHECK_OK(listen(s, 1));
    struct pollfd q = {s, POLLIN | POLLOUT, 0};
    CHECK_EQ(poll(&q, 1, 0), 0);
    int c[3];
    for (int i = 0; i < 3; ++i) c[i] = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    CHECK_OK(connect(c[0], (struct sockaddr*)&a, alen));
    CHECK_OK(connect(c[1], (struct sockaddr*)&a, alen));
    CHECK_ERR(connect(c[2], (struct sockaddr*)&a, alen), EAGAIN);
    struct pollfd p = {s, POLLIN, 0};
    CHECK_EQ(poll(&p, 1, 0), 1);
    CHECK_EQ(p.revents, POLLIN);
    int x = accept(s, NULL, NULL);
    CHECK_OK(x);
    CHECK_OK(connect(c[2], (struct sockaddr*)&a, alen));
    /* Closing the listener resets the connections never accepted. */
    close(s);
    char buf[4];
    CHECK_ERR(read(c[1], buf, 1), ECONNRESET);
    close(x);
    for (int i = 0; i < 3; ++i) close(c[i]);
    return CASE_PASS;
}

static int sock_dgram_named(void) {
    CHECK_OK(make_dir());
    struct sockaddr_un a, b;
    socklen_t alen = path_address(&a, "rx");
    socklen_t blen = path_address(&b, "tx");
    int rx = socket(AF_UNIX, SOCK_DGRAM, 0);
    int tx = socket(AF_UNIX, SOCK_DGRAM, 0);
    int anon = socket(AF_UNIX, SOCK_DGRAM, 0);
    CHECK_OK(bind(rx, (struct sockaddr*)&a, alen));
    CHECK_OK(bind(tx, (struct sockaddr*)&b, blen));
    CHECK_EQ(sendto(tx, "named", 5, 0, (struct sockaddr*)&a, alen), 5);
    CHECK_EQ(sendto(anon, "anon", 4, 0, (struct sockaddr*)&a, alen), 4);
    struct sockaddr_un from;
    socklen_t flen = sizeof from;
    char buf[8];
    CHECK_EQ(recvfrom(rx, buf, sizeof buf, 0, (struct sockaddr*)&from, &flen), 5);
    CHECK_EQ(flen, blen);
    CHECK(strcmp(from.sun_path, b.sun_path) == 0);
    flen = sizeof from;
    CHECK_EQ(recvfrom(rx, buf, sizeof buf, 0, (struct sockaddr*)&from, &flen), 4);
    CHECK_EQ(flen, 0);
    /* connect() picks the default destination. */
    CHECK_OK(connect(anon, (struct sockaddr*)&a, alen));
    CHECK_EQ(send(anon, "c", 1, 0), 1);
    CHECK_EQ(recv(rx, buf, sizeof buf, 0), 1);
    struct sockaddr_un n;
    socklen_t nlen = sizeof n;
    CHECK_OK(getpeername(anon, (struct sockaddr*)&n, &nlen));
    CHECK_EQ(nlen, alen);
    /* AF_UNSPEC forgets it. */
    struct sockaddr unspec = {.sa_family = AF_UNSPEC};
    CHECK_OK(connect(anon, &unspec, sizeof unspec));
    CHECK_ERR(send(anon, "c", 1, 0), ENOTCONN);
    /* rx connected to tx takes datagrams from tx alone. */
    CHECK_OK(connect(rx, (struct sockaddr*)&b, blen));
    CHECK_ERR(sendto(anon, "n", 1, 0, (struct sockaddr*)&a, alen), EPERM);
    CHECK_ERR(sendto(anon, "n", 1, 0, (struct sockaddr*)&b, blen - 2), ENOENT);
    close(rx);
    /* A name without a socket behind it. */
    CHECK_ERR(sendto(tx, "n", 1, 0, (struct sockaddr*)&a, alen), ECONNREFUSED);
    close(tx);
    close(anon);
    remove_dir("rx", "tx");
    return CASE_PASS;
}

/* --- 3. options --- */

static int sock_options(void) {
    int sv[2];
    CHECK_OK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv));
    int v;
    socklen_t len = sizeof v;
    CHECK_OK(getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &v, &len));
    CHECK_EQ(v, SOCK_SEQPACKET);
    CHECK_EQ(len, sizeof(int));
    CHECK_OK(getsockopt(sv[0], SOL_SOCKET, SO_DOMAIN, &v, &len));
    CHECK_EQ(v, AF_UNIX);
    CHECK_OK(getsockopt(sv[0], SOL_SOCKET, SO_PROTOCOL, &v, &len));
    CHECK_EQ(v, 0);
    CHECK_OK(getsockopt(sv[0], SOL_SOCKET, SO_ERROR, &v, &len));
    CHECK_EQ(v, 0);
    CHECK_OK(getsockopt(sv[0], SOL_SOCKET, SO_ACCEPTCONN, &v, &len));
    CHECK_EQ(v, 0);
    struct ucred cred;
    len = sizeof cred;
    CHECK_OK(getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &cred, &len));
    CHECK_EQ(len, sizeof cred);
    CHECK_EQ(cred.pid, getpid());
    CHECK_EQ(cred.uid, geteuid());
    CHECK_EQ(cred.gid, getegid());
    /* Buffer sizes: accepted, doubled, reported. */
    v = 65536;
    CHECK_OK(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &v, sizeof v));
    len = sizeof v;
    CHECK_OK(getsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &v, &len));
    CHECK_EQ(v, 131072);
    v = 1;
    CHECK_OK(setsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &v, sizeof v));
    len = sizeof v;
    CHECK_OK(getsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &v, &len));
    CHECK_EQ(v, 2304);
    v = 1;
    CHECK_OK(setsockopt(sv[0], SOL_SOCKET, SO_REUSEADDR, &v, sizeof v));
    len = sizeof v;
    CHECK_OK(getsockopt(sv[0], SOL_SOCKET, SO_REUSEADDR, &v, &len));
    CHECK_EQ(v, 1);
    CHECK_ERR(setsockopt(sv[0], SOL_SOCKET, SO_REUSEADDR, &v, 2), EINVAL);
    CHECK_ERR(setsockopt(sv[0], SOL_SOCKET, SO_TYPE, &v, sizeof v), ENOPROTOOPT);
    CHECK_ERR(setsockopt(sv[0], SOL_SOCKET, SO_REUSEADDR, (void*)ADDR_HHDM, sizeof v), EFAULT);
    len = sizeof v;
    CHECK_ERR(getsockopt(sv[0], SOL_SOCKET, 9999, &v, &len), ENOPROTOOPT);
    len = (socklen_t)-1;
    CHECK_ERR(getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &v, &len), EINVAL);
    len = sizeof v;
    CHECK_ERR(getsockopt(sv[0], SOL_SOCKET, SO_TYPE, (void*)ADDR_HHDM, &len), EFAULT);
    CHECK_ERR(getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &v, (socklen_t*)ADDR_HHDM), EFAULT);
    /* SO_ERROR reports a reset once. */
    close(sv[1]);
    CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    CHECK_EQ(write(sv[0], "x", 1), 1);
    close(sv[1]);
    len = sizeof v;
    CHECK_OK(getsockopt(sv[0], SOL_SOCKET, SO_ERROR, &v, &len));
    CHECK_EQ(v, ECONNRESET);
    CHECK_OK(getsockopt(sv[0], SOL_SOCKET, SO_ERROR, &v, &len));
    CHECK_EQ(v, 0);
    close(sv[0]);
    return CASE_PASS;
}

/* SO_RCVTIMEO and SO_SNDTIMEO: a blocked call gives up with EAGAIN. */
static int sock_timeouts(void) {
    int sv[2];
    CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    struct timeval tv = {0, 100000};
    CHECK_OK(setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
    struct timeval got = {0, 0};
    socklen_t len = sizeof got;
    CHECK_OK(getsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &got, &len));
    CHECK_EQ(len, sizeof got);
    CHECK_EQ(got.tv_sec, 0);
    CHECK_EQ(got.tv_usec, 100000);
    len = sizeof got;
    CHECK_OK(getsockopt(sv[0], SOL_SOCKET, SO_SNDTIMEO, &got, &len));
    CHECK_EQ(got.tv_sec + got.tv_usec, 0);
    char c;
    long long start = now_ns();
    CHECK_ERR(read(sv[0], &c, 1), EAGAIN);
    long long took = now_ns() - start;
    CHECK(took >= 90000000ll);
    CHECK(took < 5000000000ll);
    /* Data that arrives in time is read. */
    CHECK_EQ(write(sv[1], "d", 1), 1);
    CHECK_EQ(read(sv[0], &c, 1), 1);
    /* {0, 0}: no limit again. */
    tv.tv_usec = 0;
    CHECK_OK(setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
    tv.tv_usec = 1000000;
    CHECK_ERR(setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv), EDOM);
    CHECK_ERR(setsockopt(sv[0], SOL_SOCKET, SO_SNDTIMEO, &tv, 8), EINVAL);
    /* A full stream's writer gives up too. */
    tv.tv_usec = 50000;
    CHECK_OK(setsockopt(sv[0], SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv));
    static char chunk[4096];
    while (send(sv[0], chunk, sizeof chunk, MSG_DONTWAIT) > 0) {
    }
    CHECK_ERR(send(sv[0], chunk, sizeof chunk, 0), EAGAIN);
    close(sv[0]);
    close(sv[1]);
    return CASE_PASS;
}

/* SO_PEERCRED across a connection: the client's at connect time for the
 * server, the listener's at listen time for the client. */
static int sock_peercred(void) {
    struct sockaddr_un a;
    char name[32];
    snprintf(name, sizeof name, "abi-cred-%d", (int)getpid());
    socklen_t alen = abstract_address(&a, name);
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK_OK(bind(s, (struct sockaddr*)&a, alen));
    CHECK_OK(listen(s, 1));
    fflush(NULL);
    pid_t pid = fork();
    CHECK_OK(pid);
    if (pid == 0) {
        int c = socket(AF_UNIX, SOCK_STREAM, 0);
        if (connect(c, (struct sockaddr*)&a, alen)) _exit(1);
        struct ucred cred;
        socklen_t len = sizeof cred;
        if (getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cred, &len)) _exit(2);
        if (cred.pid != getppid()) _exit(3);
        char b;
        if (read(c, &b, 1) != 0) _exit(4);
        _exit(0);
    }
    int c = accept(s, NULL, NULL);
    CHECK_OK(c);
    struct ucred cred;
    socklen_t len = sizeof cred;
    CHECK_OK(getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cred, &len));
    CHECK_EQ(cred.pid, pid);
    close(c);
    CHECK_EXITED(wait_status(pid), 0);
    close(s);
    return CASE_PASS;
}

/* --- 4. SCM_RIGHTS --- */

static int send_fds(int sock, const int* fds, int n, const char* data) {
    char control[CMSG_SPACE(sizeof(int) * 8)];
    memset(control, 0, sizeof control);
    struct iovec v = {(void*)data, strlen(data)};
    struct msghdr m = {0};
    m.msg_iov = &v;
    m.msg_iovlen = 1;
    m.msg_control = control;
    m.msg_controllen = CMSG_SPACE(sizeof(int) * n);
    struct cmsghdr* c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * n);
    memcpy(CMSG_DATA(c), fds, sizeof(int) * n);
    return (int)sendmsg(sock, &m, 0);
}

static int sock_scm_rights(void) {
    int types[2] = {SOCK_STREAM, SOCK_DGRAM};
    for (int t = 0; t < 2; ++t) {
        int sv[2], p[2];
        CHECK_OK(socketpair(AF_UNIX, types[t], 0, sv));
        CHECK_OK(pipe(p));
        CHECK_EQ(send_fds(sv[0], &p[1], 1, "fd"), 2);
        close(p[1]);
        char data[8];
        char control[CMSG_SPACE(sizeof(int) * 4)];
        struct iovec v = {data, sizeof data};
        struct msghdr m = {0};
        m.msg_iov = &v;
        m.msg_iovlen = 1;
        m.msg_control = control;
        m.msg_controllen = sizeof control;
        CHECK_EQ(recvmsg(sv[1], &m, MSG_CMSG_CLOEXEC), 2);
        CHECK_EQ(m.msg_flags & MSG_CTRUNC, 0);
        struct cmsghdr* c = CMSG_FIRSTHDR(&m);
        CHECK(c != NULL);
        CHECK_EQ(c->cmsg_level, SOL_SOCKET);
        CHECK_EQ(c->cmsg_type, SCM_RIGHTS);
        CHECK_EQ(c->cmsg_len, CMSG_LEN(sizeof(int)));
        CHECK_EQ(m.msg_controllen, CMSG_SPACE(sizeof(int)));
        int got;
        memcpy(&got, CMSG_DATA(c), sizeof got);
        CHECK(fcntl(got, F_GETFD) & FD_CLOEXEC);
        /* The received descriptor is the pipe's write end. */
        CHECK_EQ(write(got, "!", 1), 1);
        close(got);
        char b;
        CHECK_EQ(read(p[0], &b, 1), 1);
        CHECK_EQ(read(p[0], &b, 1), 0);
        close(p[0]);
        close(sv[0]);
        close(sv[1]);
    }
    return CASE_PASS;
}

static int sock_scm_truncated(void) {
    int sv[2], p[2];
    CHECK_OK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
    CHECK_OK(pipe(p));
    CHECK_EQ(send_fds(sv[0], p, 2, "x"), 1);
    /* Room for one descriptor: it arrives, the other is closed. */
    char data[4];
    char control[CMSG_SPACE(sizeof(int))];
    struct iovec v = {data, sizeof data};
    struct msghdr m = {0};
    m.msg_iov = &v;
    m.msg_iovlen = 1;
    m.msg_control = control;
    m.msg_controllen = CMSG_LEN(sizeof(int));
    CHECK_EQ(recvmsg(sv[1], &m, 0), 1);
    CHECK(m.msg_flags & MSG_CTRUNC);
    struct cmsghdr* c = CMSG_FIRSTHDR(&m);
    CHECK(c != NULL);
    CHECK_EQ(c->cmsg_len, CMSG_LEN(sizeof(int)));
    int got;
    memcpy(&got, CMSG_DATA(c), sizeof got);
    close(got);
    close(p[0]);
    /* The write end went with the truncation: nothing holds it open. */
    close(p[1]);
    /* No control buffer at all. */
    CHECK_OK(pipe(p));
    CHECK_EQ(send_fds(sv[0], p, 1, "y"), 1);
    memset(&m, 0, sizeof m);
    m.msg_iov = &v;
    m.msg_iovlen = 1;
    CHECK_EQ(recvmsg(sv[1], &m, 0), 1);
    CHECK(m.msg_flags & MSG_CTRUNC);
    /* Sent but never received: freed with the socket. */
    CHECK_EQ(send_fds(sv[0], p, 2, "z"), 1);
    close(p[0]);
    close(p[1]);
    close(sv[0]);
    close(sv[1]);
    /* Bad descriptors and headers. */
    CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    int bad = 999;
    CHECK_ERR(send_fds(sv[0], &bad, 1, "b"), EBADF);
    char control2[CMSG_SPACE(sizeof(int))];
    memset(&m, 0, sizeof m);
    v.iov_base = data;
    v.iov_len = 1;
    m.msg_iov = &v;
    m.msg_iovlen = 1;
    m.msg_control = control2;
    m.msg_controllen = sizeof control2;
    c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = 77;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    CHECK_ERR(sendmsg(sv[0], &m, 0), EINVAL);
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = sizeof control2 + 8;
    CHECK_ERR(sendmsg(sv[0], &m, 0), EINVAL);
    m.msg_control = (void*)ADDR_HHDM;
    CHECK_ERR(syscall(SYS_sendmsg, sv[0], &m, 0), EFAULT);
    close(sv[0]);
    close(sv[1]);
    return CASE_PASS;
}

/* Receives one message into `data` with up to 4 descriptions (their
 * number in *nfds); returns the bytes, or -1. */
static int recv_fds(int sock, char* data, size_t size, int* fds, int* nfds) {
    char control[CMSG_SPACE(sizeof(int) * 4)];
    struct iovec v = {data, size};
    struct msghdr m = {0};
    m.msg_iov = &v;
    m.msg_iovlen = 1;
    m.msg_control = control;
    m.msg_controllen = sizeof control;
    int n = (int)recvmsg(sock, &m, MSG_DONTWAIT);
    *nfds = 0;
    struct cmsghdr* c = n >= 0 ? CMSG_FIRSTHDR(&m) : NULL;
    if (c && c->cmsg_type == SCM_RIGHTS) {
        *nfds = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
        memcpy(fds, CMSG_DATA(c), sizeof(int) * (size_t)*nfds);
    }
    return n;
}

/* Linux collects unreachable sockets when a Unix socket is released while
 * descriptions are in flight (unix_gc): closing a fresh pair makes it
 * run there. */
static int gc_trigger(void) {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) return -1;
    close(sv[0]);
    close(sv[1]);
    return 0;
}

/* Waits (up to 5 s) for `fd` to be readable or hung up: Linux may finish a
 * collection on another CPU. */
static void wait_readable(int fd) {
    struct pollfd p = {.fd = fd, .events = POLLIN};
    poll(&p, 1, 5000);
}

static int count_fds(void) {
    int n = 0;
    for (int fd = 0; fd < 1024; ++fd)
        if (fcntl(fd, F_GETFD) >= 0) ++n;
    return n;
}

/* SCM_RIGHTS cycles that no process can reach any more: a socket sent
 * into its own queue, each end sent over itself, a cycle of three, a
 * socket carried inside a socket in flight, a listener sent to its own
 * pending connection. Each carries a pipe's write end: once the cycle is
 * collected, the pipe's reader sees the end of file. Made many times, so
 * that a leak shows in the memory check. A cycle that a live socket can
 * still reach stays whole, and a stream whose peer was collected sees the
 * end of the stream (EPIPE for writes). */
static int sock_scm_gc(void) {
    const int fds_before = count_fds();
    char name[48];
    snprintf(name, sizeof name, "abi-scm-gc-%d", (int)getpid());
    for (int round = 0; round < 2000; ++round) {
        int p[2];
        CHECK_OK(pipe(p));
        CHECK_OK(fcntl(p[0], F_SETFL, O_NONBLOCK));
        const int type = (round / 5) % 2 ? SOCK_DGRAM : SOCK_STREAM;
        int a[2], b[2], c[2];
        switch (round % 5) {
        case 0: /* a's queue holds a */
            CHECK_OK(socketpair(AF_UNIX, type, 0, a));
            {
                int f[2] = {a[0], p[1]};
                CHECK_EQ(send_fds(a[1], f, 2, "self"), 4);
            }
            break;
        case 1: /* each end in the other's queue, sent over itself */
            CHECK_OK(socketpair(AF_UNIX, type, 0, a));
            CHECK_EQ(send_fds(a[0], &a[0], 1, "x"), 1);
            {
                int f[2] = {a[1], p[1]};
                CHECK_EQ(send_fds(a[1], f, 2, "y"), 1);
            }
            break;
        case 2: /* a cycle of three: a0 holds b0, b0 holds c0, c0 holds a0 */
            CHECK_OK(socketpair(AF_UNIX, type, 0, a));
            CHECK_OK(socketpair(AF_UNIX, type, 0, b));
            CHECK_OK(socketpair(AF_UNIX, type, 0, c));
            CHECK_EQ(send_fds(a[1], &b[0], 1, "1"), 1);
            CHECK_EQ(send_fds(b[1], &c[0], 1, "2"), 1);
            {
                int f[2] = {a[0], p[1]};
                CHECK_EQ(send_fds(c[1], f, 2, "3"), 1);
            }
            close(b[0]);
            close(b[1]);
            close(c[0]);
            close(c[1]);
            break;
        case 3: /* b0 (holding the pipe) in flight inside a0, which holds itself */
            CHECK_OK(socketpair(AF_UNIX, type, 0, a));
            CHECK_OK(socketpair(AF_UNIX, type, 0, b));
            CHECK_EQ(send_fds(b[1], &p[1], 1, "p"), 1);
            CHECK_EQ(send_fds(a[1], &b[0], 1, "b"), 1);
            CHECK_EQ(send_fds(a[1], &a[0], 1, "a"), 1);
            close(b[0]);
            close(b[1]);
            break;
        default: { /* a listener in its own pending connection's queue */
            struct sockaddr_un addr;
            socklen_t len = abstract_address(&addr, name);
            a[0] = socket(AF_UNIX, SOCK_STREAM, 0);
            CHECK_OK(a[0]);
            CHECK_OK(bind(a[0], (struct sockaddr*)&addr, len));
            CHECK_OK(listen(a[0], 4));
            a[1] = socket(AF_UNIX, SOCK_STREAM, 0);
            CHECK_OK(a[1]);
            CHECK_OK(connect(a[1], (struct sockaddr*)&addr, len));
            int f[2] = {a[0], p[1]};
            CHECK_EQ(send_fds(a[1], f, 2, "l"), 1);
            break;
        }
        }
        close(p[1]);
        close(a[0]);
        close(a[1]);
        CHECK_OK(gc_trigger());
        wait_readable(p[0]);
        char ch;
        CHECK_EQ(read(p[0], &ch, 1), 0);
        close(p[0]);
    }

    /* Reachable from a live socket (s0's queue holds a0, whose own queue
     * holds a0): kept, and what it carries still arrives. */
    int s[2], a[2];
    CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, s));
    CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, a));
    CHECK_EQ(send_fds(a[1], &a[0], 1, "inner"), 5);
    CHECK_EQ(send_fds(s[1], &a[0], 1, "outer"), 5);
    close(a[0]);
    close(a[1]);
    CHECK_OK(gc_trigger());
    char data[16];
    int got[4], n;
    CHECK_EQ(recv_fds(s[0], data, sizeof data, got, &n), 5);
    CHECK_EQ(memcmp(data, "outer", 5), 0);
    CHECK_EQ(n, 1);
    int kept = got[0];
    CHECK_EQ(recv_fds(kept, data, sizeof data, got, &n), 5);
    CHECK_EQ(memcmp(data, "inner", 5), 0);
    CHECK_EQ(n, 1);
    close(got[0]);
    close(kept);
    close(s[0]);
    close(s[1]);

    /* A stream whose peer was collected: the end of the stream. */
    CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, a));
    CHECK_EQ(send_fds(a[1], &a[0], 1, "z"), 1);
    close(a[0]);
    CHECK_OK(gc_trigger());
    wait_readable(a[1]);
    CHECK_EQ(read(a[1], data, sizeof data), 0);
    CHECK_ERR(send(a[1], "w", 1, MSG_NOSIGNAL), EPIPE);
    close(a[1]);
    CHECK_EQ(count_fds(), fds_before);
    return CASE_PASS;
}

/* --- 5. other families --- */

/* Linux has AF_INET; NyanOS has no network stack and answers as a Linux
 * built without one (CONFIG_INET=n): EAFNOSUPPORT. Either is right. */
static int sock_inet(void) {
    int fams[2] = {AF_INET, AF_INET6};
    for (int i = 0; i < 2; ++i) {
        int s = socket(fams[i], SOCK_STREAM, 0);
        if (s >= 0)
            close(s);
        else
            CHECK_EQ(errno, EAFNOSUPPORT);
        int sv[2];
        errno = 0;
        CHECK_EQ(socketpair(fams[i], SOCK_STREAM, 0, sv), -1);
        CHECK(errno == EOPNOTSUPP || errno == EAFNOSUPPORT);
    }
    return CASE_PASS;
}

/* epoll watches sockets as poll does: a stream's end reports readable
 * when bytes arrive, and HUP with RDHUP once the peer is gone; a
 * listening socket reports a waiting connection as EPOLLIN. */
static int sock_epoll(void) {
    int sv[2];
    CHECK_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    int ep = epoll_create1(EPOLL_CLOEXEC);
    CHECK_OK(ep);
    struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.u64 = 7};
    CHECK_OK(epoll_ctl(ep, EPOLL_CTL_ADD, sv[0], &ev));
    struct epoll_event got[2];
    CHECK_EQ(epoll_wait(ep, got, 2, 0), 0);
    CHECK_EQ(write(sv[1], "ab", 2), 2);
    CHECK_EQ(epoll_wait(ep, got, 2, 0), 1);
    CHECK_EQ(got[0].events, EPOLLIN);
    CHECK_EQ(got[0].data.u64, 7);
    close(sv[1]);
    CHECK_EQ(epoll_wait(ep, got, 2, 0), 1);
    CHECK_EQ(got[0].events, EPOLLIN | EPOLLHUP | EPOLLRDHUP);
    close(sv[0]);
    close(ep);

    int l = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK_OK(l);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(a.sun_path + 1, sizeof a.sun_path - 1, "abi-epoll-%d", (int)getpid());
    socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(a.sun_path + 1));
    CHECK_OK(bind(l, (struct sockaddr*)&a, len));
    CHECK_OK(listen(l, 4));
    ep = epoll_create1(0);
    CHECK_OK(ep);
    ev.events = EPOLLIN;
    ev.data.u64 = 9;
    CHECK_OK(epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev));
    CHECK_EQ(epoll_wait(ep, got, 2, 0), 0);
    int c = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK_OK(c);
    CHECK_OK(connect(c, (struct sockaddr*)&a, len));
    CHECK_EQ(epoll_wait(ep, got, 2, 1000), 1);
    CHECK_EQ(got[0].events, EPOLLIN);
    CHECK_EQ(got[0].data.u64, 9);
    int s = accept(l, NULL, NULL);
    CHECK_OK(s);
    CHECK_EQ(epoll_wait(ep, got, 2, 0), 0);
    close(s);
    close(c);
    close(l);
    close(ep);
    return CASE_PASS;
}

/* A chain of sockets each in flight inside the one before (x0's queue
 * holds x1, x1's holds x2, ...), built while holding a constant number of
 * descriptors, then dropped by closing its head: the kernel releases the
 * whole chain without recursing once per link (a deep chain must not
 * exhaust its stack) and every descriptor comes back. A pipe's write end
 * rides at the far end: its reader sees end-of-file once the chain is
 * gone. */
static int sock_scm_deep_chain(void) {
    enum { kDepth = 3000 };
    int p[2];
    CHECK_OK(pipe(p));
    int head[2];
    CHECK_OK(socketpair(AF_UNIX, SOCK_DGRAM, 0, head));
    int prev_sender = head[1]; /* sends into head[0]'s queue */
    for (int i = 0; i < kDepth; ++i) {
        int pair[2];
        CHECK_OK(socketpair(AF_UNIX, SOCK_DGRAM, 0, pair));
        /* pair[0] goes into the previous socket's queue... */
        CHECK_EQ(send_fds(prev_sender, &pair[0], 1, "l"), 1);
        CHECK_OK(close(pair[0]));
        if (prev_sender != head[1]) CHECK_OK(close(prev_sender));
        /* ...and pair[1] sends the next link into pair[0]'s queue. */
        prev_sender = pair[1];
    }
    CHECK_EQ(send_fds(prev_sender, &p[1], 1, "w"), 1);
    CHECK_OK(close(prev_sender));
    CHECK_OK(close(p[1]));
    CHECK_OK(close(head[1]));
    CHECK_OK(close(head[0])); /* the whole chain goes */
    char c;
    CHECK_EQ(read(p[0], &c, 1), 0);
    CHECK_OK(close(p[0]));
    return CASE_PASS;
}

CASE_TABLE(socket) = {
    {"sock-pair-stream", sock_pair_stream},
    {"sock-pair-dgram", sock_pair_dgram},
    {"sock-pair-flags", sock_pair_flags},
    {"sock-pair-close", sock_pair_close},
    {"sock-shutdown", sock_shutdown},
    {"sock-poll", sock_poll},
    {"sock-blocking", sock_blocking},
    {"sock-waitall", sock_waitall},
    {"sock-errors", sock_errors},
    {"sock-bind-path", sock_bind_path},
    {"sock-connect-errors", sock_connect_errors},
    {"sock-abstract", sock_abstract},
    {"sock-backlog", sock_backlog},
    {"sock-dgram-named", sock_dgram_named},
    {"sock-options", sock_options},
    {"sock-timeouts", sock_timeouts},
    {"sock-peercred", sock_peercred},
    {"sock-scm-rights", sock_scm_rights},
    {"sock-scm-truncated", sock_scm_truncated},
    {"sock-scm-gc", sock_scm_gc},
    {"sock-scm-deep-chain", sock_scm_deep_chain},
    {"sock-inet", sock_inet},
    {"sock-epoll", sock_epoll},
    CASE_TABLE_END,
};
