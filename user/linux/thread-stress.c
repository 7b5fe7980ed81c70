/* linux-thread-stress: hammers Linux threads (musl's pthreads on clone,
 * futex, robust lists) on several CPUs and checks that the kernel keeps
 * each thread's view of memory right and that every frame comes back.
 * Built with musl-gcc -static; it passes on Linux itself too (run it there
 * with --no-frame-check: Linux's free memory moves on its own).
 *
 *   linux-thread-stress [--no-frame-check]   run every part
 *   linux-thread-stress --part NAME ...       run the named parts
 *   linux-thread-stress --repeat N            run them N times (one frame
 *                                             check around all of it)
 *   linux-thread-stress --exit-at-once N      exit with status N at once
 *                                             (what the exec part runs)
 *
 * Each part runs in a child process (and process group) of its own, so a
 * part that crashes or hangs fails alone (the parent kills one that
 * outlives its deadline), its threads are all gone when waitpid returns,
 * and what its processes leave behind is killed and reaped. The parent
 * itself never starts a thread. The parts:
 *
 *   create-join   rounds of joinable and detached threads, a few dozen
 *                 alive at once, that exit while others wait in FUTEX_WAIT,
 *                 with process-directed SIGUSR1s arriving all along
 *   contention    a mutex counter, a condition-variable queue and barrier
 *                 phases across CPUs; the threads must run on >1 CPU
 *   exit-group    a thread (or the main thread) calls _exit while others
 *                 spin, sleep, wait on a futex, read a pipe, fork or map:
 *                 the status must be its own (or SIGKILL from the parent)
 *   fork          threads fork while siblings run; each child has one
 *                 thread, sees its parent's memory as of the fork and exits;
 *                 forks while sibling threads write a page: the child's
 *                 copy must not change after the fork
 *   exec          a non-leader thread (sometimes two at once) execs this
 *                 program (--exit-at-once) while others run, fork or map:
 *                 the status must be the new image's
 *   mmap          one thread maps, fills, write-protects and unmaps shared
 *                 and private buffers at one address while siblings read
 *                 them: a read sees the current generation, a fresh zero,
 *                 or SIGSEGV, never data from a mapping already gone
 *   fault-race    threads take the first fault, or the copy-on-write break
 *                 after a fork, of the same pages at once, each writing a
 *                 word of its own: no write may be lost, the child's copy
 *                 must not change
 *   robust        a process-shared robust mutex's owner thread dies
 *                 holding it (musl's pthread_exit, or a raw exit only the
 *                 kernel's robust-list walk handles) while another thread
 *                 waits, or its owner process is killed while this one
 *                 waits: the next locker gets EOWNERDEAD
 *
 * Output: `thread-stress: NAME: ok (...)` or `thread-stress: NAME: FAIL:
 * why` per part; then `thread-stress: free frames: baseline B, after A`
 * (sysinfo's freeram in pages, read before the first part and after the
 * last child is reaped: they must be equal); last `thread-stress: ok (...)`
 * or `thread-stress: FAILED (...)`. Exit status 0 only if everything
 * passed. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* From <linux/futex.h> (musl ships no kernel headers). */
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1

#define PAGE 4096ul
#define PART_DEADLINE_MS 40000

static char g_exe[256];

/* ---- helpers (every part runs in a child: a failure prints and _exits) */

static void say(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char* fmt, ...) {
    char line[300];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line - 1, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if (n > (int)sizeof line - 2) n = sizeof line - 2;
    line[n++] = '\n';
    /* One write per line: lines from several processes do not interleave. */
    ssize_t w = write(1, line, n);
    (void)w;
}

static const char* g_part = "?";
/* A part's failure: the reason, then the part's process ends with status 1. */
#define FAIL(...)                                                         \
    do {                                                                  \
        char why_[200];                                                   \
        snprintf(why_, sizeof why_, __VA_ARGS__);                         \
        say("thread-stress: %s: FAIL: %s (line %d)", g_part, why_, __LINE__); \
        _exit(1);                                                         \
    } while (0)
#define CHECK(cond)                                   \
    do {                                              \
        if (!(cond)) FAIL("%s", #cond);               \
    } while (0)
#define CHECK0(call)                                                     \
    do {                                                                 \
        int r_ = (call);                                                 \
        if (r_) FAIL("%s = %d (%s)", #call, r_, strerror(r_ > 0 ? r_ : errno)); \
    } while (0)

static long futex(volatile int* addr, int op, int val) {
    return syscall(SYS_futex, addr, op, val, NULL, NULL, 0);
}

static long long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static void sleep_us(long us) {
    struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
    while (nanosleep(&ts, &ts) && errno == EINTR) {
    }
}

static unsigned cpu_now(void) {
    unsigned cpu = 0;
    syscall(SYS_getcpu, &cpu, NULL, NULL);
    return cpu;
}

/* The CPUs threads ran on (a bit per CPU below 64). */
static volatile unsigned long g_cpus_seen;
static void note_cpu(void) {
    unsigned c = cpu_now();
    if (c < 64) __atomic_or_fetch(&g_cpus_seen, 1ul << c, __ATOMIC_RELAXED);
}

static pthread_t spawn(void* (*fn)(void*), void* arg) {
    pthread_t t;
    int r = pthread_create(&t, NULL, fn, arg);
    if (r) FAIL("pthread_create: %s", strerror(r));
    return t;
}

static void* join(pthread_t t) {
    void* ret;
    int r = pthread_join(t, &ret);
    if (r) FAIL("pthread_join: %s", strerror(r));
    return ret;
}

static int wait_exit_status(pid_t pid) {
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR) FAIL("waitpid %d: %s", pid, strerror(errno));
    return st;
}

static void status_text(int st, char* out, size_t size) {
    if (WIFEXITED(st))
        snprintf(out, size, "exited %d", WEXITSTATUS(st));
    else if (WIFSIGNALED(st))
        snprintf(out, size, "killed by signal %d", WTERMSIG(st));
    else
        snprintf(out, size, "status %#x", st);
}

/* Threads that keep a process busy while something else happens: they
 * spin, sleep, wait on a futex word nobody wakes, or read a pipe nobody
 * writes, until the process ends (they never return). */
static volatile int g_never;
static int g_idle_pipe[2] = {-1, -1};

static void* spinner(void* arg) {
    (void)arg;
    volatile unsigned long n = 0;
    for (;;) {
        ++n;
        if ((n & 0xfffff) == 0) note_cpu();
    }
    return NULL;
}
static void* sleeper(void* arg) {
    (void)arg;
    for (;;) sleep_us(2000);
    return NULL;
}
static void* futex_sleeper(void* arg) {
    (void)arg;
    for (;;) futex(&g_never, FUTEX_WAIT, 0);
    return NULL;
}
static void* pipe_reader(void* arg) {
    (void)arg;
    char c;
    for (;;)
        if (read(g_idle_pipe[0], &c, 1) <= 0) sleep_us(1000);
    return NULL;
}

/* Threads that keep changing the process while it is torn down or
 * replaced: one forks and reaps children, one maps, touches and unmaps. */
static void* fork_churner(void* arg) {
    (void)arg;
    for (;;) {
        pid_t pid = fork();
        if (pid == 0) _exit(0);
        if (pid > 0) waitpid(pid, NULL, 0);
    }
    return NULL;
}
static void* mmap_churner(void* arg) {
    (void)arg;
    for (unsigned long n = 0;; ++n) {
        size_t size = (1 + n % 8) * PAGE;
        char* p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) continue;
        for (size_t i = 0; i < size; i += PAGE) p[i] = (char)n;
        munmap(p, size);
    }
    return NULL;
}

