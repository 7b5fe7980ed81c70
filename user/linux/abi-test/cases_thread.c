/* Threads (musl's pthreads on clone(CLONE_VM|CLONE_THREAD|...), futexes):
 * creation and join, ids, mutexes and condition variables, raw futex
 * calls, the clear-tid wake, thread-directed signals, exit_group from any
 * thread, and memory-map changes one thread makes seen by another. */
#include "suite.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>

/* From <linux/futex.h> (musl ships no kernel headers). */
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_PRIVATE_FLAG 128

#define THREADS 8

struct ids {
    int index;
    pid_t tid, pid;
};

static void* report_ids(void* arg) {
    struct ids* me = arg;
    me->tid = gettid();
    me->pid = getpid();
    sleep_ms(10 * (me->index % 3)); /* some join while the thread still runs */
    return (void*)(long)(me->index * me->index);
}

static int thread_create_join_ids(void) {
    pthread_t t[THREADS];
    struct ids ids[THREADS];
    CHECK_EQ(gettid(), getpid()); /* the main thread's tid is the pid */
    for (int i = 0; i < THREADS; ++i) {
        ids[i].index = i;
        int r = pthread_create(&t[i], NULL, report_ids, &ids[i]);
        if (r) return fail("pthread_create %d: %s", i, errno_name(r));
    }
    for (int i = 0; i < THREADS; ++i) {
        void* ret;
        int r = pthread_join(t[i], &ret);
        if (r) return fail("pthread_join %d: %s", i, errno_name(r));
        CHECK_EQ((long)ret, i * i);
    }
    for (int i = 0; i < THREADS; ++i) {
        CHECK_EQ(ids[i].pid, getpid());
        CHECK(ids[i].tid != getpid() && ids[i].tid > 0);
        for (int j = 0; j < i; ++j)
            if (ids[i].tid == ids[j].tid) return fail("threads %d and %d share tid %d", i, j, ids[i].tid);
    }
    return CASE_PASS;
}

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static long g_counter;
#define INCREMENTS 100000

static void* add_many(void* arg) {
    (void)arg;
    for (int i = 0; i < INCREMENTS; ++i) {
        pthread_mutex_lock(&g_lock);
        long v = g_counter;
        if ((i & 1023) == 0) sched_yield(); /* hold it a while now and then: contention */
        g_counter = v + 1;
        pthread_mutex_unlock(&g_lock);
    }
    return NULL;
}

static int thread_mutex_counter(void) {
    pthread_t t[4];
    for (int i = 0; i < 4; ++i) CHECK_EQ(pthread_create(&t[i], NULL, add_many, NULL), 0);
    for (int i = 0; i < 4; ++i) CHECK_EQ(pthread_join(t[i], NULL), 0);
    CHECK_EQ(g_counter, 4L * INCREMENTS);
    return CASE_PASS;
}

static long futex(volatile int* addr, int op, int val, const struct timespec* ts) {
    return syscall(SYS_futex, addr, op, val, ts, NULL, 0);
}

static volatile int g_word;
static volatile int g_arrived;
static volatile int g_woken, g_eagain, g_other;

static void* futex_waiter(void* arg) {
    int op = (int)(long)arg;
    __atomic_add_fetch(&g_arrived, 1, __ATOMIC_SEQ_CST);
    long r = futex(&g_word, op, 0, NULL);
    if (r == 0)
        __atomic_add_fetch(&g_woken, 1, __ATOMIC_SEQ_CST);
    else if (errno == EAGAIN)
        __atomic_add_fetch(&g_eagain, 1, __ATOMIC_SEQ_CST);
    else
        __atomic_add_fetch(&g_other, 1, __ATOMIC_SEQ_CST);
    return NULL;
}

/* futex(2): FUTEX_WAIT returns EAGAIN if the word does not hold val and
 * ETIMEDOUT when the timeout runs out; FUTEX_WAKE returns how many waiters
 * it woke. Three threads wait; the word changes before the wake, so each
 * either was woken (counted by the wake) or saw the new value (EAGAIN). */
