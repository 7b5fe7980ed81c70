/* fork's copy-on-write isolation, vfork, posix_spawn and system(). */
#include "suite.h"

#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>

extern char** environ;

#define REGION 8192 /* two pages: a copy must cover both */

static int all_bytes(volatile unsigned char* p, size_t n, unsigned char v) {
    for (size_t i = 0; i < n; ++i)
        if (p[i] != v) return 0;
    return 1;
}

static void fill(volatile unsigned char* p, size_t n, unsigned char v) {
    for (size_t i = 0; i < n; ++i) p[i] = v;
}

/* Parent, child and grandchild each write the same two pages of p; each
 * must go on seeing only its own bytes, while the others are alive and
 * after they wrote. The parent writes only after the child has, and the
 * child checks afterwards that the parent's write did not reach it. */
static int cow_three_generations(volatile unsigned char* p, const char* what) {
    int to_child[2], to_parent[2];
    CHECK_OK(pipe(to_child));
    CHECK_OK(pipe(to_parent));
    fill(p, REGION, 1);
    fflush(NULL);
    pid_t pid = fork();
    CHECK_OK(pid);
    if (pid == 0) {
        char c = 0;
        if (!all_bytes(p, REGION, 1)) _exit(10); /* fork copied the parent's bytes */
        fill(p, REGION, 2);
        if (write(to_parent[1], "w", 1) != 1) _exit(3);
        if (read(to_child[0], &c, 1) != 1) _exit(4);
        if (!all_bytes(p, REGION, 2)) _exit(11); /* the parent's later write reached us */
        pid_t g = fork();
        if (g < 0) _exit(5);
        if (g == 0) {
            if (!all_bytes(p, REGION, 2)) _exit(20);
            fill(p, REGION, 3);
            _exit(all_bytes(p, REGION, 3) ? 0 : 21);
        }
        int st = wait_status(g);
        if (!WIFEXITED(st)) _exit(6);
        if (WEXITSTATUS(st)) _exit(WEXITSTATUS(st));
        if (!all_bytes(p, REGION, 2)) _exit(12); /* the grandchild's write reached us */
        _exit(0);
    }
    char c = 0;
    CHECK_EQ(read(to_parent[0], &c, 1), 1);
    if (!all_bytes(p, REGION, 1))
        return fail("%s: the parent sees its child's write", what);
    fill(p, REGION, 4);
    CHECK_EQ(write(to_child[1], "p", 1), 1);
    int st = wait_status(pid);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        const char* why = "?";
        switch (WIFEXITED(st) ? WEXITSTATUS(st) : -1) {
        case 10: why = "the child did not see the parent's bytes"; break;
        case 11: why = "the parent's write after fork reached the child"; break;
        case 12: why = "the grandchild's write reached the child"; break;
        case 20: why = "the grandchild did not see the child's bytes"; break;
        case 21: why = "the grandchild's own write did not stick"; break;
        default: why = status_text(st);
        }
        return fail("%s: %s", what, why);
    }
    if (!all_bytes(p, REGION, 4)) return fail("%s: the parent lost its own write", what);
    return CASE_PASS;
}

static volatile unsigned char g_data_region[REGION] __attribute__((aligned(4096))) = {9};
static volatile unsigned char g_bss_region[REGION] __attribute__((aligned(4096)));

static int cow_global(void) {
    if (cow_three_generations(g_data_region, ".data")) return CASE_FAIL;
    return cow_three_generations(g_bss_region, ".bss");
}

static int cow_heap(void) {
    unsigned char* p = malloc(REGION + 4096);
    CHECK(p != NULL);
    return cow_three_generations(p + 100, "malloc'd heap");
}