static void start_churners(void) {
    pthread_detach(spawn(fork_churner, NULL));
    pthread_detach(spawn(mmap_churner, NULL));
}

static void start_busy_siblings(int spinners) {
    if (g_idle_pipe[0] < 0 && pipe(g_idle_pipe)) FAIL("pipe: %s", strerror(errno));
    for (int i = 0; i < spinners; ++i) pthread_detach(spawn(spinner, NULL));
    pthread_detach(spawn(sleeper, NULL));
    pthread_detach(spawn(futex_sleeper, NULL));
    pthread_detach(spawn(pipe_reader, NULL));
}

/* ---- create-join ------------------------------------------------------ */

#define CJ_ROUNDS 60
#define CJ_JOINABLE 24
#define CJ_DETACHED 8
#define CJ_WAITERS 4

static volatile int g_round_word;
static volatile int g_detached_done;
static volatile int g_workers_ran;

struct worker_arg {
    int round, index;
    pid_t tid;
};

static void* cj_worker(void* arg) {
    struct worker_arg* w = arg;
    w->tid = gettid();
    if (w->tid == getpid()) return (void*)-1L;
    /* A little of everything a thread does: the heap, a sleep, a yield. */
    char* p = malloc(64 + (w->index * 37) % 2000);
    if (!p) return (void*)-2L;
    memset(p, w->index, 64);
    if (w->index % 5 == 0) sleep_us(200);
    else if (w->index % 3 == 0) sched_yield();
    note_cpu();
    int ok = p[63] == (char)w->index;
    free(p);
    __atomic_add_fetch(&g_workers_ran, 1, __ATOMIC_SEQ_CST);
    return ok ? (void*)(long)(w->round * 1000 + w->index) : (void*)-3L;
}

static void* cj_detached(void* arg) {
    (void)arg;
    note_cpu();
    if (gettid() % 2) sched_yield();
    __atomic_add_fetch(&g_detached_done, 1, __ATOMIC_SEQ_CST);
    return NULL;
}

/* Waits in FUTEX_WAIT until the round word passes the round it was
 * started in, while workers come and go around it. */
static void* cj_waiter(void* arg) {
    int round = (int)(long)arg;
    while (__atomic_load_n(&g_round_word, __ATOMIC_SEQ_CST) == round) {
        long r = futex(&g_round_word, FUTEX_WAIT, round);
        if (r < 0 && errno != EAGAIN && errno != EINTR) return (void*)-1L;
    }
    return (void*)(long)round;
}

/* Process-directed signals all through the rounds: each goes to some
 * thread that does not block it, whichever are coming or going. */
static volatile long g_signals_handled;
static volatile int g_signaller_stop;
static void count_signal(int sig) {
    (void)sig;
    __atomic_add_fetch(&g_signals_handled, 1, __ATOMIC_RELAXED);
}
static void* signaller(void* arg) {
    (void)arg;
    long sent = 0;
    while (!__atomic_load_n(&g_signaller_stop, __ATOMIC_SEQ_CST)) {
        if (kill(getpid(), SIGUSR1) == 0) ++sent;
        sleep_us(300);
    }
    return (void*)sent;
}

static void part_create_join(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = count_signal;
    sa.sa_flags = SA_RESTART;
    CHECK0(sigaction(SIGUSR1, &sa, NULL));
    pthread_t sig_thread = spawn(signaller, NULL);
    int threads = 0;
    for (int round = 0; round < CJ_ROUNDS; ++round) {
        g_round_word = round;
        pthread_t waiters[CJ_WAITERS], workers[CJ_JOINABLE];
        struct worker_arg args[CJ_JOINABLE];
        for (int i = 0; i < CJ_WAITERS; ++i) waiters[i] = spawn(cj_waiter, (void*)(long)round);
        int detached_before = g_detached_done;
        for (int i = 0; i < CJ_JOINABLE; ++i) {
            args[i] = (struct worker_arg){round, i, 0};
            workers[i] = spawn(cj_worker, &args[i]);
            if (i % (CJ_JOINABLE / CJ_DETACHED) == 0) {
                pthread_attr_t attr;
                pthread_attr_init(&attr);
                pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
                pthread_t t;
                int r = pthread_create(&t, &attr, cj_detached, NULL);
                if (r) FAIL("pthread_create (detached): %s", strerror(r));
                pthread_attr_destroy(&attr);
            }
        }
        for (int i = 0; i < CJ_JOINABLE; ++i) {
            long ret = (long)join(workers[i]);
            if (ret != round * 1000 + i) FAIL("round %d worker %d returned %ld", round, i, ret);
        }
        long long until = now_ms() + 10000;
        while (__atomic_load_n(&g_detached_done, __ATOMIC_SEQ_CST) < detached_before + CJ_DETACHED) {
            if (now_ms() > until) FAIL("round %d: detached threads did not finish", round);
            sched_yield();
        }
        /* The waiters are still blocked (nobody woke them): wake them now. */
        __atomic_store_n(&g_round_word, round + 1, __ATOMIC_SEQ_CST);
        futex(&g_round_word, FUTEX_WAKE, INT_MAX);
        for (int i = 0; i < CJ_WAITERS; ++i)
            if ((long)join(waiters[i]) != round) FAIL("round %d: a futex waiter failed", round);
        threads += CJ_WAITERS + CJ_JOINABLE + CJ_DETACHED;
    }
    CHECK(g_workers_ran == CJ_ROUNDS * CJ_JOINABLE);
    __atomic_store_n(&g_signaller_stop, 1, __ATOMIC_SEQ_CST);
    long sent = (long)join(sig_thread);
    /* One pending instance per signal: several sent close together may
     * be handled once, but none may be lost for good. */
    long long until = now_ms() + 2000;
    while (sent > 0 && g_signals_handled == 0 && now_ms() < until) sched_yield();
    if (sent > 0 && g_signals_handled == 0) FAIL("%ld SIGUSR1 sent to the process, none handled", sent);
    say("thread-stress: create-join: ok (%d threads in %d rounds, up to %d alive; %ld SIGUSR1 sent, %ld "
        "handled)",
        threads, CJ_ROUNDS, CJ_WAITERS + CJ_JOINABLE + CJ_DETACHED + 2, sent, g_signals_handled);
}

