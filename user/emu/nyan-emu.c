/* nyan-emu: runs NyanOS user programs on a Linux host, for testing the SDK,
 * the shell and /bin without the kernel. A host tool (built with the host's
 * gcc), not part of NyanOS.
 *
 *   nyan-emu ROOT /bin/nyansh [ARG...]
 *
 * The programs are static ELF files Linux can load as they are; nyan-emu
 * traces them with ptrace and turns each NyanOS system call into a Linux one
 * at syscall entry (rewriting the number and arguments) or computes the result
 * itself at syscall exit. Paths are looked up under ROOT (a directory laid out
 * like the ramdisk, e.g. build/initrd-root). exec is a fork of the caller whose
 * child is redirected into execve, so waitpid becomes Linux's wait4 and the
 * status encoding (signals included) is Linux's, which NyanOS shares.
 * Faked: meminfo (a constant), process_list (empty), clear, set_foreground;
 * stat and kill_reason report ENOSYS. poweroff/reboot end the process. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/ptrace.h>

#include "nyanos/abi/syscall.h"

#define kFakeFreeFrames 100000

static const char* g_root;
static struct timespec g_start;

enum pending { kNone, kSetResult, kSbrkProbe, kSbrkSet, kExecChild };

struct tracee {
    pid_t pid;
    int in_syscall; /* toggles on each syscall stop */
    enum pending pending;
    long value;     /* kSetResult: the result; kSbrk*: increment */
    long old_brk;   /* kSbrkSet */
    long exec_path; /* kExecChild: where the host path was written */
};

#define kMaxTracees 256
static struct tracee g_tracees[kMaxTracees];

static struct tracee* find(pid_t pid) {
    struct tracee* free_slot = NULL;
    for (int i = 0; i < kMaxTracees; ++i) {
        if (g_tracees[i].pid == pid) return &g_tracees[i];
        if (!g_tracees[i].pid && !free_slot) free_slot = &g_tracees[i];
    }
    if (!free_slot) {
        fprintf(stderr, "nyan-emu: too many processes\n");
        exit(1);
    }
    memset(free_slot, 0, sizeof *free_slot);
    free_slot->pid = pid;
    return free_slot;
}

static int mem_read(pid_t pid, long addr, void* buf, size_t len) {
    struct iovec local = {buf, len}, remote = {(void*)addr, len};
    return process_vm_readv(pid, &local, 1, &remote, 1, 0) == (ssize_t)len ? 0 : -1;
}

static int mem_write(pid_t pid, long addr, const void* buf, size_t len) {
    struct iovec local = {(void*)buf, len}, remote = {(void*)addr, len};
    return process_vm_writev(pid, &local, 1, &remote, 1, 0) == (ssize_t)len ? 0 : -1;
}

/* Reads a NUL-terminated string (at most CAP-1 bytes). */
static int read_string(pid_t pid, long addr, char* out, size_t cap) {
    for (size_t i = 0; i < cap; ++i) {
        if (mem_read(pid, addr + (long)i, out + i, 1) < 0) return -1;
        if (!out[i]) return 0;
    }
    return -1;
}

/* Scratch space in the tracee: well below its stack pointer (past the red
 * zone), where nothing live is kept. */
static long scratch(const struct user_regs_struct* r) { return (long)((r->rsp - 16384) & ~15ull); }

/* ROOT + path, written to the tracee's scratch space; returns its address. */
static long host_path(pid_t pid, const struct user_regs_struct* r, long user_path, char* out,
                      size_t cap) {
    char path[1024];
    if (read_string(pid, user_path, path, sizeof path) < 0) return -EFAULT;
    snprintf(out, cap, "%s%s%s", g_root, path[0] == '/' ? "" : "/", path);
    long at = scratch(r);
    if (mem_write(pid, at, out, strlen(out) + 1) < 0) return -EFAULT;
    return at;
}

static long now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (t.tv_sec - g_start.tv_sec) * 1000 + (t.tv_nsec - g_start.tv_nsec) / 1000000;
}

