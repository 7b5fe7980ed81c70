/* /bin/nyansh: NyanOS's shell, the default init and interactive shell.
 * (/bin/sh is busybox's ash, for Linux programs' system(), popen() and
 * #!/bin/sh scripts: README, "Running Linux programs".)
 *
 * Reads a line from fd 0 one byte at a time and echoes it (the kernel's
 * console does not echo). Backspace/DEL erase, Ctrl-U kills the line, Ctrl-C
 * cancels it, up/down arrows (ESC [ A / ESC [ B) walk the history; \r or \n
 * ends the line (a \n right after \r is ignored, so CRLF is one line).
 *
 * A command is a built-in or a program: NAME without a '/' runs /bin/NAME.
 * The shell waits for it, unless the line ends with '&'; finished background
 * jobs are reported before the next prompt as "[PID] done ...".
 *
 * Ctrl-C while a program runs: the shell makes the child the console's
 * foreground process (set_foreground) and blocks in waitpid; the kernel's
 * console kills the foreground process with SIGINT when Ctrl-C arrives, the
 * shell's waitpid returns, and it clears the foreground. This keeps the shell
 * simple (no polling) and leaves the console's input to the child while it
 * runs, as a Unix terminal does. Without kernel support set_foreground fails
 * (ENOSYS) and the rest works unchanged.
 *
 * Messages other programs and tests rely on:
 *   "NyanOS> "                          the prompt
 *   "exit status N"                     a foreground program exited with N != 0
 *   "killed: SIGSEGV (signal 11)"       ... was killed (": REASON" may follow)
 *   "[PID] done status N" / "[PID] done killed: SIG... (signal N)"
 *   "nyansh: NAME: command not found"
 *   "free_frames=N ..."                 the meminfo built-in
 *
 * Usage: nyansh            interactive
 *        nyansh -c LINE    runs one command line and exits with its status
 */
#include <errno.h>
#include <nyan.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"

#define kLineMax 256
#define kHistory 16
#define kMaxJobs 16

static const char kPrompt[] = "NyanOS> ";

/* Exit status of the last command, Unix style: the code, or 128 + signal. */
static int g_last_status;

/* ---- output helpers ---------------------------------------------------- */

static void out(const char* s, size_t n) {
    while (n) {
        ssize_t k = write(1, s, n);
        if (k <= 0) return;
        s += k;
        n -= (size_t)k;
    }
}

static void out_str(const char* s) { out(s, strlen(s)); }

/* ---- history --------------------------------------------------------- */

static char g_history[kHistory][kLineMax];
static int g_history_count; /* entries ever added; the newest is count - 1 */

static void history_add(const char* line) {
    if (!*line) return;
    if (g_history_count && !strcmp(g_history[(g_history_count - 1) % kHistory], line)) return;
    strlcpy(g_history[g_history_count % kHistory], line, kLineMax);
    ++g_history_count;
}

/* ---- line editor ----------------------------------------------------- */

enum read_result { kLineReady, kLineCancelled, kLineEof };

/* Erases LEN characters on screen and shows NEW_LINE instead. */
static void replace_shown(char* buf, size_t* len, const char* new_line) {
    char erase[3 * 64];
    while (*len) {
        size_t n = *len < 64 ? *len : 64;
        for (size_t i = 0; i < n; ++i) memcpy(erase + 3 * i, "\b \b", 3);
        out(erase, 3 * n);
        *len -= n;
    }
    *len = strlcpy(buf, new_line, kLineMax);
    if (*len >= kLineMax) *len = kLineMax - 1;
    out(buf, *len);
}

static int g_after_cr; /* the last byte read was \r: swallow a following \n */