/* ---- contention ------------------------------------------------------- */

#define MX_THREADS 6
#define MX_INCREMENTS 20000
static pthread_mutex_t g_mx = PTHREAD_MUTEX_INITIALIZER;
static long g_mx_counter;

static void* mx_adder(void* arg) {
    (void)arg;
    for (int i = 0; i < MX_INCREMENTS; ++i) {
        if (i % 7 == 0) {
            while (pthread_mutex_trylock(&g_mx) != 0) sched_yield();
        } else {
            pthread_mutex_lock(&g_mx);
        }
        long v = g_mx_counter;
        if ((i & 63) == 0) note_cpu();
        if ((i & 511) == 0) sched_yield(); /* hold it a while: others block in the kernel */
        g_mx_counter = v + 1;
        pthread_mutex_unlock(&g_mx);
    }
    return NULL;
}

#define CV_ITEMS 6000
#define CV_SIZE 8
static pthread_mutex_t g_cv_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cv_nonempty = PTHREAD_COND_INITIALIZER, g_cv_nonfull = PTHREAD_COND_INITIALIZER;
static int g_cv_queue[CV_SIZE], g_cv_head, g_cv_count;
static long g_cv_sum;

static void* cv_producer(void* arg) {
    long base = (long)arg;
    for (int i = 1; i <= CV_ITEMS; ++i) {
        pthread_mutex_lock(&g_cv_lock);
        while (g_cv_count == CV_SIZE) pthread_cond_wait(&g_cv_nonfull, &g_cv_lock);
        g_cv_queue[(g_cv_head + g_cv_count++) % CV_SIZE] = (int)(base + i);
        if (i % 3) pthread_cond_signal(&g_cv_nonempty);
        else pthread_cond_broadcast(&g_cv_nonempty);
        pthread_mutex_unlock(&g_cv_lock);
    }
    return NULL;
}

static void* cv_consumer(void* arg) {
    (void)arg;
    for (int i = 0; i < CV_ITEMS; ++i) {
        pthread_mutex_lock(&g_cv_lock);
        while (g_cv_count == 0) pthread_cond_wait(&g_cv_nonempty, &g_cv_lock);
        g_cv_sum += g_cv_queue[g_cv_head];
        g_cv_head = (g_cv_head + 1) % CV_SIZE;
        --g_cv_count;
        pthread_cond_broadcast(&g_cv_nonfull);
        pthread_mutex_unlock(&g_cv_lock);
    }
    note_cpu();
    return NULL;
}

#define BAR_THREADS 6
#define BAR_PHASES 400
static pthread_barrier_t g_bar;
static volatile int g_bar_slot[BAR_THREADS];
static volatile int g_bar_serial[BAR_PHASES];

static void* bar_thread(void* arg) {
    int me = (int)(long)arg;
    for (int phase = 0; phase < BAR_PHASES; ++phase) {
        g_bar_slot[me] = phase;
        int r = pthread_barrier_wait(&g_bar);
        if (r == PTHREAD_BARRIER_SERIAL_THREAD) __atomic_add_fetch(&g_bar_serial[phase], 1, __ATOMIC_SEQ_CST);
        else if (r) return (void*)1L;
        for (int i = 0; i < BAR_THREADS; ++i)
            if (g_bar_slot[i] != phase) return (void*)2L; /* someone passed the barrier early */
        if (pthread_barrier_wait(&g_bar) > 0) return (void*)3L;
        if (phase % 8 == 0) note_cpu();
    }
    return NULL;
}

static int popcount(unsigned long v) {
    return __builtin_popcountl(v);
}

static void part_contention(void) {
    pthread_t t[MX_THREADS];
    for (int i = 0; i < MX_THREADS; ++i) t[i] = spawn(mx_adder, NULL);
    for (int i = 0; i < MX_THREADS; ++i) join(t[i]);
    if (g_mx_counter != (long)MX_THREADS * MX_INCREMENTS)
        FAIL("mutex counter %ld, expected %ld", g_mx_counter, (long)MX_THREADS * MX_INCREMENTS);

    pthread_t p[2], c[2];
    for (int i = 0; i < 2; ++i) {
        p[i] = spawn(cv_producer, (void*)(long)(i * 1000000));
        c[i] = spawn(cv_consumer, NULL);
    }
    for (int i = 0; i < 2; ++i) {
        join(p[i]);
        join(c[i]);
    }
    long want = 2L * CV_ITEMS * (CV_ITEMS + 1) / 2 + 1000000L * CV_ITEMS;
    if (g_cv_sum != want) FAIL("condvar queue sum %ld, expected %ld", g_cv_sum, want);

    CHECK0(pthread_barrier_init(&g_bar, NULL, BAR_THREADS));
    pthread_t b[BAR_THREADS];
    for (int i = 0; i < BAR_THREADS; ++i) b[i] = spawn(bar_thread, (void*)(long)i);
    for (int i = 0; i < BAR_THREADS; ++i) {
        long r = (long)join(b[i]);
        if (r) FAIL("barrier thread %d: error %ld", i, r);
    }
    for (int i = 0; i < BAR_PHASES; ++i)
        if (g_bar_serial[i] != 1) FAIL("barrier phase %d had %d serial threads", i, g_bar_serial[i]);
    pthread_barrier_destroy(&g_bar);

    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    int used = popcount(g_cpus_seen);
    if (cpus > 1 && used < 2) FAIL("%ld cpus online, the threads ran on %d", cpus, used);
    say("thread-stress: contention: ok (mutex %ld, condvar %ld items, barrier %d phases, %d cpus used)",
        g_mx_counter, 2L * CV_ITEMS, BAR_PHASES, used);
}

/* ---- exit-group ------------------------------------------------------- */

#define EG_ROUNDS 24

static void* exit_group_soon(void* arg) {
    long code = (long)arg;
    sleep_us(1000 + (code % 4) * 500);
    _exit((int)code); /* exit_group: every thread goes, the status is this */
}

static void* join_forever(void* arg) {
    join(*(pthread_t*)arg);
    return NULL;
}

