/* Event files: eventfd, timerfd, signalfd and epoll. eventfd(2),
 * timerfd_create(2), signalfd(2), epoll(7), epoll_ctl(2) and epoll_wait(2)
 * are the reference; Linux 6.1's answers are the expected ones. */
#include "suite.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>

#define BAD_PTR ((void*)ADDR_KERNEL_IMAGE)

static int readable_now(int fd) {
    struct pollfd p = {fd, POLLIN, 0};
    return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

static int events_eventfd(void) {
    CHECK_ERR(eventfd(0, 0x10), EINVAL);
    int fd = eventfd(3, EFD_NONBLOCK | EFD_CLOEXEC);
    CHECK_OK(fd);
    CHECK_EQ(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
    CHECK(fcntl(fd, F_GETFL) & O_NONBLOCK);
    uint64_t v = 0;
    CHECK_ERR(read(fd, &v, 4), EINVAL);
    CHECK_EQ(read(fd, &v, 8), 8);
    CHECK_EQ(v, 3);
    CHECK_ERR(read(fd, &v, 8), EAGAIN);
    CHECK(!readable_now(fd));
    v = 5;
    CHECK_ERR(write(fd, &v, 4), EINVAL);
    CHECK_EQ(write(fd, &v, 8), 8);
    CHECK_EQ(write(fd, &v, 8), 8);
    CHECK(readable_now(fd));
    CHECK_EQ(read(fd, &v, 16), 8); /* a longer buffer reads 8 bytes */
    CHECK_EQ(v, 10);
    v = UINT64_MAX;
    CHECK_ERR(write(fd, &v, 8), EINVAL);
    v = 0xfffffffffffffffeull;
    CHECK_EQ(write(fd, &v, 8), 8);
    struct pollfd p = {fd, POLLIN | POLLOUT, 0};
    CHECK_EQ(poll(&p, 1, 0), 1);
    CHECK_EQ(p.revents, POLLIN); /* full: not writable */
    v = 1;
    CHECK_ERR(write(fd, &v, 8), EAGAIN);
    CHECK_ERR(write(fd, BAD_PTR, 8), EFAULT);
    close(fd);

    /* Semaphore mode: one at a time. */
    fd = eventfd(2, EFD_SEMAPHORE | EFD_NONBLOCK);
    CHECK_OK(fd);
    CHECK_EQ(read(fd, &v, 8), 8);
    CHECK_EQ(v, 1);
    CHECK_EQ(read(fd, &v, 8), 8);
    CHECK_EQ(v, 1);
    CHECK_ERR(read(fd, &v, 8), EAGAIN);
    close(fd);

    /* A blocking read waits for a writer (a child). */
    fd = eventfd(0, 0);
    CHECK_OK(fd);
    fflush(NULL);
    pid_t pid = fork();
    CHECK_OK(pid);
    if (pid == 0) {
        sleep_ms(50);
        uint64_t seven = 7;
        _exit(write(fd, &seven, 8) == 8 ? 0 : 1);
    }
    CHECK_EQ(read(fd, &v, 8), 8);
    CHECK_EQ(v, 7);
    CHECK_EXITED(wait_status(pid), 0);
    struct stat st;
    CHECK_OK(fstat(fd, &st));
    CHECK_EQ(lseek(fd, 5, SEEK_SET), 0); /* noop_llseek */
    close(fd);
    return CASE_PASS;
}

static int events_timerfd(void) {
    CHECK_ERR(timerfd_create(CLOCK_PROCESS_CPUTIME_ID, 0), EINVAL);
    CHECK_ERR(timerfd_create(CLOCK_MONOTONIC, 0x10), EINVAL);
    int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    CHECK_OK(fd);
    CHECK_EQ(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
    uint64_t n = 0;
    CHECK_ERR(read(fd, &n, 8), EAGAIN); /* disarmed */
    struct itimerspec its = {{0, 0}, {0, 0}}, old;
    CHECK_OK(timerfd_gettime(fd, &old));
    CHECK(old.it_value.tv_sec == 0 && old.it_value.tv_nsec == 0);
    its.it_value.tv_nsec = 1000000000;
    CHECK_ERR(timerfd_settime(fd, 0, &its, NULL), EINVAL);
    its.it_value.tv_nsec = 0;
    its.it_value.tv_sec = -1;
    CHECK_ERR(timerfd_settime(fd, 0, &its, NULL), EINVAL);
    CHECK_ERR(timerfd_settime(fd, 0x10, &its, NULL), EINVAL);
    CHECK_ERR(timerfd_settime(fd, 0, BAD_PTR, NULL), EFAULT);
    CHECK_ERR(timerfd_gettime(fd, BAD_PTR), EFAULT);

    /* A one-shot in 50 ms: nothing yet, then one expiration. */
    its.it_value.tv_sec = 0;
    its.it_value.tv_nsec = 50000000;
    CHECK_OK(timerfd_settime(fd, 0, &its, NULL));
    CHECK_OK(timerfd_gettime(fd, &old));
    CHECK(old.it_value.tv_sec == 0 && old.it_value.tv_nsec > 0 && old.it_value.tv_nsec <= 50000000);
    CHECK_ERR(read(fd, &n, 4), EINVAL);
    CHECK(!readable_now(fd));
    struct pollfd p = {fd, POLLIN, 0};
    CHECK_EQ(poll(&p, 1, 2000), 1);
    CHECK_EQ(read(fd, &n, 8), 8);
    CHECK_EQ(n, 1);
    CHECK_ERR(read(fd, &n, 8), EAGAIN);
    CHECK_OK(timerfd_gettime(fd, &old));
    CHECK(old.it_value.tv_sec == 0 && old.it_value.tv_nsec == 0);

    /* Periodic, 10 ms: several expirations in 60 ms, counted in one read. */
    its.it_value.tv_nsec = 10000000;
    its.it_interval.tv_nsec = 10000000;
    CHECK_OK(timerfd_settime(fd, 0, &its, &old));
    sleep_ms(60);
    CHECK_EQ(read(fd, &n, 8), 8);
    CHECK(n >= 3 && n <= 8);
    CHECK_OK(timerfd_gettime(fd, &old));
    CHECK_EQ(old.it_interval.tv_nsec, 10000000);
    /* Disarming returns the old setting and clears the count. */
    struct itimerspec off = {{0, 0}, {0, 0}};
    CHECK_OK(timerfd_settime(fd, 0, &off, &old));
    CHECK_EQ(old.it_interval.tv_nsec, 10000000);
    CHECK_ERR(read(fd, &n, 8), EAGAIN);
    close(fd);

    /* Absolute: a time already past fires at once; a blocking read. */
    fd = timerfd_create(CLOCK_REALTIME, 0);
    CHECK_OK(fd);
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    its.it_interval.tv_nsec = 0;
    its.it_value = now;
    its.it_value.tv_sec -= 1;
    CHECK_OK(timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL));
    CHECK_EQ(read(fd, &n, 8), 8);
    CHECK_EQ(n, 1);
    clock_gettime(CLOCK_REALTIME, &now);
    its.it_value = now;
    its.it_value.tv_nsec += 30000000;
    if (its.it_value.tv_nsec >= 1000000000) {
        its.it_value.tv_nsec -= 1000000000;
        its.it_value.tv_sec++;
    }
    CHECK_OK(timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL));
    CHECK_EQ(read(fd, &n, 8), 8);
    CHECK_EQ(n, 1);
    close(fd);

    /* Another file is not a timer. */
    int e = eventfd(0, 0);
    CHECK_ERR(timerfd_settime(e, 0, &its, NULL), EINVAL);
    CHECK_ERR(timerfd_gettime(e, &old), EINVAL);
    CHECK_ERR(timerfd_gettime(999, &old), EBADF);
    close(e);
    return CASE_PASS;
}

static int events_signalfd(void) {
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGUSR1);
    CHECK_OK(sigprocmask(SIG_BLOCK, &mask, NULL));
    CHECK_ERR(syscall(SYS_signalfd4, -1, &mask, 4, 0), EINVAL);
    CHECK_ERR(signalfd(-1, &mask, 0x10), EINVAL);
    CHECK_ERR(signalfd(-1, BAD_PTR, 0), EFAULT);
    int fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
    CHECK_OK(fd);
    CHECK_EQ(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
    struct signalfd_siginfo si[2];
    CHECK_ERR(read(fd, si, sizeof si), EAGAIN);
    CHECK_ERR(read(fd, si, 64), EINVAL);
    CHECK(!readable_now(fd));
    CHECK_OK(kill(getpid(), SIGUSR1));
    CHECK(readable_now(fd));
    CHECK_EQ(read(fd, si, sizeof si), (long)sizeof si[0]);
    CHECK_EQ(si[0].ssi_signo, SIGUSR1);
    CHECK_EQ(si[0].ssi_code, SI_USER);
    CHECK_EQ(si[0].ssi_pid, getpid());
    CHECK(!readable_now(fd));
    sigset_t none;
    sigpending(&none);
    CHECK(!sigismember(&none, SIGUSR1));

    /* A new mask on the same file; a signal outside it stays pending. */
    sigaddset(&mask, SIGUSR2);
    CHECK_OK(sigprocmask(SIG_BLOCK, &mask, NULL));
    sigset_t only2;
    sigemptyset(&only2);
    sigaddset(&only2, SIGUSR2);
    CHECK_EQ(signalfd(fd, &only2, 0), fd);
    CHECK_OK(kill(getpid(), SIGUSR1));
    CHECK(!readable_now(fd));
    union sigval val = {.sival_int = 42};
    CHECK_OK(sigqueue(getpid(), SIGUSR2, val));
    CHECK_EQ(read(fd, si, sizeof si), (long)sizeof si[0]);
    CHECK_EQ(si[0].ssi_signo, SIGUSR2);
    CHECK_EQ(si[0].ssi_code, SI_QUEUE);
    CHECK_EQ(si[0].ssi_int, 42);
    sigpending(&none);
    CHECK(sigismember(&none, SIGUSR1));

    /* Another file is not a signalfd. */
    int e = eventfd(0, 0);
    CHECK_ERR(signalfd(e, &mask, 0), EINVAL);
    CHECK_ERR(signalfd(999, &mask, 0), EBADF);
    close(e);
    close(fd);
    return CASE_PASS;
}

static int events_epoll_errors(void) {
    CHECK_ERR(syscall(SYS_epoll_create, 0), EINVAL);
    CHECK_ERR(epoll_create1(0x10), EINVAL);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    CHECK_OK(ep);
    CHECK_EQ(fcntl(ep, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
    int p[2];
    CHECK_OK(pipe(p));
    struct epoll_event ev = {EPOLLIN, {.u64 = 1}};
    CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev), ENOENT);
    CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], &ev), ENOENT);
    CHECK_OK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
    CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev), EEXIST);
    CHECK_ERR(epoll_ctl(ep, 7, p[0], &ev), EINVAL);
    CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_ADD, ep, &ev), EINVAL);
    CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_ADD, 999, &ev), EBADF);
    CHECK_ERR(epoll_ctl(999, EPOLL_CTL_ADD, p[0], &ev), EBADF);
    CHECK_ERR(epoll_ctl(p[1], EPOLL_CTL_ADD, p[0], &ev), EINVAL);
    CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_ADD, p[1], BAD_PTR), EFAULT);
    ev.events = EPOLLIN | EPOLLEXCLUSIVE;
    CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev), EINVAL);
    /* A regular file (and a directory) cannot be watched. */
    int f = open("/proc/self/exe", O_RDONLY);
    CHECK_OK(f);
    ev.events = EPOLLIN;
    CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_ADD, f, &ev), EPERM);
    CHECK_ERR(epoll_ctl(p[1], EPOLL_CTL_ADD, f, &ev), EPERM); /* before "not an epoll" */
    CHECK_ERR(epoll_ctl(ep, 7, f, &ev), EPERM);               /* and before the op */
    close(f);
    int d = open("/", O_RDONLY | O_DIRECTORY);
    CHECK_OK(d);
    CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_ADD, d, &ev), EPERM);
    close(d);
    /* Nor the memory devices, which have no poll of their own. */
    const char* devices[] = {"/dev/null", "/dev/zero", "/dev/full"};
    for (int i = 0; i < 3; ++i) {
        int dev = open(devices[i], O_RDWR);
        CHECK_OK(dev);
        CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_ADD, dev, &ev), EPERM);
        close(dev);
    }
    /* Loops: an epoll that would watch itself through another. */
    int ep2 = epoll_create1(0);
    CHECK_OK(ep2);
    CHECK_OK(epoll_ctl(ep, EPOLL_CTL_ADD, ep2, &ev));
    CHECK_ERR(epoll_ctl(ep2, EPOLL_CTL_ADD, ep, &ev), ELOOP);
    /* epoll_wait's checks. */
    struct epoll_event out[4];
    CHECK_ERR(epoll_wait(ep, out, 0, 0), EINVAL);
    CHECK_ERR(epoll_wait(ep, out, -1, 0), EINVAL);
    CHECK_ERR(epoll_wait(p[0], out, 4, 0), EINVAL);
    CHECK_ERR(epoll_wait(999, out, 4, 0), EBADF);
    CHECK_ERR(epoll_wait(ep, BAD_PTR, 4, 0), EFAULT);
    CHECK_EQ(epoll_wait(ep, out, 4, 0), 0);
    CHECK_OK(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL));
    CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL), ENOENT);
    close(ep2);
    close(ep);
    close(p[0]);
    close(p[1]);
    return CASE_PASS;
}