static int thread_futex(void) {
    struct timespec ten_ms = {0, 10 * 1000000L};
    g_word = 5;
    CHECK_ERR(futex(&g_word, FUTEX_WAIT, 4, NULL), EAGAIN);
    long long t0 = now_ns();
    CHECK_ERR(futex(&g_word, FUTEX_WAIT, 5, &ten_ms), ETIMEDOUT);
    CHECK(now_ns() - t0 >= 10 * 1000000LL);
    CHECK_EQ(futex(&g_word, FUTEX_WAKE, 1, NULL), 0);
    /* EINVAL: a word not 4-byte aligned; a negative or too large timeout. */
    CHECK_ERR(futex((volatile int*)((char*)&g_word + 1), FUTEX_WAIT, 0, NULL), EINVAL);
    struct timespec bad = {0, 1000000000L};
    CHECK_ERR(futex(&g_word, FUTEX_WAIT, 5, &bad), EINVAL);
    CHECK_ERR(futex(&g_word, 99, 0, NULL), ENOSYS);
    for (int pass = 0; pass < 2; ++pass) {
        int op = pass ? FUTEX_WAIT | FUTEX_PRIVATE_FLAG : FUTEX_WAIT;
        g_word = 0;
        g_arrived = g_woken = g_eagain = g_other = 0;
        pthread_t t[3];
        for (int i = 0; i < 3; ++i) CHECK_EQ(pthread_create(&t[i], NULL, futex_waiter, (void*)(long)op), 0);
        while (g_arrived < 3) sched_yield();
        sleep_ms(30);
        g_word = 1;
        long woke = futex(&g_word, pass ? FUTEX_WAKE | FUTEX_PRIVATE_FLAG : FUTEX_WAKE, INT_MAX, NULL);
        for (int i = 0; i < 3; ++i) CHECK_EQ(pthread_join(t[i], NULL), 0);
        CHECK_EQ(g_other, 0);
        if (woke != g_woken || g_woken + g_eagain != 3)
            return fail("%s: FUTEX_WAKE said %ld, %d waiters woke, %d saw EAGAIN", pass ? "private" : "shared",
                        woke, g_woken, g_eagain);
    }
    return CASE_PASS;
}

static pthread_mutex_t g_qlock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_nonempty = PTHREAD_COND_INITIALIZER, g_nonfull = PTHREAD_COND_INITIALIZER;
static int g_queue[16], g_qhead, g_qcount;
static long g_consumed_sum;
#define ITEMS 20000

static void* producer(void* arg) {
    int base = (int)(long)arg;
    for (int i = 1; i <= ITEMS; ++i) {
        pthread_mutex_lock(&g_qlock);
        while (g_qcount == 16) pthread_cond_wait(&g_nonfull, &g_qlock);
        g_queue[(g_qhead + g_qcount++) % 16] = base + i;
        pthread_cond_signal(&g_nonempty);
        pthread_mutex_unlock(&g_qlock);
    }
    return NULL;
}

static void* consumer(void* arg) {
    (void)arg;
    for (int i = 0; i < ITEMS; ++i) {
        pthread_mutex_lock(&g_qlock);
        while (g_qcount == 0) pthread_cond_wait(&g_nonempty, &g_qlock);
        g_consumed_sum += g_queue[g_qhead];
        g_qhead = (g_qhead + 1) % 16;
        --g_qcount;
        pthread_cond_signal(&g_nonfull);
        pthread_mutex_unlock(&g_qlock);
    }
    return NULL;
}

static int thread_condvar(void) {
    pthread_t p[2], c[2];
    for (int i = 0; i < 2; ++i) {
        CHECK_EQ(pthread_create(&p[i], NULL, producer, (void*)(long)(i * 1000000)), 0);
        CHECK_EQ(pthread_create(&c[i], NULL, consumer, NULL), 0);
    }
    for (int i = 0; i < 2; ++i) {
        CHECK_EQ(pthread_join(p[i], NULL), 0);
        CHECK_EQ(pthread_join(c[i], NULL), 0);
    }
    long want = 2L * ITEMS * (ITEMS + 1) / 2 + 1000000L * ITEMS;
    CHECK_EQ(g_consumed_sum, want);
    /* A timed wait that times out returns ETIMEDOUT with the mutex held. */
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += 20 * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_nsec -= 1000000000L;
        ++until.tv_sec;
    }
    pthread_mutex_lock(&g_qlock);
    CHECK_EQ(pthread_cond_timedwait(&g_nonempty, &g_qlock, &until), ETIMEDOUT);
    CHECK_EQ(pthread_mutex_trylock(&g_qlock), EBUSY);
    pthread_mutex_unlock(&g_qlock);
    return CASE_PASS;
}