static enum read_result read_line(char* buf) {
    size_t len = 0;
    int history_pos = g_history_count; /* == count: the line being typed */
    char typed[kLineMax];              /* the line being typed, kept while browsing */
    typed[0] = '\0';
    int esc = 0; /* 0 none, 1 after ESC, 2 after ESC [ or ESC O */
    buf[0] = '\0';
    for (;;) {
        unsigned char c;
        ssize_t n = read(0, &c, 1);
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            dprintf(2, "nyansh: read: %s\n", strerror(errno));
            return kLineEof;
        }
        if (n == 0) {
            buf[len] = '\0';
            return len ? kLineReady : kLineEof;
        }
        if (g_after_cr) {
            g_after_cr = 0;
            if (c == '\n') continue;
        }
        if (esc == 1) {
            esc = (c == '[' || c == 'O') ? 2 : 0;
            continue;
        }
        if (esc == 2) {
            if (c >= '0' && c <= '9') continue; /* parameters, e.g. ESC [ 1 ; 5 A */
            if (c == ';') continue;
            esc = 0;
            if (c == 'A' && history_pos > 0 && history_pos > g_history_count - kHistory) {
                if (history_pos == g_history_count) {
                    buf[len] = '\0';
                    strlcpy(typed, buf, kLineMax);
                }
                --history_pos;
                replace_shown(buf, &len, g_history[history_pos % kHistory]);
            } else if (c == 'B' && history_pos < g_history_count) {
                ++history_pos;
                replace_shown(buf, &len,
                              history_pos == g_history_count ? typed
                                                              : g_history[history_pos % kHistory]);
            }
            continue; /* other keys (left/right, ...) are ignored */
        }
        switch (c) {
            case '\r':
            case '\n':
                g_after_cr = c == '\r';
                out("\n", 1);
                buf[len] = '\0';
                return kLineReady;
            case 0x1b:
                esc = 1;
                break;
            case 0x08:
            case 0x7f:
                if (len) {
                    --len;
                    out("\b \b", 3);
                }
                break;
            case 0x15: /* Ctrl-U */
                replace_shown(buf, &len, "");
                break;
            case 0x03: /* Ctrl-C */
                out("^C\n", 3);
                buf[0] = '\0';
                return kLineCancelled;
            case 0x04: /* Ctrl-D on an empty line ends the shell, as in Unix */
                if (!len) {
                    out("\n", 1);
                    return kLineEof;
                }
                break;
            case '\t':
                c = ' ';
                /* fall through */
            default:
                if (c >= 0x20 && len + 1 < kLineMax) {
                    buf[len++] = (char)c;
                    out((const char*)&c, 1);
                }
                break;
        }
    }
}

/* ---- jobs and status reports ---------------------------------------- */

static int g_jobs[kMaxJobs]; /* pids of background jobs; 0 = free slot */

/* Prints how a reaped child ended; PREFIX starts the line. Returns the
 * Unix-style status (code or 128 + signal). */
static int report(int pid, int status, const char* prefix, int quiet_success) {
    if (NYAN_WIFSIGNALED(status)) {
        int sig = NYAN_WTERMSIG(status);
        char reason[128];
        long n = kill_reason(pid, reason, sizeof reason);
        if (n > 0) {
            reason[sizeof reason - 1] = '\0';
            printf("%skilled: %s (signal %d): %s\n", prefix, nyan_signal_name(sig), sig, reason);
        } else {
            printf("%skilled: %s (signal %d)\n", prefix, nyan_signal_name(sig), sig);
        }
        return 128 + sig;
    }
    int code = NYAN_WEXITSTATUS(status);
    if (code != 0 || !quiet_success) printf("%s%sstatus %d\n", prefix, *prefix ? "" : "exit ", code);
    return code;
}

static void reap_jobs(int block) {
    for (int i = 0; i < kMaxJobs; ++i) {
        if (!g_jobs[i]) continue;
        int status = 0;
        int r = waitpid(g_jobs[i], &status, block ? 0 : NYAN_WNOHANG);
        if (r == 0) continue;
        if (r > 0) {
            char prefix[32];
            snprintf(prefix, sizeof prefix, "[%d] done ", g_jobs[i]);
            report(g_jobs[i], status, prefix, 0);
        } else {
            printf("[%d] lost: %s\n", g_jobs[i], strerror(errno));
        }
        g_jobs[i] = 0;
    }
    if (block) return;
    /* Children that are not our jobs were adopted: orphans the kernel handed
     * to init when their parent exited. Reap them silently, as init does. */
    for (;;) {
        int status = 0;
        int r = waitpid(-1, &status, NYAN_WNOHANG);
        if (r <= 0) break;
        for (int i = 0; i < kMaxJobs; ++i) {
            if (g_jobs[i] != r) continue;
            char prefix[32];
            snprintf(prefix, sizeof prefix, "[%d] done ", r);
            report(r, status, prefix, 0);
            g_jobs[i] = 0;
        }
    }
}