static int events_epoll_triggers(void) {
    int ep = epoll_create1(0);
    CHECK_OK(ep);
    int lt[2], et[2], os[2];
    CHECK_OK(pipe(lt));
    CHECK_OK(pipe(et));
    CHECK_OK(pipe(os));
    struct epoll_event ev = {EPOLLIN, {.u64 = 0x1111222233334444ull}};
    CHECK_OK(epoll_ctl(ep, EPOLL_CTL_ADD, lt[0], &ev));
    ev.events = EPOLLIN | EPOLLET;
    ev.data.u64 = 2;
    CHECK_OK(epoll_ctl(ep, EPOLL_CTL_ADD, et[0], &ev));
    ev.events = EPOLLIN | EPOLLONESHOT;
    ev.data.u64 = 3;
    CHECK_OK(epoll_ctl(ep, EPOLL_CTL_ADD, os[0], &ev));
    struct epoll_event out[8];
    CHECK_EQ(epoll_wait(ep, out, 8, 0), 0);

    /* Level-triggered: reported while readable, with its data. */
    CHECK_EQ(write(lt[1], "a", 1), 1);
    CHECK_EQ(epoll_wait(ep, out, 8, 1000), 1);
    CHECK_EQ(out[0].events, EPOLLIN);
    CHECK(out[0].data.u64 == 0x1111222233334444ull);
    CHECK_EQ(epoll_wait(ep, out, 8, 0), 1);
    char c;
    CHECK_EQ(read(lt[0], &c, 1), 1);
    CHECK_EQ(epoll_wait(ep, out, 8, 0), 0);

    /* Edge-triggered: once per write, though still readable. */
    CHECK_EQ(write(et[1], "b", 1), 1);
    CHECK_EQ(epoll_wait(ep, out, 8, 1000), 1);
    CHECK_EQ(out[0].data.u64, 2);
    CHECK_EQ(epoll_wait(ep, out, 8, 0), 0);
    CHECK_EQ(write(et[1], "b", 1), 1);
    CHECK_EQ(epoll_wait(ep, out, 8, 0), 1);
    CHECK_EQ(out[0].data.u64, 2);
    CHECK_EQ(epoll_wait(ep, out, 8, 0), 0);

    /* One-shot: once, then disabled until EPOLL_CTL_MOD. */
    CHECK_EQ(write(os[1], "c", 1), 1);
    CHECK_EQ(epoll_wait(ep, out, 8, 0), 1);
    CHECK_EQ(out[0].data.u64, 3);
    CHECK_EQ(write(os[1], "c", 1), 1);
    CHECK_EQ(epoll_wait(ep, out, 8, 0), 0);
    ev.events = EPOLLIN | EPOLLONESHOT;
    ev.data.u64 = 4;
    CHECK_OK(epoll_ctl(ep, EPOLL_CTL_MOD, os[0], &ev));
    CHECK_EQ(epoll_wait(ep, out, 8, 0), 1);
    CHECK_EQ(out[0].data.u64, 4);

    /* maxevents bounds one wait; the rest come next. */
    CHECK_EQ(write(lt[1], "a", 1), 1);
    CHECK_EQ(write(et[1], "b", 1), 1);
    CHECK_EQ(epoll_wait(ep, out, 1, 0), 1);
    CHECK_EQ(epoll_wait(ep, out, 8, 0), 2);

    /* EPOLLHUP without asking; EPOLLOUT and EPOLLERR on a write end. */
    close(lt[1]);
    CHECK_EQ(epoll_wait(ep, out, 8, 0), 1); /* et[0] had its edge already */
    ev.events = EPOLLOUT;
    ev.data.u64 = 5;
    CHECK_OK(epoll_ctl(ep, EPOLL_CTL_ADD, os[1], &ev));
    int found = 0;
    int n = epoll_wait(ep, out, 8, 0);
    for (int i = 0; i < n; ++i) {
        if (out[i].data.u64 == 0x1111222233334444ull) {
            CHECK_EQ(out[i].events, EPOLLIN | EPOLLHUP);
            found |= 1;
        }
        if (out[i].data.u64 == 5) {
            CHECK_EQ(out[i].events, EPOLLOUT);
            found |= 2;
        }
    }
    CHECK_EQ(found, 3);
    close(os[0]);
    n = epoll_wait(ep, out, 8, 0);
    found = 0;
    for (int i = 0; i < n; ++i)
        if (out[i].data.u64 == 5) {
            CHECK_EQ(out[i].events, EPOLLOUT | EPOLLERR);
            found = 1;
        }
    CHECK(found);

    /* Closing the last descriptor removes an item; a dup keeps it. */
    int keep = dup(et[0]);
    CHECK_OK(keep);
    close(et[0]);
    CHECK_EQ(write(et[1], "b", 1), 1);
    n = epoll_wait(ep, out, 8, 0);
    found = 0;
    for (int i = 0; i < n; ++i) found |= out[i].data.u64 == 2;
    CHECK(found);
    close(keep);
    close(lt[0]);
    close(os[1]);
    CHECK_EQ(epoll_wait(ep, out, 8, 0), 0);
    CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_DEL, lt[0], NULL), EBADF);
    close(et[1]);
    close(ep);
    return CASE_PASS;
}