/* A raw clone thread: CLONE_CHILD_SETTID writes its tid into the word,
 * CLONE_CHILD_CLEARTID zeroes the word and wakes a futex on it when the
 * thread exits (set_tid_address(2)); pthread_join is built on this. */
static volatile pid_t g_ctid = -1;
static pid_t g_ptid = -1;
static volatile int g_clone_ran;

static int clone_body(void* arg) {
    (void)arg;
    g_clone_ran = 1;
    struct timespec ts = {0, 30 * 1000000L};
    raw_syscall6(SYS_nanosleep, (long)&ts, 0, 0, 0, 0, 0); /* no libc: no TLS of our own */
    return 0;
}

static int thread_clear_tid(void) {
    size_t size = 64 * 1024;
    char* stack = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(stack != MAP_FAILED);
    int flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM |
                CLONE_PARENT_SETTID | CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID;
    int tid = clone(clone_body, stack + size, flags, NULL, &g_ptid, NULL, &g_ctid);
    CHECK_OK(tid);
    CHECK_EQ(g_ptid, tid);
    int waits = 0;
    for (;;) {
        pid_t v = g_ctid;
        if (v == 0) break;
        if (v != -1 && v != tid) return fail("the clear-tid word holds %d, not the tid %d", v, tid);
        /* Wait while the word still holds v (-1 before the kernel set it). */
        futex((volatile int*)&g_ctid, FUTEX_WAIT, v, NULL);
        ++waits;
    }
    CHECK_EQ(g_clone_ran, 1);
    CHECK(waits >= 1);
    return CASE_PASS;
}

static volatile pid_t g_handled_in;
static void note_tid(int sig) {
    (void)sig;
    g_handled_in = gettid();
}

struct waiter {
    int fd;
    pid_t tid;
    int block_usr2;
};

static void* wait_on_pipe(void* arg) {
    struct waiter* w = arg;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    pthread_sigmask(w->block_usr2 ? SIG_BLOCK : SIG_UNBLOCK, &set, NULL);
    __atomic_store_n(&w->tid, gettid(), __ATOMIC_SEQ_CST);
    char c;
    while (read(w->fd, &c, 1) < 0 && errno == EINTR) {
    }
    return NULL;
}

static void* raise_in_thread(void* arg) {
    (void)arg;
    raise(SIGUSR1);
    return (void*)(long)gettid();
}

/* tgkill/tkill/pthread_kill direct a signal at one thread; raise() in a
 * thread signals that thread; a process-directed signal goes to a thread
 * that does not block it. */
static int thread_signals(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = note_tid;
    sa.sa_flags = SA_RESTART;
    CHECK_OK(sigaction(SIGUSR1, &sa, NULL));
    CHECK_OK(sigaction(SIGUSR2, &sa, NULL));
    int p[2];
    CHECK_OK(pipe(p));
    struct waiter w = {p[0], 0, 0};
    pthread_t t;
    /* The main thread blocks SIGUSR2, the waiter does not. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    CHECK_OK(sigprocmask(SIG_BLOCK, &set, NULL));
    CHECK_EQ(pthread_create(&t, NULL, wait_on_pipe, &w), 0);
    while (!__atomic_load_n(&w.tid, __ATOMIC_SEQ_CST)) sched_yield();
    CHECK_OK(syscall(SYS_tgkill, getpid(), w.tid, SIGUSR1));
    while (!g_handled_in) sched_yield();
    CHECK_EQ(g_handled_in, w.tid);
    g_handled_in = 0;
    CHECK_OK(syscall(SYS_tkill, w.tid, SIGUSR1));
    while (!g_handled_in) sched_yield();
    CHECK_EQ(g_handled_in, w.tid);
    g_handled_in = 0;
    CHECK_EQ(pthread_kill(t, SIGUSR1), 0);
    while (!g_handled_in) sched_yield();
    CHECK_EQ(g_handled_in, w.tid);
    g_handled_in = 0;
    CHECK_OK(kill(getpid(), SIGUSR2));
    while (!g_handled_in) sched_yield();
    CHECK_EQ(g_handled_in, w.tid);
    /* tgkill with a tid of another thread group: ESRCH. */
    CHECK_ERR(syscall(SYS_tgkill, getppid(), w.tid, 0), ESRCH);
    CHECK_EQ(write(p[1], "x", 1), 1);
    CHECK_EQ(pthread_join(t, NULL), 0);
    g_handled_in = 0;
    void* tid;
    CHECK_EQ(pthread_create(&t, NULL, raise_in_thread, NULL), 0);
    CHECK_EQ(pthread_join(t, &tid), 0);
    CHECK_EQ(g_handled_in, (long)tid);
    CHECK(g_handled_in != getpid());
    return CASE_PASS;
}