static int add_job(int pid) {
    for (int i = 0; i < kMaxJobs; ++i) {
        if (!g_jobs[i]) {
            g_jobs[i] = pid;
            return 0;
        }
    }
    return -1;
}

/* ---- built-ins ---------------------------------------------------------- */

static int parse_int(const char* s, long* out_value) {
    char* end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (!*s || *end || errno) return -1;
    *out_value = v;
    return 0;
}

static int builtin_hi(int argc, char** argv) {
    (void)argc, (void)argv;
    puts("Hi! I'm NyanOS =^.^=");
    return 0;
}

static int builtin_clear(int argc, char** argv) {
    (void)argc, (void)argv;
    if (clear() < 0) out_str("\x1b[2J\x1b[H");
    return 0;
}

static int builtin_reboot(int argc, char** argv) {
    (void)argc, (void)argv;
    reboot();
}

/* Lists DIR's names, one a line. */
static int list_dir(const char* dir) {
    size_t cap = 4096;
    for (;;) {
        char* buf = (char*)malloc(cap);
        if (!buf) {
            dprintf(2, "ls: out of memory\n");
            return 1;
        }
        long n = list_files(dir, buf, cap);
        if (n < 0) {
            dprintf(2, "ls: %s: %s\n", dir, strerror(errno));
            free(buf);
            return 1;
        }
        if ((size_t)n >= cap && cap < 1024 * 1024) { /* may be truncated: retry bigger */
            free(buf);
            cap *= 4;
            continue;
        }
        /* Index the names, sort them (insertion sort: directories are
         * small), print one a line. */
        size_t count = 0;
        for (long i = 0; i < n; i += (long)strnlen(buf + i, (size_t)(n - i)) + 1) ++count;
        char** names = (char**)malloc((count + 1) * sizeof(char*));
        if (!names) {
            free(buf);
            dprintf(2, "ls: out of memory\n");
            return 1;
        }
        buf[n < (long)cap ? n : (long)cap - 1] = '\0';
        size_t k = 0;
        for (long i = 0; i < n && k < count;) {
            size_t len = strnlen(buf + i, (size_t)(n - i));
            if (len) {
                char* name = buf + i;
                size_t j = k++;
                for (; j > 0 && strcmp(names[j - 1], name) > 0; --j) names[j] = names[j - 1];
                names[j] = name;
            }
            i += (long)len + 1;
        }
        for (size_t i = 0; i < k; ++i) {
            out_str(names[i]);
            out("\n", 1);
        }
        free(names);
        free(buf);
        return 0;
    }
}

static int builtin_ls(int argc, char** argv) {
    if (argc < 2) return list_dir("/");
    int rc = 0;
    for (int i = 1; i < argc; ++i) {
        if (argc > 2) printf("%s:\n", argv[i]);
        rc |= list_dir(argv[i]);
    }
    return rc;
}

static int cat_file(const char* path) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        dprintf(2, "cat: %s: %s\n", path, strerror(errno));
        return 1;
    }
    char buf[512];
    int rc = 0;
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0) {
            dprintf(2, "cat: %s: %s\n", path, strerror(errno));
            rc = 1;
            break;
        }
        if (n == 0) break;
        out(buf, (size_t)n);
    }
    close(fd);
    return rc;
}

static int builtin_cat(int argc, char** argv) {
    if (argc < 2) {
        dprintf(2, "usage: cat FILE...\n");
        return 2;
    }
    int rc = 0;
    for (int i = 1; i < argc; ++i) rc |= cat_file(argv[i]);
    return rc;
}

static const char* state_name(int state) {
    switch (state) {
        case 0: return "running";
        case 1: return "ready";
        case 2: return "blocked";
        case 3: return "zombie";
        default: return "?";
    }
}