static void eg_child(int round) {
    int code = 40 + round % 50;
    start_busy_siblings(1 + round % 2);
    if (round % 4 >= 2) start_churners();
    if (round % 6 == 5) {
        for (;;) pause(); /* the parent kills the whole process */
    }
    static pthread_t blocked;
    blocked = spawn(futex_sleeper, NULL);
    pthread_detach(spawn(join_forever, &blocked)); /* a joiner waits on a thread that never ends */
    if (round % 3 == 2) {
        /* The main thread itself ends the group while the others run. */
        sleep_us(1500);
        _exit(code);
    }
    pthread_detach(spawn(exit_group_soon, (void*)(long)code));
    for (;;) {
        if (round % 3 == 0) futex(&g_never, FUTEX_WAIT, 0);
        else pause();
    }
}

static void part_exit_group(void) {
    int killed = 0;
    for (int round = 0; round < EG_ROUNDS; ++round) {
        pid_t pid = fork();
        if (pid < 0) FAIL("fork: %s", strerror(errno));
        if (pid == 0) eg_child(round);
        if (round % 6 == 5) {
            sleep_us(3000);
            kill(pid, SIGKILL);
            int st = wait_exit_status(pid);
            if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGKILL) {
                char text[40];
                status_text(st, text, sizeof text);
                FAIL("round %d: the process %s, expected killed by SIGKILL", round, text);
            }
            ++killed;
            continue;
        }
        int st = wait_exit_status(pid);
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 40 + round % 50) {
            char text[40];
            status_text(st, text, sizeof text);
            FAIL("round %d: the process %s, expected exited %d", round, text, 40 + round % 50);
        }
    }
    say("thread-stress: exit-group: ok (%d processes ended by one thread's _exit, %d by SIGKILL, with other "
        "threads running; half of them forking and mapping meanwhile)",
        EG_ROUNDS - killed, killed);
}

/* ---- fork ------------------------------------------------------------- */

#define FK_FORKERS 3
#define FK_FORKS 12

static volatile int g_fk_stop;
static pthread_mutex_t g_fk_lock = PTHREAD_MUTEX_INITIALIZER;
static long g_fk_busy;

static void* fk_busy(void* arg) {
    (void)arg;
    while (!__atomic_load_n(&g_fk_stop, __ATOMIC_SEQ_CST)) {
        pthread_mutex_lock(&g_fk_lock);
        ++g_fk_busy;
        pthread_mutex_unlock(&g_fk_lock);
        void* p = malloc(100 + g_fk_busy % 3000);
        free(p);
    }
    return NULL;
}

static void* fk_forker(void* arg) {
    long me = (long)arg;
    unsigned char* buf = malloc(3 * PAGE);
    if (!buf) return (void*)-1L;
    for (int i = 0; i < FK_FORKS; ++i) {
        unsigned char token = (unsigned char)(me * 50 + i + 1);
        memset(buf, token, 3 * PAGE);
        pid_t pid = fork();
        if (pid < 0) return (void*)-2L;
        if (pid == 0) {
            /* One thread (the one that forked, now the main one) with
             * the memory as it was: then write it (copy-on-write). */
            if (gettid() != getpid()) _exit(2);
            for (size_t k = 0; k < 3 * PAGE; k += 512)
                if (buf[k] != token) _exit(3);
            memset(buf, 0xee, 3 * PAGE);
            _exit(token % 100 + 10);
        }
        int st = wait_exit_status(pid);
        if (!WIFEXITED(st) || WEXITSTATUS(st) != token % 100 + 10) return (void*)(long)(1000 + st);
        for (size_t k = 0; k < 3 * PAGE; k += 512)
            if (buf[k] != token) return (void*)-4L; /* the child's write reached the parent */
    }
    free(buf);
    return NULL;
}

/* Writers that keep incrementing a counter in a private page each, so
 * their CPUs hold writable translations of it when a fork makes the page
 * copy-on-write: the child's copy must be frozen at the fork from the
 * moment it runs (a write through a stale TLB entry would land in it). */
#define FZ_WRITERS 2
#define FZ_FORKS 20
static volatile unsigned long* g_fz_pages;

static void* fz_writer(void* arg) {
    long me = (long)arg;
    volatile unsigned long* counter = g_fz_pages + me * (PAGE / sizeof(long));
    while (!__atomic_load_n(&g_fk_stop, __ATOMIC_RELAXED)) ++*counter;
    return NULL;
}

static void fork_freezes_memory(void) {
    g_fz_pages = mmap(NULL, FZ_WRITERS * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(g_fz_pages != MAP_FAILED);
    pthread_t w[FZ_WRITERS];
    for (long i = 0; i < FZ_WRITERS; ++i) w[i] = spawn(fz_writer, (void*)i);
    for (int i = 0; i < FZ_FORKS; ++i) {
        sleep_us(1000);
        pid_t pid = fork();
        if (pid < 0) FAIL("fork: %s", strerror(errno));
        if (pid == 0) {
            unsigned long before[FZ_WRITERS];
            for (int k = 0; k < FZ_WRITERS; ++k) before[k] = g_fz_pages[k * (PAGE / sizeof(long))];
            sleep_us(3000);
            for (int k = 0; k < FZ_WRITERS; ++k)
                if (g_fz_pages[k * (PAGE / sizeof(long))] != before[k]) _exit(1);
            _exit(0);
        }
        int st = wait_exit_status(pid);
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
            FAIL("fork %d: the child's copy of a page a sibling thread writes changed after the fork (status %#x)",
                 i, st);
    }
    __atomic_store_n(&g_fk_stop, 1, __ATOMIC_SEQ_CST);
    for (int i = 0; i < FZ_WRITERS; ++i) join(w[i]);
    for (int k = 0; k < FZ_WRITERS; ++k) CHECK(g_fz_pages[k * (PAGE / sizeof(long))] > 0);
    CHECK0(munmap((void*)g_fz_pages, FZ_WRITERS * PAGE));
}

static void part_fork(void) {
    pthread_t busy[3], forkers[FK_FORKERS];
    for (int i = 0; i < 3; ++i) busy[i] = spawn(fk_busy, NULL);
    for (long i = 0; i < FK_FORKERS; ++i) forkers[i] = spawn(fk_forker, (void*)i);
    for (int i = 0; i < FK_FORKERS; ++i) {
        long r = (long)join(forkers[i]);
        if (r >= 1000) {
            char text[40];
            status_text((int)(r - 1000), text, sizeof text);
            FAIL("forker %d: a child %s", i, text);
        }
        if (r) FAIL("forker %d: error %ld", i, r);
    }
    __atomic_store_n(&g_fk_stop, 1, __ATOMIC_SEQ_CST);
    for (int i = 0; i < 3; ++i) join(busy[i]);
    g_fk_stop = 0;
    fork_freezes_memory();
    say("thread-stress: fork: ok (%d forks from %d threads while 3 others ran; %d forks under %d writers, "
        "each child's copy frozen)",
        FK_FORKERS * FK_FORKS, FK_FORKERS, FZ_FORKS, FZ_WRITERS);
}

/* ---- exec ------------------------------------------------------------- */

#define EX_ROUNDS 16

static void* exec_self(void* arg) {
    long code = (long)arg;
    sleep_us(500 + (code % 3) * 700);
    char number[16];
    snprintf(number, sizeof number, "%ld", code);
    char* argv[] = {"linux-thread-stress", "--exit-at-once", number, NULL};
    char* envp[] = {NULL};
    execve(g_exe, argv, envp);
    _exit(99); /* the exec failed */
}

static void ex_child(int round) {
    int code = 60 + round;
    start_busy_siblings(1 + round % 2);
    if (round % 4 >= 2) start_churners();
    if (round % 3 == 2) pthread_detach(spawn(exec_self, (void*)(long)code)); /* two exec at once */
    pthread_t t = spawn(exec_self, (void*)(long)code);
    if (round % 2) join(t); /* the leader waits in the kernel for the execing thread */
    for (;;) futex(&g_never, FUTEX_WAIT, 0);
}

static void part_exec(void) {
    for (int round = 0; round < EX_ROUNDS; ++round) {
        pid_t pid = fork();
        if (pid < 0) FAIL("fork: %s", strerror(errno));
        if (pid == 0) ex_child(round);
        int st = wait_exit_status(pid);
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 60 + round) {
            char text[40];
            status_text(st, text, sizeof text);
            FAIL("round %d: the process %s, expected exited %d (the new image's status)%s", round, text,
                 60 + round, WIFEXITED(st) && WEXITSTATUS(st) == 98 ? ": the new image had other threads" : "");
        }
    }
    say("thread-stress: exec: ok (%d execs from a non-leader thread while others ran, forked and mapped; "
        "two threads at once in a third of them)",
        EX_ROUNDS);
}