static void* exit_group_later(void* arg) {
    (void)arg;
    sleep_ms(20);
    _exit(7); /* exit_group: every thread goes */
    return NULL;
}

static void* block_forever(void* arg) {
    int fd = (int)(long)arg;
    char c;
    for (;;)
        if (read(fd, &c, 1) == 0) pause();
    return NULL;
}

static int exit_group_from_thread(void* arg) {
    (void)arg;
    int p[2];
    if (pipe(p)) return 2;
    pthread_t a, b;
    if (pthread_create(&a, NULL, block_forever, (void*)(long)p[0])) return 3;
    if (pthread_create(&b, NULL, exit_group_later, NULL)) return 4;
    for (;;) pause();
}

static void* exit_later(void* arg) {
    (void)arg;
    sleep_ms(30);
    exit(9);
}

static int main_thread_exits_first(void* arg) {
    (void)arg;
    pthread_t t;
    if (pthread_create(&t, NULL, exit_later, NULL)) return 3;
    pthread_exit(NULL); /* the process lives on in the other thread */
}

static int thread_exit_group(void) {
    CHECK_EXITED(run_in_child(exit_group_from_thread, NULL), 7);
    CHECK_EXITED(run_in_child(main_thread_exits_first, NULL), 9);
    return CASE_PASS;
}

/* One thread unmaps (or write-protects) memory another thread has been
 * using, possibly on another CPU: the other thread's next access must
 * fault, with the right si_code. */
struct victim {
    volatile unsigned char* page;
    volatile int phase;
    int fault_sig, fault_code;
    uintptr_t fault_addr;
    int result;
};

static void* victim_thread(void* arg) {
    struct victim* v = arg;
    unsigned long sum = 0;
    for (int i = 0; i < 100000; ++i) sum += v->page[i % PAGE]; /* warm the TLB */
    v->page[0] = (unsigned char)sum;
    __atomic_store_n(&v->phase, 1, __ATOMIC_SEQ_CST);
    while (__atomic_load_n(&v->phase, __ATOMIC_SEQ_CST) != 2) {
    }
    struct fault_info f;
    unsigned char out;
    v->result = try_access(v->page + 8, v->fault_code == SEGV_ACCERR, 1, &out, &f);
    v->fault_sig = f.sig;
    v->fault_code = f.code;
    v->fault_addr = f.addr;
    return NULL;
}

static int unmap_under_thread(int protect) {
    unsigned char* page = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(page != MAP_FAILED);
    memset(page, 1, PAGE);
    struct victim v = {page, 0, 0, protect ? SEGV_ACCERR : SEGV_MAPERR, 0, -1};
    pthread_t t;
    CHECK_EQ(pthread_create(&t, NULL, victim_thread, &v), 0);
    while (__atomic_load_n(&v.phase, __ATOMIC_SEQ_CST) != 1) {
    }
    if (protect)
        CHECK_OK(mprotect(page, PAGE, PROT_READ));
    else
        CHECK_OK(munmap(page, PAGE));
    __atomic_store_n(&v.phase, 2, __ATOMIC_SEQ_CST);
    CHECK_EQ(pthread_join(t, NULL), 0);
    int want_code = protect ? SEGV_ACCERR : SEGV_MAPERR;
    if (v.result != SIGSEGV || v.fault_code != want_code || v.fault_addr != (uintptr_t)(page + 8))
        return fail("%s in one thread: the other thread's %s of %p gave %s si_code %d si_addr %#lx, "
                    "expected SIGSEGV si_code %d",
                    protect ? "mprotect(PROT_READ)" : "munmap", protect ? "write" : "read",
                    (void*)(page + 8), v.result ? signal_name(v.result) : "no fault", v.fault_code,
                    (unsigned long)v.fault_addr, want_code);
    return CASE_PASS;
}

static int thread_munmap_seen(void) {
    if (unmap_under_thread(0)) return CASE_FAIL;
    return unmap_under_thread(1);
}

static void* fork_here(void* arg) {
    (void)arg;
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) _exit(gettid() == getpid() ? 0 : 1); /* one thread, the main one */
    if (pid < 0) return (void*)1L;
    int st = wait_status(pid);
    return (void*)(long)(WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 2);
}