static int builtin_ps(int argc, char** argv) {
    (void)argc, (void)argv;
    enum { kMax = 64 };
    struct nyan_process_info* procs =
        (struct nyan_process_info*)calloc(kMax, sizeof(struct nyan_process_info));
    if (!procs) {
        dprintf(2, "ps: out of memory\n");
        return 1;
    }
    int n = process_list(procs, kMax);
    if (n < 0) {
        dprintf(2, "ps: %s\n", strerror(errno));
        free(procs);
        return 1;
    }
    printf("  PID  PPID STATE     PAGES NAME\n");
    for (int i = 0; i < n && i < kMax; ++i) {
        procs[i].name[NYAN_PROC_NAME_MAX - 1] = '\0';
        printf("%5d %5d %-8s %6lu %s\n", procs[i].pid, procs[i].parent,
               state_name(procs[i].state), procs[i].pages, procs[i].name);
    }
    free(procs);
    return 0;
}

static int builtin_meminfo(int argc, char** argv) {
    (void)argc, (void)argv;
    struct nyan_meminfo info;
    memset(&info, 0, sizeof info);
    long free_frames = meminfo(&info);
    if (free_frames < 0) {
        dprintf(2, "meminfo: %s\n", strerror(errno));
        return 1;
    }
    printf("free_frames=%ld total_frames=%lu page_table_frames=%lu heap_frames=%lu\n",
           free_frames, info.total_frames, info.page_table_frames, info.heap_frames);
    printf("free %lu KiB of %lu KiB\n", (unsigned long)free_frames * 4, info.total_frames * 4);
    return 0;
}

static int builtin_echo(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
        if (i > 1) out(" ", 1);
        out_str(argv[i]);
    }
    out("\n", 1);
    return 0;
}

static int builtin_kill(int argc, char** argv) {
    if (argc < 2) {
        dprintf(2, "usage: kill PID...\n");
        return 2;
    }
    int rc = 0;
    for (int i = 1; i < argc; ++i) {
        long pid;
        if (parse_int(argv[i], &pid) < 0 || pid <= 0) {
            dprintf(2, "kill: %s: not a process id\n", argv[i]);
            rc = 1;
        } else if (kill((int)pid) < 0) {
            dprintf(2, "kill: %ld: %s\n", pid, strerror(errno));
            rc = 1;
        }
    }
    return rc;
}

/* exit [N] / poweroff [N]: N defaults to 0. */
static int exit_code_arg(int argc, char** argv, int* code) {
    long v = 0;
    if (argc > 1 && parse_int(argv[1], &v) < 0) {
        dprintf(2, "%s: %s: not a number\n", argv[0], argv[1]);
        return -1;
    }
    *code = (int)(v & 0xff);
    return 0;
}

static int builtin_exit(int argc, char** argv) {
    int code;
    if (exit_code_arg(argc, argv, &code) < 0) return 2;
    exit(code);
}

static int builtin_poweroff(int argc, char** argv) {
    int code;
    if (exit_code_arg(argc, argv, &code) < 0) return 2;
    poweroff(code);
}

static int builtin_wait(int argc, char** argv) {
    (void)argc, (void)argv;
    reap_jobs(1);
    return 0;
}

static int run_command(struct sh_command* cmd);

static int builtin_time(int argc, char** argv) {
    if (argc < 2) {
        dprintf(2, "usage: time COMMAND [ARG...]\n");
        return 2;
    }
    struct sh_command sub;
    sub.argc = argc - 1;
    for (int i = 1; i <= argc; ++i) sub.argv[i - 1] = argv[i];
    sub.background = 0;
    unsigned long start = get_time();
    int rc = run_command(&sub);
    printf("real %lu ms\n", get_time() - start);
    return rc;
}

static int builtin_help(int argc, char** argv);

struct builtin {
    const char* name;
    int (*fn)(int argc, char** argv);
    const char* usage;
};