static long list_files(pid_t pid, long dir_addr, long buf, long len) {
    char dir[1024], path[2048];
    if (read_string(pid, dir_addr, dir, sizeof dir) < 0) return -EFAULT;
    snprintf(path, sizeof path, "%s/%s", g_root, dir);
    DIR* d = opendir(path);
    if (!d) return -errno;
    char* names = calloc(1, (size_t)len + 1);
    long used = 0;
    struct dirent* e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        long n = (long)strlen(e->d_name) + 1;
        if (used + n > len) break;
        memcpy(names + used, e->d_name, (size_t)n);
        used += n;
    }
    closedir(d);
    long r = mem_write(pid, buf, names, (size_t)used) < 0 ? -EFAULT : used;
    free(names);
    return r;
}

/* Syscall entry: rewrite NyanOS's call into Linux's, or into getpid with the
 * result filled in at exit. */
static void on_enter(struct tracee* t, struct user_regs_struct* r) {
    long nr = (long)r->orig_rax;
    long result = -ENOSYS;
    /* A Linux call we set up ourselves (brk, execve): let it run. */
    if (t->pending == kSbrkSet || t->pending == kExecChild) return;
    t->pending = kSetResult;
    switch (nr) {
        case SYS_READ: case SYS_WRITE: t->pending = kNone; return;
        case SYS_EXIT: r->orig_rax = 231; t->pending = kNone; break;
        case SYS_WAITPID: r->orig_rax = 61; r->r10 = 0; t->pending = kNone; break;
        case SYS_CLOSE: r->orig_rax = 3; t->pending = kNone; break;
        case SYS_GETPID: r->orig_rax = 39; t->pending = kNone; break;
        case SYS_YIELD: r->orig_rax = 24; t->pending = kNone; break;
        case SYS_KILL: r->orig_rax = 62; r->rsi = SIGKILL; t->pending = kNone; break;
        case SYS_OPEN: {
            char path[2048];
            long at = host_path(t->pid, r, (long)r->rdi, path, sizeof path);
            if (at < 0) {
                result = at;
                break;
            }
            r->orig_rax = 2;
            r->rdi = (unsigned long long)at;
            r->rsi = 0;
            t->pending = kNone;
            break;
        }
        case SYS_SLEEP: {
            struct timespec ts = {(time_t)(r->rdi / 1000), (long)(r->rdi % 1000) * 1000000};
            long at = scratch(r);
            mem_write(t->pid, at, &ts, sizeof ts);
            r->orig_rax = 35;
            r->rdi = (unsigned long long)at;
            r->rsi = 0;
            t->pending = kNone;
            break;
        }
        case SYS_SBRK:
            t->value = (long)r->rdi;
            r->orig_rax = 12;
            r->rdi = 0;
            t->pending = kSbrkProbe;
            break;
        case SYS_EXEC: {
            char path[2048];
            long at = host_path(t->pid, r, (long)r->rdi, path, sizeof path);
            if (at < 0) {
                result = at;
                break;
            }
            if (access(path, X_OK) < 0) {
                result = -errno;
                break;
            }
            r->orig_rax = 57; /* fork; the child is redirected in on_fork_child */
            t->pending = kNone;
            break;
        }
        case SYS_GET_TIME: result = now_ms(); break;
        case SYS_MEMINFO:
            if (r->rdi) {
                struct nyan_meminfo mi = {kFakeFreeFrames * 2, kFakeFreeFrames, 0, 0};
                if (mem_write(t->pid, (long)r->rdi, &mi, sizeof mi) < 0) {
                    result = -EFAULT;
                    break;
                }
            }
            result = kFakeFreeFrames;
            break;
        case SYS_LIST_FILES: result = list_files(t->pid, (long)r->rdi, (long)r->rsi, (long)r->rdx); break;
        case SYS_PROCESS_LIST: result = 0; break;
        case SYS_CLEAR: case SYS_SET_FOREGROUND: result = 0; break;
        case SYS_POWEROFF:
            fprintf(stderr, "nyan-emu: poweroff %lld\n", r->rdi);
            r->orig_rax = 231;
            t->pending = kNone;
            break;
        case SYS_REBOOT:
            fprintf(stderr, "nyan-emu: reboot\n");
            r->orig_rax = 231;
            r->rdi = 0;
            t->pending = kNone;
            break;
        default: break;
    }
    if (t->pending == kSetResult) {
        t->value = result;
        r->orig_rax = 39; /* getpid: harmless; the result is replaced at exit */
    }
    ptrace(PTRACE_SETREGS, t->pid, 0, r);
}