/* fork(2): "The child process is created with a single thread—the one
 * that called fork()". */
static int thread_fork_from_thread(void) {
    pthread_t t;
    void* r;
    CHECK_EQ(pthread_create(&t, NULL, fork_here, NULL), 0);
    CHECK_EQ(pthread_join(t, &r), 0);
    CHECK_EQ((long)r, 0);
    return CASE_PASS;
}

/* A shared (not private) futex in a MAP_SHARED mapping is the same word in
 * every process that maps it: a child waits, the parent wakes it; and a
 * process-shared mutex there serialises four processes. */
static int thread_futex_shared_mapping(void) {
    volatile int* word = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CHECK(word != MAP_FAILED);
    *word = 0;
    pid_t pid = fork();
    if (pid == 0) {
        while (*word == 0) futex(word, FUTEX_WAIT, 0, NULL);
        _exit(*word == 7 ? 0 : 3);
    }
    CHECK(pid > 0);
    sleep_ms(30);
    __atomic_store_n(word, 7, __ATOMIC_SEQ_CST);
    long woke = futex(word, FUTEX_WAKE, 1, NULL);
    CHECK_EXITED(wait_status(pid), 0);
    CHECK(woke == 0 || woke == 1); /* 0 if the child had not slept yet */

    struct shared {
        pthread_mutex_t mutex;
        int counter;
    }* s = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CHECK(s != MAP_FAILED);
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
    CHECK_EQ(pthread_mutex_init(&s->mutex, &attr), 0);
    pid_t kids[4];
    for (int k = 0; k < 4; ++k) {
        kids[k] = fork();
        if (kids[k] == 0) {
            for (int i = 0; i < 500; ++i) {
                pthread_mutex_lock(&s->mutex);
                int c = s->counter;
                sched_yield();
                s->counter = c + 1;
                pthread_mutex_unlock(&s->mutex);
            }
            _exit(0);
        }
        CHECK(kids[k] > 0);
    }
    for (int k = 0; k < 4; ++k) CHECK_EXITED(wait_status(kids[k]), 0);
    CHECK_EQ(s->counter, 2000);
    return CASE_PASS;
}

static int g_tick_fd = -1;
static void* tick_forever(void* arg) {
    (void)arg;
    for (;;) {
        char c = 't';
        if (write(g_tick_fd, &c, 1) < 0 && errno != EAGAIN) return NULL;
        sleep_ms(5);
    }
}

/* Bytes waiting in the non-blocking pipe `fd` (read and dropped). */
static int drain(int fd) {
    char buf[256];
    int n = 0;
    for (;;) {
        ssize_t r = read(fd, buf, sizeof buf);
        if (r <= 0) return n;
        n += (int)r;
    }
}

/* SIGSTOP stops every thread of the process, not only the one that takes
 * it; SIGCONT starts them all again. */
static int thread_stop_continue(void) {
    int p[2];
    CHECK_OK(pipe(p));
    CHECK_OK(fcntl(p[0], F_SETFL, O_NONBLOCK));
    fflush(NULL);
    pid_t pid = fork();
    CHECK_OK(pid);
    if (pid == 0) {
        close(p[0]);
        g_tick_fd = p[1];
        fcntl(p[1], F_SETFL, O_NONBLOCK);
        pthread_t t;
        if (pthread_create(&t, NULL, tick_forever, NULL)) _exit(2);
        for (;;) pause();
    }
    close(p[1]);
    /* Ticking. */
    long long start = now_ns();
    while (drain(p[0]) == 0 && now_ns() - start < 5000000000LL) sleep_ms(5);
    int st;
    CHECK_OK(kill(pid, SIGSTOP));
    CHECK_EQ(waitpid(pid, &st, WUNTRACED), pid);
    CHECK(WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP);
    sleep_ms(30); /* a tick already under way may still land */
    drain(p[0]);
    sleep_ms(100);
    int while_stopped = drain(p[0]);
    if (while_stopped) return fail("%d ticks while the process was stopped", while_stopped);
    CHECK_OK(kill(pid, SIGCONT));
    start = now_ns();
    int after = 0;
    while ((after = drain(p[0])) == 0 && now_ns() - start < 5000000000LL) sleep_ms(5);
    CHECK(after > 0);
    CHECK_OK(kill(pid, SIGKILL));
    CHECK_KILLED(wait_status(pid), SIGKILL);
    close(p[0]);
    return CASE_PASS;
}