static const struct builtin kBuiltins[] = {
    {"hi", builtin_hi, "hi               say hello"},
    {"help", builtin_help, "help             this list"},
    {"echo", builtin_echo, "echo ARG...      print the arguments"},
    {"ls", builtin_ls, "ls [DIR...]      list files (default /)"},
    {"cat", builtin_cat, "cat FILE...      print files"},
    {"ps", builtin_ps, "ps               processes: pid, parent, state, pages owned"},
    {"meminfo", builtin_meminfo, "meminfo          free and total physical frames"},
    {"kill", builtin_kill, "kill PID...      kill processes"},
    {"wait", builtin_wait, "wait             wait for all background jobs"},
    {"time", builtin_time, "time CMD...      run CMD and print the elapsed milliseconds"},
    {"clear", builtin_clear, "clear            clear the screen"},
    {"exit", builtin_exit, "exit [N]         end the shell with status N"},
    {"poweroff", builtin_poweroff, "poweroff [N]     power the machine off (status N)"},
    {"reboot", builtin_reboot, "reboot           restart the machine"},
};

static int builtin_help(int argc, char** argv) {
    (void)argc, (void)argv;
    puts("Built-in commands:");
    for (size_t i = 0; i < sizeof kBuiltins / sizeof kBuiltins[0]; ++i)
        printf("  %s\n", kBuiltins[i].usage);
    puts("Other commands run /bin/NAME; end a line with & to run it in the background.");
    puts("Programs in /bin:");
    return list_dir("/bin");
}

/* ---- running programs -------------------------------------------------- */

static int run_program(struct sh_command* cmd) {
    const char* name = cmd->argv[0];
    char path[kLineMax + 8];
    if (strchr(name, '/'))
        strlcpy(path, name, sizeof path);
    else
        snprintf(path, sizeof path, "/bin/%s", name);

    int pid = exec(path, cmd->argv);
    if (pid < 0) {
        if (errno == ENOENT) {
            dprintf(2, "nyansh: %s: command not found\n", name);
            return 127;
        }
        dprintf(2, "nyansh: %s: %s (%s)\n", name, strerror(errno), strerrorname_np(errno));
        return 126;
    }
    if (cmd->background) {
        if (add_job(pid) < 0) {
            /* No slot to remember it: wait now rather than leak a zombie. */
            dprintf(2, "nyansh: too many background jobs; waiting for %d\n", pid);
        } else {
            printf("[%d]\n", pid);
            return 0;
        }
    }
    set_foreground(pid); /* ENOSYS without kernel support: Ctrl-C then does nothing */
    int status = 0;
    int r = waitpid(pid, &status, 0);
    set_foreground(0);
    if (r < 0) {
        dprintf(2, "nyansh: waitpid %d: %s\n", pid, strerror(errno));
        return 1;
    }
    return report(pid, status, "", 1);
}

static int run_command(struct sh_command* cmd) {
    if (cmd->argc == 0) return g_last_status;
    if (!cmd->background) {
        for (size_t i = 0; i < sizeof kBuiltins / sizeof kBuiltins[0]; ++i)
            if (!strcmp(cmd->argv[0], kBuiltins[i].name)) return kBuiltins[i].fn(cmd->argc, cmd->argv);
    }
    return run_program(cmd);
}

static int run_line(const char* line) {
    char storage[kLineMax * 4];
    struct sh_command cmd;
    enum sh_parse_status st = sh_parse_line(line, storage, sizeof storage, &cmd);
    if (st != SH_PARSE_OK) {
        dprintf(2, "nyansh: %s\n", sh_parse_message(st));
        return 2;
    }
    if (cmd.argc == 0) return g_last_status;
    return run_command(&cmd);
}

int main(int argc, char** argv) {
    if (argc >= 3 && !strcmp(argv[1], "-c")) return run_line(argv[2]);
    if (argc >= 2) {
        dprintf(2, "usage: sh [-c COMMAND]\n");
        return 2;
    }
    char line[kLineMax];
    for (;;) {
        reap_jobs(0);
        out_str(kPrompt);
        enum read_result r = read_line(line);
        if (r == kLineEof) break;
        if (r == kLineCancelled) {
            g_last_status = 130;
            continue;
        }
        history_add(line);
        g_last_status = run_line(line);
    }
    return 0;
}
