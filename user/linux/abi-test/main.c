/* The runner: one child process per case, a timeout per case, TAP-like
 * output. See suite.h for the command line. */
#include "suite.h"

#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>

extern int g_why_fd;
const char* g_self;
const char* g_fixtures;

/* The groups, in the order the suite runs them (one per cases_*.c). */
extern const struct abi_case cow_cases[], exec_cases[], mm_cases[], pipe_cases[], fd_cases[],
    signal_cases[], sigframe_cases[], thread_cases[], process_cases[], badptr_cases[],
    exit_cases[], timer_cases[], fs_cases[], fs_attr_cases[], fs_names_cases[], prctl_cases[],
    events_cases[], socket_cases[], misc_cases[], more_cases[];
static const struct abi_case* const g_groups[] = {
    cow_cases,    exec_cases,   mm_cases,      pipe_cases,   fd_cases,   signal_cases,
    sigframe_cases, thread_cases, process_cases, badptr_cases, exit_cases, timer_cases,
    fs_cases,     fs_attr_cases, fs_names_cases, prctl_cases, events_cases, socket_cases,
    misc_cases, more_cases,
};
#define GROUP_COUNT (sizeof g_groups / sizeof g_groups[0])

/* The case process writes its reasons to this descriptor; the runner reads
 * them from the other end of a pipe once the case has ended. */
#define WHY_FD 99

/* The fixture files the exec cases need. The runner writes them into a
 * fresh directory under $TMPDIR or /tmp; where nothing is writable (NyanOS's
 * ramdisk) it uses the copies the build ships at FIXTURES_SHIPPED, written
 * at build time by `linux-abi-test --write-fixtures DIR /bin/linux-abi-test`. */
#define FIXTURES_SHIPPED "/test/linux"

static int write_file(const char* dir, const char* name, const char* text, size_t len, mode_t mode) {
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0) return -1;
    int ok = write_full(fd, text, len) == (long)len;
    close(fd);
    /* The mode must not depend on the umask. */
    return ok && chmod(path, mode) == 0 ? 0 : -1;
}

/* Writes every fixture into dir; interp is the path the #! probe names. */
static int write_fixtures(const char* dir, const char* interp) {
    char probe[PATH_MAX + 32];
    snprintf(probe, sizeof probe, "#!%s --shebang-probe\n", interp);
    static const char elf_stub[8] = {0x7f, 'E', 'L', 'F', 2, 1, 1, 0};
    static const char sh_exit5[] = "#!/bin/sh\nexit 5\n";
    static const char not_elf[] = "neither an ELF file nor a #! script\n";
    static const char bad_interp[] = "#!/nonexistent/interpreter\n";
    if (write_file(dir, "not-elf", not_elf, sizeof not_elf - 1, 0755) ||
        write_file(dir, "no-exec-bit", sh_exit5, sizeof sh_exit5 - 1, 0644) ||
        write_file(dir, "empty", "", 0, 0755) ||
        write_file(dir, "short-elf", elf_stub, sizeof elf_stub, 0755) ||
        write_file(dir, "exit5.sh", sh_exit5, sizeof sh_exit5 - 1, 0755) ||
        write_file(dir, "bad-interp", bad_interp, sizeof bad_interp - 1, 0755) ||
        write_file(dir, "shebang-probe", probe, strlen(probe), 0755))
        return -1;
    return 0;
}
static const char* const g_fixture_names[] = {"not-elf", "no-exec-bit", "empty", "short-elf",
                                              "exit5.sh", "bad-interp", "shebang-probe"};

static char g_fixture_dir[PATH_MAX];
static int g_fixtures_ours;

static void remove_fixture_dir(void) {
    char path[PATH_MAX + 32];
    for (size_t i = 0; i < sizeof g_fixture_names / sizeof g_fixture_names[0]; ++i) {
        snprintf(path, sizeof path, "%s/%s", g_fixture_dir, g_fixture_names[i]);
        unlink(path);
    }
    rmdir(g_fixture_dir);
}

/* $TMPDIR (or /tmp) first, then the directory holding this program (a
 * build tree), skipping file systems mounted noexec: the exec cases run
 * the fixtures. */