/* /proc/self/task lists the process's threads by tid; each has a
 * directory whose stat starts with its own tid and whose status names the
 * process as Tgid; /proc/<tid> reaches a thread too (not listed in /proc);
 * an ended thread leaves the list. */
struct parked {
    int fd;  /* the read end of a pipe the thread waits on */
    pid_t tid;
};

static void* park(void* arg) {
    struct parked* p = arg;
    __atomic_store_n(&p->tid, gettid(), __ATOMIC_RELEASE);
    char c;
    (void)read(p->fd, &c, 1);
    return NULL;
}

static int count_tasks(int* count, pid_t want, int* found) {
    int dir = open("/proc/self/task", O_RDONLY | O_DIRECTORY);
    if (dir < 0) return -1;
    char buf[4096] __attribute__((aligned(8)));
    *count = 0;
    *found = 0;
    long n;
    while ((n = syscall(SYS_getdents64, dir, buf, sizeof buf)) > 0) {
        for (long at = 0; at < n;) {
            unsigned short reclen = *(unsigned short*)(buf + at + 16);
            const char* name = buf + at + 19;
            if (name[0] != '.') {
                ++*count;
                if (atoi(name) == want) *found = 1;
            }
            at += reclen;
        }
    }
    close(dir);
    return n < 0 ? -1 : 0;
}

static int thread_proc_task(void) {
    int p[2];
    CHECK_OK(pipe(p));
    struct parked parked = {p[0], 0};
    pthread_t t;
    CHECK(pthread_create(&t, NULL, park, &parked) == 0);
    while (!__atomic_load_n(&parked.tid, __ATOMIC_ACQUIRE)) sleep_ms(1);
    int count, found;
    CHECK_OK(count_tasks(&count, parked.tid, &found));
    CHECK_EQ(count, 2);
    CHECK(found);
    char path[64], text[512];
    snprintf(path, sizeof path, "/proc/self/task/%d/stat", (int)parked.tid);
    int fd = open(path, O_RDONLY);
    CHECK_OK(fd);
    long n = read(fd, text, sizeof text - 1);
    close(fd);
    CHECK(n > 0);
    text[n] = 0;
    CHECK_EQ(atoi(text), parked.tid);
    snprintf(path, sizeof path, "/proc/%d/status", (int)parked.tid);
    fd = open(path, O_RDONLY);
    CHECK_OK(fd);
    n = read(fd, text, sizeof text - 1);
    close(fd);
    CHECK(n > 0);
    text[n] = 0;
    char want[64];
    snprintf(want, sizeof want, "Tgid:\t%d\n", (int)getpid());
    if (!strstr(text, want)) return fail("no '%s' in /proc/<tid>/status", "Tgid");
    snprintf(want, sizeof want, "Pid:\t%d\n", (int)parked.tid);
    if (!strstr(text, want)) return fail("no '%s' in /proc/<tid>/status", "Pid");
    /* /proc lists processes only. */
    DIR* proc = opendir("/proc");
    CHECK(proc != NULL);
    struct dirent* e;
    while ((e = readdir(proc)))
        if (atoi(e->d_name) == parked.tid) return fail("/proc lists thread %d", (int)parked.tid);
    closedir(proc);
    CHECK_EQ(write(p[1], "x", 1), 1);
    CHECK(pthread_join(t, NULL) == 0);
    CHECK_OK(count_tasks(&count, parked.tid, &found));
    CHECK_EQ(count, 1);
    CHECK(!found);
    close(p[0]);
    close(p[1]);
    return CASE_PASS;
}

CASE_TABLE(thread) = {
    {"thread-create-join-ids", thread_create_join_ids},
    {"thread-mutex-counter", thread_mutex_counter},
    {"thread-futex", thread_futex},
    {"thread-condvar", thread_condvar},
    {"thread-clear-tid", thread_clear_tid},
    {"thread-signals", thread_signals},
    {"thread-exit-group", thread_exit_group},
    {"thread-munmap-seen", thread_munmap_seen},
    {"thread-fork-from-thread", thread_fork_from_thread},
    {"thread-futex-shared-mapping", thread_futex_shared_mapping},
    {"thread-stop-continue", thread_stop_continue},
    {"thread-proc-task", thread_proc_task},
    CASE_TABLE_END,
};