static int cow_mmap_private(void) {
    void* p = mmap(NULL, REGION, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(p != MAP_FAILED);
    return cow_three_generations(p, "mmap'd private anonymous");
}

static int cow_stack(void) {
    volatile unsigned char region[REGION + 64];
    return cow_three_generations(region, "stack");
}

/* MAP_SHARED|MAP_ANONYMOUS is the opposite: one page for both. */
static int mmap_shared_anon_fork(void) {
    volatile int* p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CHECK(p != MAP_FAILED);
    *p = 1;
    fflush(NULL);
    pid_t pid = fork();
    CHECK_OK(pid);
    if (pid == 0) {
        *p = 2;
        _exit(0);
    }
    CHECK_EXITED(wait_status(pid), 0);
    CHECK_EQ(*p, 2);
    return CASE_PASS;
}

/* vfork(2): "the calling thread is suspended until the child terminates
 * (either normally, by calling _exit(2), or abnormally, after delivery of
 * a fatal signal), or it makes a call to execve(2)"; until then the child
 * shares the parent's memory. */
static volatile int g_vfork_word;

static int vfork_shares_memory(void) {
    g_vfork_word = 1;
    long long start = now_ns();
    pid_t pid = vfork();
    if (pid == 0) {
        struct timespec ts = {0, 100 * 1000000L};
        nanosleep(&ts, NULL);
        g_vfork_word = 2;
        _exit(7);
    }
    long long waited = now_ns() - start;
    CHECK_OK(pid);
    if (g_vfork_word != 2) return fail("the vfork child's write is not in the parent's memory");
    if (waited < 100 * 1000000LL)
        return fail("vfork returned in the parent after %lld ms, before the child's _exit (100 ms)",
                    waited / 1000000);
    CHECK_EXITED(wait_status(pid), 7);
    return CASE_PASS;
}

static int vfork_exec_releases_parent(void) {
    int p[2];
    CHECK_OK(pipe2(p, O_CLOEXEC));
    CHECK_OK(fcntl(p[0], F_SETFD, 0)); /* the helper reads it after exec */
    char fd[16];
    snprintf(fd, sizeof fd, "%d", p[0]);
    char* argv[] = {(char*)g_self, (char*)"--child", (char*)"block-read", fd, NULL};
    g_vfork_word = 1;
    pid_t pid = vfork();
    if (pid == 0) {
        execve(g_self, argv, environ);
        g_vfork_word = 3;
        _exit(127);
    }
    CHECK_OK(pid);
    close(p[0]);
    /* The parent runs again because the child exec'd: the child is alive,
     * blocked reading a pipe only the parent can write. */
    int st = 0;
    pid_t r = waitpid(pid, &st, WNOHANG);
    if (g_vfork_word == 3) return fail("execve failed in the vfork child");
    if (r != 0) return fail("waitpid(WNOHANG) = %d (%s): the parent resumed only after the child ended",
                            r, r > 0 ? status_text(st) : errno_name(errno));
    close(p[1]);
    CHECK_EXITED(wait_status(pid), 0);
    return CASE_PASS;
}

static int posix_spawn_exit(void) {
    char* argv[] = {(char*)g_self, (char*)"--child", (char*)"exit", (char*)"7", NULL};
    pid_t pid;
    int r = posix_spawn(&pid, g_self, NULL, NULL, argv, environ);
    if (r) return fail("posix_spawn: %s", errno_name(r));
    CHECK_EXITED(wait_status(pid), 7);
    /* A failed exec in the new process is the caller's error (musl reports
     * it through a pipe, glibc through shared memory: both need the child's
     * execve to fail cleanly). */
    char* none[] = {(char*)"/nonexistent/program", NULL};
    r = posix_spawn(&pid, none[0], NULL, NULL, none, environ);
    CHECK_EQ(r, ENOENT);
    return CASE_PASS;
}

static int system_exit_status(void) {
    if (!have_sh()) return skip("no /bin/sh: system() needs a shell");
    CHECK(system(NULL) != 0);
    int st = system("exit 3");
    CHECK_EXITED(st, 3);
    return CASE_PASS;
}

CASE_TABLE(cow) = {
    {"cow-global", cow_global},
    {"cow-heap", cow_heap},
    {"cow-mmap-private", cow_mmap_private},
    {"cow-stack", cow_stack},
    {"mmap-shared-anon-fork", mmap_shared_anon_fork},
    {"vfork-shares-memory", vfork_shares_memory},
    {"vfork-exec-releases-parent", vfork_exec_releases_parent},
    {"posix-spawn", posix_spawn_exit},
    {"system-exit-status", system_exit_status},
    CASE_TABLE_END,
};