static void setup_fixtures(void) {
    char self_dir[PATH_MAX];
    snprintf(self_dir, sizeof self_dir, "%s", g_self);
    char* slash = strrchr(self_dir, '/');
    if (slash) *slash = 0;
    const char* tmp = getenv("TMPDIR");
    const char* places[] = {tmp && *tmp ? tmp : "/tmp", self_dir[0] ? self_dir : "/"};
    for (size_t i = 0; i < 2; ++i) {
        if (strlen(places[i]) + 24 > sizeof g_fixture_dir) continue;
        snprintf(g_fixture_dir, sizeof g_fixture_dir, "%s/linux-abi-test.XXXXXX", places[i]);
        if (!mkdtemp(g_fixture_dir)) continue;
        struct statvfs fs;
        if (write_fixtures(g_fixture_dir, g_self) == 0 &&
            (statvfs(g_fixture_dir, &fs) != 0 || !(fs.f_flag & ST_NOEXEC))) {
            g_fixtures = g_fixture_dir;
            g_fixtures_ours = 1;
            return;
        }
        remove_fixture_dir();
    }
    if (access(FIXTURES_SHIPPED "/shebang-probe", R_OK) == 0) g_fixtures = FIXTURES_SHIPPED;
}

static void remove_fixtures(void) {
    if (g_fixtures_ours) remove_fixture_dir();
}

const char* fixture(const char* name) {
    static char buf[4][PATH_MAX];
    static int next;
    if (!g_fixtures) return NULL;
    char* b = buf[next++ & 3];
    snprintf(b, PATH_MAX, "%s/%s", g_fixtures, name);
    return b;
}

/* The absolute path of this executable: argv[0] if it names a file (made
 * absolute), else /proc/self/exe, else a search of $PATH. */
static const char* find_self(const char* argv0) {
    static char path[PATH_MAX];
    if (strchr(argv0, '/')) {
        if (argv0[0] == '/') return argv0;
        if (getcwd(path, PATH_MAX)) {
            size_t n = strlen(path), m = strlen(argv0);
            if (n + m + 2 <= sizeof path) {
                path[n] = '/';
                memcpy(path + n + 1, argv0, m + 1);
                return path;
            }
        }
    }
    ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
    if (n > 0) {
        path[n] = 0;
        return path;
    }
    const char* p = getenv("PATH");
    if (!p) p = "/bin:/usr/bin";
    while (*p) {
        size_t len = strcspn(p, ":");
        if (len + strlen(argv0) + 2 <= sizeof path) {
            snprintf(path, sizeof path, "%.*s/%s", (int)len, p, argv0);
            if (access(path, X_OK) == 0) return path;
        }
        p += len;
        if (*p) ++p;
    }
    return "/bin/linux-abi-test";
}

static const struct abi_case* find_case(const char* name) {
    for (size_t g = 0; g < GROUP_COUNT; ++g)
        for (const struct abi_case* c = g_groups[g]; c->name; ++c)
            if (!strcmp(c->name, name)) return c;
    return NULL;
}

/* Puts the case process in the state every case may assume: its own
 * process group, only descriptors 0-2 (and the runner's pipe) open, default
 * dispositions, nothing blocked, no alarm. */