/* ---- mmap ------------------------------------------------------------- */

#define MM_PAGES 16
#define MM_GENERATIONS 180
#define MM_READERS 3

/* The mutator's progress: 3G when generation G is mapped and every word
 * holds (G << 16 | page); 3G+1 when it is about to go; 3G+2 once munmap
 * (or mprotect PROT_NONE) of it has returned. */
static volatile long g_mm_state;
static volatile unsigned* g_mm_base;
static volatile int g_mm_stop;

struct reader {
    int index;
    long reads, faults, zeros;
    char error[160];
};

static __thread sigjmp_buf t_jump;
static __thread volatile int t_armed;
static __thread volatile int t_fault_sig;

static void on_fault(int sig, siginfo_t* si, void* uc) {
    (void)si;
    (void)uc;
    if (!t_armed) {
        signal(sig, SIG_DFL);
        return; /* not expected here: the fault repeats and kills the process */
    }
    t_fault_sig = sig;
    t_armed = 0;
    siglongjmp(t_jump, 1);
}

/* Reads *p; returns the signal the read raised, 0 if none. */
static __attribute__((noinline)) int try_read(volatile unsigned* p, unsigned* out) {
    t_fault_sig = 0;
    if (sigsetjmp(t_jump, 1) == 0) {
        t_armed = 1;
        *out = *p;
        t_armed = 0;
        return 0;
    }
    return t_fault_sig;
}

static void* mm_reader(void* arg) {
    struct reader* r = arg;
    unsigned seed = (unsigned)r->index * 2654435761u + 1;
    while (__atomic_load_n(&g_mm_state, __ATOMIC_SEQ_CST) < 2) sched_yield();
    while (!__atomic_load_n(&g_mm_stop, __ATOMIC_SEQ_CST)) {
        seed = seed * 1103515245u + 12345u;
        unsigned page = (seed >> 8) % MM_PAGES;
        unsigned word = (seed >> 20) % (PAGE / sizeof(unsigned));
        volatile unsigned* p = g_mm_base + page * (PAGE / sizeof(unsigned)) + word;
        long s1 = __atomic_load_n(&g_mm_state, __ATOMIC_SEQ_CST);
        unsigned v = 0;
        int sig = try_read(p, &v);
        long s2 = __atomic_load_n(&g_mm_state, __ATOMIC_SEQ_CST);
        ++r->reads;
        long g1 = s1 / 3, gone1 = s1 % 3 == 2 ? g1 : g1 - 1; /* newest generation surely gone at s1 */
        if (sig) {
            ++r->faults;
            if (sig != SIGSEGV) {
                snprintf(r->error, sizeof r->error, "a read gave signal %d", sig);
                return NULL;
            }
            if (s1 == s2 && s1 % 3 == 0) {
                snprintf(r->error, sizeof r->error, "SIGSEGV reading generation %ld page %u, mapped throughout",
                         g1, page);
                return NULL;
            }
            continue;
        }
        if (v == 0) {
            ++r->zeros;
            if (s1 == s2 && s1 % 3 == 0) {
                snprintf(r->error, sizeof r->error, "zero in generation %ld page %u, filled throughout", g1, page);
                return NULL;
            }
            continue;
        }
        long gen = v >> 16;
        unsigned vpage = v & 0xffff;
        /* Generation G with G % 3 == 2 loses only its lower half at 3G+2;
         * the upper half stays until the next mmap replaces it. */
        int upper_lives = gen == gone1 && gen % 3 == 2 && page >= MM_PAGES / 2;
        if (vpage != page || (gen <= gone1 && !upper_lives) || gen > s2 / 3 + 1) {
            snprintf(r->error, sizeof r->error,
                     "page %u read %#x (generation %ld page %u) between states %ld and %ld: "
                     "stale or foreign data",
                     page, v, gen, vpage, s1, s2);
            return NULL;
        }
    }
    note_cpu();
    return NULL;
}