static void on_exit_stop(struct tracee* t, struct user_regs_struct* r) {
    switch (t->pending) {
        case kNone: return;
        case kSetResult: r->rax = (unsigned long long)t->value; break;
        case kSbrkProbe:
            if (t->value == 0) {
                break; /* rax already holds the break */
            }
            /* Run the syscall again as brk(old + increment). */
            t->old_brk = (long)r->rax;
            r->rip -= 2;
            r->rax = 12;
            r->rdi = (unsigned long long)(t->old_brk + t->value);
            t->pending = kSbrkSet;
            t->in_syscall = 0;
            ptrace(PTRACE_SETREGS, t->pid, 0, r);
            return;
        case kSbrkSet:
            r->rax = (long)r->rax == t->old_brk + t->value ? (unsigned long long)t->old_brk
                                                          : (unsigned long long)-ENOMEM;
            break;
        case kExecChild:
            /* execve failed in the child: it must not return into the
             * parent's code path. */
            if ((long)r->rax < 0) {
                r->rip -= 2;
                r->rax = 231;
                r->rdi = 127;
                t->in_syscall = 0;
                t->pending = kNone;
                ptrace(PTRACE_SETREGS, t->pid, 0, r);
                return;
            }
            break;
    }
    t->pending = kNone;
    ptrace(PTRACE_SETREGS, t->pid, 0, r);
}

/* A child forked for exec: turn its return from fork into execve(path, argv). */
static void on_fork_child(struct tracee* child) {
    struct user_regs_struct r;
    ptrace(PTRACE_GETREGS, child->pid, 0, &r);
    char path[2048];
    long at = host_path(child->pid, &r, (long)r.rdi, path, sizeof path);
    long envp = at - 16;
    long zero = 0;
    mem_write(child->pid, envp, &zero, sizeof zero);
    r.rip -= 2;
    r.rax = 59;
    r.rdi = (unsigned long long)at;
    r.rdx = (unsigned long long)envp;
    child->pending = kExecChild;
    child->in_syscall = 0;
    ptrace(PTRACE_SETREGS, child->pid, 0, &r);
}

int main(int argc, char** argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: nyan-emu ROOT PROGRAM [ARG...]\n");
        return 2;
    }
    g_root = argv[1];
    clock_gettime(CLOCK_MONOTONIC, &g_start);
    char path[2048];
    snprintf(path, sizeof path, "%s%s", g_root, argv[2]);
    pid_t first = fork();
    if (first == 0) {
        ptrace(PTRACE_TRACEME, 0, 0, 0);
        char* envp[] = {NULL};
        argv[2] = argv[2]; /* argv[0] of the program is the NyanOS path */
        execve(path, argv + 2, envp);
        perror(path);
        _exit(127);
    }
    int status;
    waitpid(first, &status, 0); /* the stop at execve */
    ptrace(PTRACE_SETOPTIONS, first, 0,
           PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEFORK | PTRACE_O_EXITKILL);
    find(first);
    ptrace(PTRACE_SYSCALL, first, 0, 0);
    int first_status = 0;
    for (;;) {
        pid_t pid = waitpid(-1, &status, __WALL);
        if (pid < 0) break;
        struct tracee* t = find(pid);
        if (WIFEXITED(status) || WIFSIGNALED(status)) {
            if (pid == first) first_status = status;
            t->pid = 0;
            continue;
        }
        if (!WIFSTOPPED(status)) continue;
        int sig = WSTOPSIG(status);
        int deliver = 0;
        if (sig == (SIGTRAP | 0x80)) {
            struct user_regs_struct r;
            ptrace(PTRACE_GETREGS, pid, 0, &r);
            t->in_syscall = !t->in_syscall;
            if (t->in_syscall)
                on_enter(t, &r);
            else
                on_exit_stop(t, &r);
        } else if (sig == SIGTRAP && (status >> 16) == PTRACE_EVENT_FORK) {
            /* the parent's fork event: nothing to do */
        } else if (sig == SIGSTOP && t->pending == kNone && !t->in_syscall && t->exec_path == 0) {
            /* A new child's first stop (auto-attached after fork). */
            t->exec_path = 1;
            on_fork_child(t);
        } else if (sig == SIGTRAP) {
            /* execve's post-exec trap */
        } else {
            deliver = sig;
        }
        ptrace(PTRACE_SYSCALL, pid, 0, deliver);
    }
    if (WIFSIGNALED(first_status)) return 128 + WTERMSIG(first_status);
    return WEXITSTATUS(first_status);
}