static void reset_process_state(void) {
    setpgid(0, 0);
    /* Descriptors the runner inherited (beyond stdin, stdout and stderr)
     * are not the case's: the fd cases count on knowing what is open. */
    for (int fd = 3; fd < 1024; ++fd)
        if (fd != WHY_FD) close(fd);
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    for (int s = 1; s < 65; ++s)
        if (s != SIGKILL && s != SIGSTOP) sigaction(s, &dfl, NULL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    alarm(0);
}

static volatile pid_t g_running;
static volatile sig_atomic_t g_timed_out;

/* SIGALRM in the runner: the running case took too long. Killing it here,
 * rather than after waitpid returns EINTR, leaves no window in which the
 * alarm could fire before waitpid blocks. */
static void on_timeout(int sig) {
    (void)sig;
    g_timed_out = 1;
    if (g_running > 0) {
        kill(-g_running, SIGKILL);
        kill(g_running, SIGKILL);
    }
}

/* Runs one case in a child; returns 1 passed, 0 failed, -1 skipped, with
 * the reasons (one per line) in why. */
static int run_case(const struct abi_case* c, unsigned timeout, char* why, size_t why_size) {
    int p[2];
    why[0] = 0;
    if (pipe2(p, O_CLOEXEC) < 0) {
        snprintf(why, why_size, "pipe: %s", errno_name(errno));
        return 0;
    }
    fcntl(p[0], F_SETFL, O_NONBLOCK);
    fcntl(p[1], F_SETFL, O_NONBLOCK);
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(why, why_size, "fork: %s", errno_name(errno));
        close(p[0]);
        close(p[1]);
        return 0;
    }
    if (pid == 0) {
        /* Left open across exec on purpose: helpers report through it too. */
        dup2(p[1], WHY_FD);
        g_why_fd = WHY_FD;
        reset_process_state();
        int r = c->fn();
        fflush(NULL);
        _exit(r);
    }
    close(p[1]);
    /* Both the runner and the child make the child a group leader, so the
     * timeout's kill(-pid) reaches its whole group whichever runs first. */
    setpgid(pid, pid);
    g_timed_out = 0;
    g_running = pid;
    alarm(timeout);
    int status = 0;
    pid_t r;
    while ((r = waitpid(pid, &status, 0)) < 0 && errno == EINTR) {
    }
    alarm(0);
    g_running = 0;
    /* Whatever the case left behind in its group goes too. */
    kill(-pid, SIGKILL);
    /* Run as init, the runner inherits orphans: reap them. */
    while (waitpid(-1, NULL, WNOHANG) > 0) {
    }
    ssize_t n = read(p[0], why, why_size - 1);
    close(p[0]);
    why[n > 0 ? n : 0] = 0;
    size_t len = strlen(why);
    while (len && why[len - 1] == '\n') why[--len] = 0;
    char extra[96] = "";
    int result;
    if (r != pid) {
        snprintf(extra, sizeof extra, "waitpid: %s", errno_name(errno));
        result = 0;
    } else if (g_timed_out) {
        snprintf(extra, sizeof extra, "timed out after %u s", timeout);
        result = 0;
    } else if (WIFEXITED(status) && WEXITSTATUS(status) == CASE_PASS) {
        result = 1;
    } else if (WIFEXITED(status) && WEXITSTATUS(status) == CASE_SKIP) {
        result = -1;
    } else if (WIFEXITED(status) && WEXITSTATUS(status) == CASE_FAIL && why[0]) {
        result = 0; /* an ordinary failure: its reasons say it all */
    } else {
        snprintf(extra, sizeof extra, "case process %s", status_text(status));
        result = 0;
    }
    if (result == 1) {
        why[0] = 0;
    } else if (extra[0] && (result == 0)) {
        /* The runner's own finding goes first; the case's reasons follow. */
        char tmp[1024];
        snprintf(tmp, sizeof tmp, "%s%s%s", extra, why[0] ? "\n" : "", why);
        snprintf(why, why_size, "%s", tmp);
    } else if (!why[0]) {
        snprintf(why, why_size, "%s", result < 0 ? "no reason given" : "failed without a reason");
    }
    return result;
}

/* Prints `<first line>` after the prefix and every further line as `# ...`. */
static void print_result(const char* prefix, const char* sep, const char* why) {
    const char* nl = strchr(why, '\n');
    int first = nl ? (int)(nl - why) : (int)strlen(why);
    printf("%s%s%.*s\n", prefix, sep, first, why);
    while (nl) {
        const char* line = nl + 1;
        nl = strchr(line, '\n');
        printf("# %.*s\n", nl ? (int)(nl - line) : (int)strlen(line), line);
    }
}

/* The kernel's free memory (sysinfo's freeram, in bytes). */
static unsigned long long free_memory(void) {
    struct sysinfo si;
    if (sysinfo(&si) != 0) return 0;
    return (unsigned long long)si.freeram * si.mem_unit;
}

/* With --check-memory the runner reads the kernel's free memory before the
 * first case and after the last (every case's processes reaped, and any
 * orphan they left given time to end): the two must be equal, every frame
 * back. For NyanOS, which gives back what it
 * keeps only for speed before it counts; Linux's page cache and slabs make
 * the figure move there. */
static int g_check_memory;