static void part_mmap(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    CHECK0(sigaction(SIGSEGV, &sa, NULL));
    CHECK0(sigaction(SIGBUS, &sa, NULL));
    size_t size = MM_PAGES * PAGE;
    struct reader readers[MM_READERS];
    pthread_t t[MM_READERS];
    for (int i = 0; i < MM_READERS; ++i) {
        memset(&readers[i], 0, sizeof readers[i]);
        readers[i].index = i;
        t[i] = spawn(mm_reader, &readers[i]);
    }
    /* One address for every generation, found once the readers' stacks
     * are mapped (nothing maps anything else from now on): a free range,
     * left unmapped. */
    void* base = mmap(NULL, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(base != MAP_FAILED);
    CHECK0(munmap(base, size));
    g_mm_base = base;
    __atomic_store_n(&g_mm_state, 2, __ATOMIC_SEQ_CST); /* generation 0 gone: nothing mapped yet */
    long protects = 0, remaps = 0;
    for (long gen = 1; gen <= MM_GENERATIONS; ++gen) {
        int flags = (gen % 2 ? MAP_SHARED : MAP_PRIVATE) | MAP_ANONYMOUS | MAP_FIXED;
        unsigned* p = mmap(base, size, PROT_READ | PROT_WRITE, flags, -1, 0);
        if (p == MAP_FAILED) FAIL("mmap generation %ld: %s", gen, strerror(errno));
        if (p != base) FAIL("mmap generation %ld at %p, not %p", gen, (void*)p, base);
        for (size_t page = 0; page < MM_PAGES; ++page)
            for (size_t w = 0; w < PAGE / sizeof(unsigned); ++w)
                p[page * (PAGE / sizeof(unsigned)) + w] = (unsigned)(gen << 16 | page);
        __atomic_store_n(&g_mm_state, 3 * gen, __ATOMIC_SEQ_CST);
        sleep_us(300 + (gen % 4) * 200); /* let the readers see it */
        if (gen % 5 == 0) {
            /* Read-only for a while: the data stays, a write would fault. */
            CHECK0(mprotect(p, size, PROT_READ));
            sched_yield();
        }
        __atomic_store_n(&g_mm_state, 3 * gen + 1, __ATOMIC_SEQ_CST);
        if (gen % 3 == 0) {
            CHECK0(mprotect(p, size, PROT_NONE));
            ++protects;
            __atomic_store_n(&g_mm_state, 3 * gen + 2, __ATOMIC_SEQ_CST);
            sched_yield();
            CHECK0(munmap(p, size));
        } else if (gen % 3 == 1) {
            CHECK0(munmap(p, size));
            __atomic_store_n(&g_mm_state, 3 * gen + 2, __ATOMIC_SEQ_CST);
            sched_yield();
        } else {
            /* Half of it unmapped, the other half replaced by the next
             * mmap over it (MAP_FIXED): the old pages must go too. */
            CHECK0(munmap(p, size / 2));
            ++remaps;
            __atomic_store_n(&g_mm_state, 3 * gen + 2, __ATOMIC_SEQ_CST);
        }
    }
    __atomic_store_n(&g_mm_stop, 1, __ATOMIC_SEQ_CST);
    long reads = 0, faults = 0, zeros = 0;
    for (int i = 0; i < MM_READERS; ++i) {
        join(t[i]);
        if (readers[i].error[0]) FAIL("reader %d: %s", i, readers[i].error);
        reads += readers[i].reads;
        faults += readers[i].faults;
        zeros += readers[i].zeros;
    }
    CHECK0(munmap(base, size));
    if (faults == 0) FAIL("%ld reads and not one SIGSEGV: the readers never met an unmapped page", reads);
    say("thread-stress: mmap: ok (%d generations, %ld PROT_NONE, %ld half-replaced; %ld reads: %ld SIGSEGV, "
        "%ld fresh zeros, none stale)",
        MM_GENERATIONS, protects, remaps, reads, faults, zeros);
}

/* ---- fault-race ------------------------------------------------------ */

#define FR_ROUNDS 24
#define FR_PAGES 48
#define FR_THREADS 4

/* Several threads take the first fault (or the copy-on-write break) of
 * the same pages at once, each writing its own word: one frame must win
 * for everyone, so every page ends with every thread's word. */
static pthread_barrier_t g_fr_bar;
static volatile unsigned long* g_fr_region;
static volatile int g_fr_round;

static void* fr_toucher(void* arg) {
    long me = (long)arg;
    for (int round = 0; round < FR_ROUNDS; ++round) {
        int r = pthread_barrier_wait(&g_fr_bar); /* the main thread has set up the region */
        if (r && r != PTHREAD_BARRIER_SERIAL_THREAD) return (void*)1L;
        volatile unsigned long* region = g_fr_region;
        for (int k = 0; k < FR_PAGES; ++k) {
            int page = me % 2 ? FR_PAGES - 1 - k : k; /* half go forwards, half backwards */
            region[page * (PAGE / sizeof(long)) + 8 * me] = (unsigned long)round << 32 | page << 8 | me;
        }
        note_cpu();
        r = pthread_barrier_wait(&g_fr_bar); /* done: the main thread checks */
        if (r && r != PTHREAD_BARRIER_SERIAL_THREAD) return (void*)2L;
    }
    return NULL;
}

static void fr_check(volatile unsigned long* region, int round, const char* kind) {
    for (int page = 0; page < FR_PAGES; ++page)
        for (long t = 0; t < FR_THREADS; ++t) {
            unsigned long want = (unsigned long)round << 32 | page << 8 | t;
            unsigned long got = region[page * (PAGE / sizeof(long)) + 8 * t];
            if (got != want)
                FAIL("round %d (%s): page %d word of thread %ld holds %#lx, not %#lx: a racing fault lost a write",
                     round, kind, page, t, got, want);
        }
}

static void part_fault_race(void) {
    CHECK0(pthread_barrier_init(&g_fr_bar, NULL, FR_THREADS + 1));
    pthread_t t[FR_THREADS];
    for (long i = 0; i < FR_THREADS; ++i) t[i] = spawn(fr_toucher, (void*)i);
    size_t size = FR_PAGES * PAGE;
    int cow = 0;
    for (int round = 0; round < FR_ROUNDS; ++round) {
        int kind = round % 3; /* 0: fresh private, 1: fresh shared, 2: copy-on-write after fork */
        unsigned long* region = mmap(NULL, size, PROT_READ | PROT_WRITE,
                                     (kind == 1 ? MAP_SHARED : MAP_PRIVATE) | MAP_ANONYMOUS, -1, 0);
        if (region == MAP_FAILED) FAIL("mmap: %s", strerror(errno));
        pid_t child = -1;
        if (kind == 2) {
            for (size_t i = 0; i < size / sizeof(long); ++i) region[i] = 0x5a5a5a5a5a5a5a5aul;
            child = fork(); /* every page now shared with the child, read-only */
            if (child < 0) FAIL("fork: %s", strerror(errno));
            if (child == 0) {
                sleep_us(20000); /* while the parent's threads break the sharing */
                for (size_t i = 0; i < size / sizeof(long); ++i)
                    if (region[i] != 0x5a5a5a5a5a5a5a5aul) _exit(1); /* a parent's write reached the child */
                _exit(0);
            }
            ++cow;
        }
        g_fr_region = region;
        pthread_barrier_wait(&g_fr_bar);
        pthread_barrier_wait(&g_fr_bar);
        fr_check(region, round, kind == 0 ? "private" : kind == 1 ? "shared" : "copy-on-write");
        if (kind == 2) {
            int st = wait_exit_status(child);
            if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
                FAIL("round %d: the forked child's copy changed under the parent's writes (status %#x)", round, st);
        }
        CHECK0(munmap(region, size));
    }
    for (int i = 0; i < FR_THREADS; ++i)
        if (join(t[i])) FAIL("toucher %d: a barrier failed", i);
    pthread_barrier_destroy(&g_fr_bar);
    say("thread-stress: fault-race: ok (%d rounds of %d threads faulting the same %d pages at once, %d of them "
        "copy-on-write breaks)",
        FR_ROUNDS, FR_THREADS, FR_PAGES, cow);
}

/* ---- robust ----------------------------------------------------------- */

#define RB_ROUNDS 30

static pthread_mutex_t g_rb;
static volatile int g_rb_locked;

static void* rb_owner(void* arg) {
    long how = (long)arg;
    if (pthread_mutex_lock(&g_rb) != 0) return (void*)1L;
    __atomic_store_n(&g_rb_locked, 1, __ATOMIC_SEQ_CST);
    sleep_us(2000); /* the waiter blocks in the kernel meanwhile */
    if (how == 0) pthread_exit(NULL); /* musl walks its robust list itself */
    /* The raw exit system call: only the kernel's robust-list walk can
     * mark the mutex OWNER_DIED and wake the waiter. (musl does not know
     * the thread is gone: its process must not join it or start another.) */
    for (;;) syscall(SYS_exit, 0);
}

static void* rb_waiter(void* arg) {
    (void)arg;
    while (!__atomic_load_n(&g_rb_locked, __ATOMIC_SEQ_CST)) sched_yield();
    return (void*)(long)pthread_mutex_lock(&g_rb);
}

/* In a child process of its own: the owner thread ends by a raw exit
 * while the main thread waits for the mutex; exits 0 if the main thread
 * got EOWNERDEAD and could make it consistent. */
static void rb_raw_exit_child(void) {
    spawn(rb_owner, (void*)1L);
    long r = (long)rb_waiter(NULL);
    if (r != EOWNERDEAD) _exit(r == 0 ? 100 : (int)(10 + r % 80));
    if (pthread_mutex_consistent(&g_rb) || pthread_mutex_unlock(&g_rb)) _exit(4);
    if (pthread_mutex_lock(&g_rb) || pthread_mutex_unlock(&g_rb)) _exit(5);
    _exit(0);
}

/* A child process takes the robust mutex in shared memory and is killed
 * holding it while the parent waits for it in pthread_mutex_lock: the
 * kernel's robust-list walk at the child's death marks it OWNER_DIED and
 * wakes the parent (a shared futex, keyed by the word the two processes
 * share). The child is killed by a thread of the parent's, so the main
 * thread can be blocked in the lock when it happens. */
struct shared_robust {
    pthread_mutex_t m;
    volatile int locked;
};

static pid_t g_rb_victim;
static void* rb_killer(void* arg) {
    (void)arg;
    sleep_us(3000); /* the main thread blocks in the lock meanwhile */
    kill(g_rb_victim, SIGKILL);
    return NULL;
}

static void rb_cross_process(struct shared_robust* sh, int round) {
    sh->locked = 0;
    pid_t pid = fork();
    if (pid < 0) FAIL("fork: %s", strerror(errno));
    if (pid == 0) {
        if (pthread_mutex_lock(&sh->m)) _exit(3);
        __atomic_store_n(&sh->locked, 1, __ATOMIC_SEQ_CST);
        for (;;) pause();
    }
    long long until = now_ms() + 10000;
    while (!__atomic_load_n(&sh->locked, __ATOMIC_SEQ_CST)) {
        if (now_ms() > until) {
            kill(pid, SIGKILL);
            wait_exit_status(pid);
            FAIL("round %d: the child never took the mutex", round);
        }
        sleep_us(500);
    }
    CHECK(pthread_mutex_trylock(&sh->m) == EBUSY);
    g_rb_victim = pid;
    pthread_t killer = spawn(rb_killer, NULL);
    int r = pthread_mutex_lock(&sh->m);
    join(killer);
    int st = wait_exit_status(pid);
    if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGKILL) FAIL("round %d: the holder did not die by SIGKILL", round);
    if (r != EOWNERDEAD)
        FAIL("round %d: waiting while its holder process was killed, the lock gave %d (%s), expected EOWNERDEAD",
             round, r, strerror(r));
    CHECK0(pthread_mutex_consistent(&sh->m));
    CHECK0(pthread_mutex_unlock(&sh->m));
}