static int events_epoll_kinds(void) {
    int ep = epoll_create1(0);
    CHECK_OK(ep);
    int efd = eventfd(0, EFD_NONBLOCK);
    int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGUSR1);
    CHECK_OK(sigprocmask(SIG_BLOCK, &mask, NULL));
    int sfd = signalfd(-1, &mask, SFD_NONBLOCK);
    int inner = epoll_create1(0);
    CHECK(efd >= 0 && tfd >= 0 && sfd >= 0 && inner >= 0);
    struct epoll_event ev = {EPOLLIN, {.u64 = 1}};
    CHECK_OK(epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev));
    ev.data.u64 = 2;
    CHECK_OK(epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &ev));
    ev.data.u64 = 3;
    CHECK_OK(epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev));
    ev.data.u64 = 4;
    CHECK_OK(epoll_ctl(ep, EPOLL_CTL_ADD, inner, &ev));
    struct epoll_event out[8];
    CHECK_EQ(epoll_wait(ep, out, 8, 0), 0);

    uint64_t one = 1;
    CHECK_EQ(write(efd, &one, 8), 8);
    CHECK_EQ(epoll_wait(ep, out, 8, 1000), 1);
    CHECK_EQ(out[0].data.u64, 1);
    CHECK_EQ(read(efd, &one, 8), 8);

    /* A timer wakes a blocked epoll_wait. */
    struct itimerspec its = {{0, 0}, {0, 30000000}};
    CHECK_OK(timerfd_settime(tfd, 0, &its, NULL));
    CHECK_EQ(epoll_wait(ep, out, 8, 2000), 1);
    CHECK_EQ(out[0].data.u64, 2);
    uint64_t n;
    CHECK_EQ(read(tfd, &n, 8), 8);

    CHECK_OK(kill(getpid(), SIGUSR1));
    CHECK_EQ(epoll_wait(ep, out, 8, 1000), 1);
    CHECK_EQ(out[0].data.u64, 3);
    struct signalfd_siginfo si;
    CHECK_EQ(read(sfd, &si, sizeof si), (long)sizeof si);

    /* An epoll in an epoll: readable when its own items are. */
    int p[2];
    CHECK_OK(pipe(p));
    ev.data.u64 = 9;
    CHECK_OK(epoll_ctl(inner, EPOLL_CTL_ADD, p[0], &ev));
    CHECK_EQ(epoll_wait(ep, out, 8, 0), 0);
    CHECK_EQ(write(p[1], "x", 1), 1);
    CHECK_EQ(epoll_wait(ep, out, 8, 1000), 1);
    CHECK_EQ(out[0].data.u64, 4);
    CHECK(readable_now(inner));
    CHECK_EQ(epoll_wait(inner, out, 8, 0), 1);
    CHECK_EQ(out[0].data.u64, 9);

    /* A wait in another process wakes when this one writes. */
    char c;
    CHECK_EQ(read(p[0], &c, 1), 1);
    CHECK_EQ(epoll_wait(inner, out, 8, 0), 0);
    fflush(NULL);
    pid_t pid = fork();
    CHECK_OK(pid);
    if (pid == 0) {
        sleep_ms(50);
        _exit(write(p[1], "y", 1) == 1 ? 0 : 1);
    }
    CHECK_EQ(epoll_wait(inner, out, 8, 5000), 1);
    CHECK_EQ(out[0].data.u64, 9);
    CHECK_EXITED(wait_status(pid), 0);
    close(p[0]);
    close(p[1]);
    close(inner);
    close(sfd);
    close(tfd);
    close(efd);
    close(ep);
    return CASE_PASS;
}

CASE_TABLE(events) = {
    {"events-eventfd", events_eventfd},
    {"events-timerfd", events_timerfd},
    {"events-signalfd", events_signalfd},
    {"events-epoll-errors", events_epoll_errors},
    {"events-epoll-triggers", events_epoll_triggers},
    {"events-epoll-kinds", events_epoll_kinds},
    CASE_TABLE_END,
};
