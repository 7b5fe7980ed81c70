/* System-call wrappers. The kernel returns a negative errno on failure; the
 * Unix-style wrappers turn that into -1 with errno set. */
#include <errno.h>
#include <nyan.h>
#include <stdlib.h>

int errno;

long nyan_syscall(long n, long a1, long a2, long a3, long a4, long a5, long a6) {
    register long r10 __asm__("r10") = a4;
    register long r8 __asm__("r8") = a5;
    register long r9 __asm__("r9") = a6;
    long ret;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(n), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
    return ret;
}

/* Maps a negative kernel result to -1 + errno. */
static long check(long r) {
    if (r < 0 && r > -4096) {
        errno = (int)-r;
        return -1;
    }
    return r;
}

#define SC0(n) nyan_syscall((n), 0, 0, 0, 0, 0, 0)
#define SC1(n, a) nyan_syscall((n), (long)(a), 0, 0, 0, 0, 0)
#define SC2(n, a, b) nyan_syscall((n), (long)(a), (long)(b), 0, 0, 0, 0)
#define SC3(n, a, b, c) nyan_syscall((n), (long)(a), (long)(b), (long)(c), 0, 0, 0)

ssize_t read(int fd, void* buf, size_t len) { return check(SC3(SYS_READ, fd, buf, len)); }
ssize_t write(int fd, const void* buf, size_t len) { return check(SC3(SYS_WRITE, fd, buf, len)); }
int open(const char* path, int flags) { return (int)check(SC2(SYS_OPEN, path, flags)); }
int close(int fd) { return (int)check(SC1(SYS_CLOSE, fd)); }
int getpid(void) { return (int)check(SC0(SYS_GETPID)); }

void* sbrk(intptr_t increment) {
    long r = SC1(SYS_SBRK, increment);
    if (r < 0 && r > -4096) {
        errno = (int)-r;
        return (void*)-1;
    }
    return (void*)r;
}

int exec(const char* path, char* const argv[]) { return (int)check(SC2(SYS_EXEC, path, argv)); }
int waitpid(int pid, int* status, int flags) {
    return (int)check(SC3(SYS_WAITPID, pid, status, flags));
}
int yield(void) { return (int)check(SC0(SYS_YIELD)); }
int kill(int pid) { return (int)check(SC1(SYS_KILL, pid)); }
long meminfo(struct nyan_meminfo* out) { return check(SC1(SYS_MEMINFO, out)); }
int system_info(struct nyan_system_info* out) { return (int)check(SC1(SYS_SYSTEM_INFO, out)); }
int getcpu(unsigned* cpu, unsigned* online) { return (int)check(SC2(SYS_GETCPU, cpu, online)); }
int shootdown_stats(struct nyan_shootdown_stats* out) {
    return (int)check(SC1(SYS_SHOOTDOWN_STATS, out));
}
int sleep(unsigned long ms) { return (int)check(SC1(SYS_SLEEP, ms)); }
unsigned long get_time(void) { return (unsigned long)SC0(SYS_GET_TIME); }
long list_files(const char* dir, char* buf, size_t len) {
    return check(SC3(SYS_LIST_FILES, dir, buf, len));
}
int process_list(struct nyan_process_info* out, int max) {
    return (int)check(SC2(SYS_PROCESS_LIST, out, max));
}
int stat(const char* path, struct nyan_stat* out) { return (int)check(SC2(SYS_STAT, path, out)); }
long kill_reason(int pid, char* buf, size_t len) {
    return check(SC3(SYS_KILL_REASON, pid, buf, len));
}
int set_foreground(int pid) { return (int)check(SC1(SYS_SET_FOREGROUND, pid)); }
int clear(void) { return (int)check(SC0(SYS_CLEAR)); }

void poweroff(int status) {
    SC1(SYS_POWEROFF, status);
    /* The kernel could not power off: end at least this process. */
    _exit(status);
}

void reboot(void) {
    SC0(SYS_REBOOT);
    _exit(1);
}

void _exit(int status) {
    for (;;) SC1(SYS_EXIT, status);
}

const char* nyan_signal_name(int sig) {
    switch (sig) {
        case NYAN_SIGINT: return "SIGINT";
        case NYAN_SIGILL: return "SIGILL";
        case NYAN_SIGTRAP: return "SIGTRAP";
        case 6: return "SIGABRT";
        case 7: return "SIGBUS";
        case NYAN_SIGFPE: return "SIGFPE";
        case NYAN_SIGKILL: return "SIGKILL";
        case NYAN_SIGSEGV: return "SIGSEGV";
        case 13: return "SIGPIPE";
        case 15: return "SIGTERM";
        default: return "SIG?";
    }
}