static void part_robust(void) {
    pthread_mutexattr_t attr;
    CHECK0(pthread_mutexattr_init(&attr));
    CHECK0(pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST));
    /* Process-shared: musl registers those with set_robust_list, so the
     * kernel, not musl, is the one that marks a dead owner's mutex. */
    CHECK0(pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED));
    struct shared_robust* shared = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CHECK(shared != MAP_FAILED);
    int counts[3] = {0, 0, 0};
    for (int round = 0; round < RB_ROUNDS; ++round) {
        long how = round % 3;
        ++counts[how];
        if (how == 2) {
            CHECK0(pthread_mutex_init(&shared->m, &attr));
            rb_cross_process(shared, round);
            CHECK0(pthread_mutex_destroy(&shared->m));
            continue;
        }
        CHECK0(pthread_mutex_init(&g_rb, &attr));
        g_rb_locked = 0;
        if (how == 1) {
            pid_t pid = fork();
            if (pid < 0) FAIL("fork: %s", strerror(errno));
            if (pid == 0) rb_raw_exit_child();
            int st = wait_exit_status(pid);
            if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
                char text[40];
                status_text(st, text, sizeof text);
                FAIL("round %d: the owner thread ended by SYS_exit, the waiter's process %s (0: EOWNERDEAD, "
                     "100: it got the lock as if free, 10+e: error e)",
                     round, text);
            }
            CHECK0(pthread_mutex_destroy(&g_rb));
            continue;
        }
        pthread_t owner = spawn(rb_owner, (void*)how);
        pthread_t waiter = spawn(rb_waiter, NULL);
        long r = (long)join(waiter);
        if (r != EOWNERDEAD)
            FAIL("round %d (the owner ends by pthread_exit): the waiter's lock gave %ld (%s), expected EOWNERDEAD",
                 round, r, strerror((int)r));
        join(owner);
        /* The waiter (now gone) held it inconsistent: the next locker is
         * told the owner died too; it makes it consistent and it works. */
        r = pthread_mutex_lock(&g_rb);
        if (r != EOWNERDEAD) FAIL("round %d: the lock after the waiter died gave %ld", round, r);
        CHECK0(pthread_mutex_consistent(&g_rb));
        CHECK0(pthread_mutex_unlock(&g_rb));
        CHECK0(pthread_mutex_lock(&g_rb));
        CHECK0(pthread_mutex_unlock(&g_rb));
        CHECK0(pthread_mutex_destroy(&g_rb));
    }
    CHECK0(munmap(shared, PAGE));
    say("thread-stress: robust: ok (%d rounds: the owner thread ends by pthread_exit %d, by a raw exit %d, "
        "its process is killed %d; EOWNERDEAD each time)",
        RB_ROUNDS, counts[0], counts[1], counts[2]);
}