static int suite(const char** only, int only_count, unsigned timeout) {
    int total = 0;
    for (size_t g = 0; g < GROUP_COUNT; ++g)
        for (const struct abi_case* c = g_groups[g]; c->name; ++c) ++total;
    for (int i = 0; i < only_count; ++i)
        if (!find_case(only[i])) {
            fprintf(stderr, "linux-abi-test: no case named %s (--list shows them)\n", only[i]);
            return 2;
        }
    printf("linux-abi-test: %d cases, timeout %u s, fixtures %s, /bin/sh %s\n",
           only_count ? only_count : total, timeout, g_fixtures ? g_fixtures : "(none)",
           have_sh() ? "present" : "absent");
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_timeout;
    sigaction(SIGALRM, &sa, NULL);
    int n = 0, passed = 0, failed = 0;
    fflush(stdout);
    unsigned long long memory_before = g_check_memory ? free_memory() : 0;
    long long start = now_ns();
    for (size_t g = 0; g < GROUP_COUNT; ++g) {
        for (const struct abi_case* c = g_groups[g]; c->name; ++c) {
            if (only_count) {
                int want = 0;
                for (int i = 0; i < only_count; ++i) want |= !strcmp(only[i], c->name);
                if (!want) continue;
            }
            char why[1024];
            char prefix[128];
            ++n;
            int r = run_case(c, timeout, why, sizeof why);
            if (r > 0) {
                printf("ok %d - %s\n", n, c->name);
                ++passed;
            } else if (r < 0) {
                snprintf(prefix, sizeof prefix, "ok %d - %s", n, c->name);
                print_result(prefix, " # SKIP ", why);
                ++passed;
            } else {
                snprintf(prefix, sizeof prefix, "not ok %d - %s", n, c->name);
                print_result(prefix, ": ", why);
                ++failed;
            }
            fflush(stdout);
        }
    }
    printf("linux-abi-test: %lld ms\n", (now_ns() - start) / 1000000);
    if (g_check_memory) {
        fflush(stdout);
        /* A case's orphans (exit-orphaned-stopped's) belong to init now and
         * may still be ending or waiting to be reaped by it: give them up to
         * two seconds to be gone. */
        unsigned long long memory_after = free_memory();
        for (int i = 0; i < 40 && memory_after != memory_before; ++i) {
            sleep_ms(50);
            memory_after = free_memory();
        }
        int same = memory_after == memory_before;
        printf("%s - free memory before %llu after %llu\n", same ? "ok" : "not ok", memory_before,
               memory_after);
        failed += !same;
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}

static void usage(void) {
    fprintf(stderr,
            "usage: linux-abi-test [--timeout SEC] [--fixtures DIR] [--check-memory] [--case NAME]...\n"
            "       linux-abi-test --case NAME --no-fork\n"
            "       linux-abi-test --list\n"
            "       linux-abi-test --write-fixtures DIR INTERPRETER\n"
            "       linux-abi-test --child MODE [ARG...]\n");
}

int main(int argc, char** argv, char** envp) {
    g_self = find_self(argc > 0 && argv[0] ? argv[0] : "linux-abi-test");
    if (argc >= 2 && !strcmp(argv[1], "--shebang-probe")) return child_main(argc, argv, envp);
    if (argc >= 3 && !strcmp(argv[1], "--child")) {
        if (fcntl(WHY_FD, F_GETFD) >= 0) g_why_fd = WHY_FD;
        return child_main(argc, argv, envp);
    }
    /* An exec the kernel should have refused went through: do nothing. */
    if (getenv("LINUX_ABI_TEST_NO_SUITE")) return 99;
    if (argc == 4 && !strcmp(argv[1], "--write-fixtures")) {
        if (write_fixtures(argv[2], argv[3]) == 0) return 0;
        perror("linux-abi-test: --write-fixtures");
        return 1;
    }
    const char* only[64];
    int only_count = 0, no_fork = 0;
    unsigned timeout = 30;
    for (int i = 1; i < argc; ++i) {
        if (!strcmp(argv[i], "--list")) {
            for (size_t g = 0; g < GROUP_COUNT; ++g)
                for (const struct abi_case* c = g_groups[g]; c->name; ++c) printf("%s\n", c->name);
            return 0;
        } else if (!strcmp(argv[i], "--case") && i + 1 < argc && only_count < 64) {
            only[only_count++] = argv[++i];
        } else if (!strcmp(argv[i], "--timeout") && i + 1 < argc) {
            timeout = (unsigned)strtoul(argv[++i], NULL, 10);
            if (!timeout) timeout = 1;
        } else if (!strcmp(argv[i], "--check-memory")) {
            g_check_memory = 1;
        } else if (!strcmp(argv[i], "--no-fork")) {
            no_fork = 1;
        } else if (!strcmp(argv[i], "--fixtures") && i + 1 < argc) {
            g_fixtures = argv[++i];
        } else {
            usage();
            return 2;
        }
    }
    if (!g_fixtures) setup_fixtures();
    int r;
    if (no_fork) {
        /* One case, in this process: reasons go to stderr. */
        const struct abi_case* c = only_count == 1 ? find_case(only[0]) : NULL;
        if (!c) {
            usage();
            r = 2;
        } else {
            r = c->fn();
            printf("%s: %s\n", c->name,
                   r == CASE_PASS ? "passed" : r == CASE_SKIP ? "skipped" : "FAILED");
        }
    } else {
        r = suite(only, only_count, timeout);
    }
    remove_fixtures();
    return r;
}