/* ---- the runner ------------------------------------------------------- */

struct part {
    const char* name;
    void (*fn)(void);
};

static const struct part kParts[] = {
    {"create-join", part_create_join}, {"contention", part_contention}, {"exit-group", part_exit_group},
    {"fork", part_fork},               {"exec", part_exec},             {"mmap", part_mmap},
    {"fault-race", part_fault_race}, {"robust", part_robust},
};
#define PART_COUNT (int)(sizeof kParts / sizeof kParts[0])

/* Kills what is left of a part's process group (a failed part may leave
 * a child behind; a process that ends by exit_group or exec while a thread
 * forks may leave an orphan) and reaps whatever of it became this
 * process's child (orphans come to init, which this program is under
 * QEMU), so that the free-frame count can come back. Returns how many it
 * reaped, -1 if the group outlived 10 s. */
static int sweep_group(pid_t group) {
    if (kill(-group, SIGKILL) < 0) return 0; /* ESRCH: nothing left */
    int reaped = 0;
    long long until = now_ms() + 10000;
    for (;;) {
        int st;
        while (waitpid(-1, &st, WNOHANG) > 0) ++reaped;
        if (kill(-group, 0) < 0 && errno == ESRCH) return reaped;
        if (now_ms() > until) return -1;
        sleep_us(2000);
    }
}

/* Runs a part in a child process; 0 if it passed. */
static int run_part(const struct part* part) {
    long long start = now_ms();
    pid_t pid = fork();
    if (pid < 0) {
        say("thread-stress: %s: FAIL: fork: %s", part->name, strerror(errno));
        return 1;
    }
    if (pid == 0) {
        g_part = part->name;
        setpgid(0, 0);
        part->fn();
        _exit(0);
    }
    setpgid(pid, pid); /* a group of its own (either call may come first) */
    int st;
    for (;;) {
        pid_t r = waitpid(pid, &st, WNOHANG);
        if (r == pid) break;
        if (r < 0 && errno != EINTR) {
            say("thread-stress: %s: FAIL: waitpid: %s", part->name, strerror(errno));
            return 1;
        }
        if (now_ms() - start > PART_DEADLINE_MS) {
            kill(pid, SIGKILL);
            wait_exit_status(pid);
            say("thread-stress: %s: FAIL: still running after %d ms: killed", part->name, PART_DEADLINE_MS);
            return 1;
        }
        sleep_us(2000);
    }
    int leftovers = sweep_group(pid);
    if (leftovers < 0) {
        say("thread-stress: %s: FAIL: its process group outlived SIGKILL by 10 s", part->name);
        return 1;
    }
    if (leftovers) say("thread-stress: %s: reaped %d orphan(s) of its group", part->name, leftovers);
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
        say("thread-stress: %s: %lld ms", part->name, now_ms() - start);
        return 0;
    }
    if (!(WIFEXITED(st) && WEXITSTATUS(st) == 1)) { /* 1: the part said why */
        char text[40];
        status_text(st, text, sizeof text);
        say("thread-stress: %s: FAIL: the part's process %s", part->name, text);
    }
    return 1;
}

static long free_pages(void) {
    struct sysinfo si;
    if (sysinfo(&si)) return -1;
    return (long)((unsigned long long)si.freeram * si.mem_unit / PAGE);
}

int main(int argc, char** argv) {
    if (argc == 3 && strcmp(argv[1], "--exit-at-once") == 0) {
        /* The exec part's new image: exec left one thread, whose tid is the pid. */
        return gettid() == getpid() ? atoi(argv[2]) : 98;
    }
    int frame_check = 1, repeat = 1;
    const char* only[PART_COUNT + 1];
    int only_count = 0;
    for (int i = 1; i < argc; ++i) {
        if (strcmp(argv[i], "--no-frame-check") == 0) {
            frame_check = 0;
        } else if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc && atoi(argv[i + 1]) > 0) {
            repeat = atoi(argv[++i]);
        } else if (strcmp(argv[i], "--part") == 0 && i + 1 < argc && only_count < PART_COUNT) {
            only[only_count++] = argv[++i];
        } else {
            fprintf(stderr, "usage: linux-thread-stress [--no-frame-check] [--repeat N] [--part NAME]...\n");
            return 2;
        }
    }
    ssize_t n = readlink("/proc/self/exe", g_exe, sizeof g_exe - 1);
    if (n <= 0) {
        say("thread-stress: FAIL: readlink /proc/self/exe: %s", strerror(errno));
        return 1;
    }
    g_exe[n] = 0;

    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    say("thread-stress: %ld cpus online", cpus);
    long long start = now_ms();
    long baseline = free_pages();
    int failed = 0, ran = 0;
    for (int k = 0; k < PART_COUNT * repeat; ++k) {
        int i = k % PART_COUNT;
        int chosen = only_count == 0;
        for (int j = 0; j < only_count; ++j) chosen |= strcmp(only[j], kParts[i].name) == 0;
        if (!chosen) continue;
        ++ran;
        failed += run_part(&kParts[i]);
    }
    long after = free_pages();
    say("thread-stress: free frames: baseline %ld, after %ld", baseline, after);
    if (frame_check && (baseline <= 0 || after != baseline)) {
        say("thread-stress: frames: FAIL: %ld frames %s", labs(after - baseline),
            after < baseline ? "not given back" : "more than before");
        ++failed;
    }
    if (ran == 0 || failed) {
        say("thread-stress: FAILED (%d of %d parts, %lld ms)", failed, ran, now_ms() - start);
        return 1;
    }
    say("thread-stress: ok (%d parts, %ld cpus, %lld ms)", ran, cpus, now_ms() - start);
    return 0;
}
