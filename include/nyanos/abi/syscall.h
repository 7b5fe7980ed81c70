/* The system-call ABI, shared by the kernel and the user SDK (C and C++).
 *
 * `syscall` instruction; number in rax; arguments in rdi, rsi, rdx, r10, r8,
 * r9; result in rax, a negative Linux errno value on failure. rcx and r11 are
 * clobbered, every other register is preserved. Numbers 0..36 are NyanOS's
 * originals; calls it did not have start at 50. */
#ifndef NYANOS_ABI_SYSCALL_H
#define NYANOS_ABI_SYSCALL_H

#define SYS_READ 0          /* read(fd, buf, len) -> bytes */
#define SYS_WRITE 1         /* write(fd, buf, len) -> bytes */
#define SYS_CLEAR 3         /* clear(): clear the console */
#define SYS_REBOOT 4        /* reboot(); EPERM unless the caller controls the console */
#define SYS_LIST_FILES 5    /* list_files(dir, buf, len) -> bytes of NUL-separated names */
#define SYS_EXEC 7          /* exec(path, argv) -> pid of a new isolated process */
#define SYS_EXIT 8          /* exit(status): never returns */
#define SYS_WAITPID 9       /* waitpid(pid, int* status, flags) -> pid reaped */
#define SYS_OPEN 10         /* open(path, flags) -> fd */
#define SYS_CLOSE 11        /* close(fd) */
#define SYS_SBRK 12         /* sbrk(increment) -> previous break */
#define SYS_GETPID 22       /* getpid() */
#define SYS_GET_TIME 34     /* get_time() -> milliseconds since boot */
#define SYS_SLEEP 36        /* sleep(ms) */
#define SYS_YIELD 50        /* yield() */
#define SYS_KILL 51         /* kill(pid): SIGKILL */
#define SYS_MEMINFO 52      /* meminfo(struct nyan_meminfo* out or 0) -> free physical frames */
#define SYS_PROCESS_LIST 53 /* process_list(struct nyan_process_info* out, max) -> count */
#define SYS_POWEROFF 54     /* poweroff(status); EPERM unless the caller controls the console */
#define SYS_STAT 55         /* stat(path, struct nyan_stat* out) */
#define SYS_KILL_REASON 56  /* kill_reason(pid, buf, len): why a reaped child was killed */
/* set_foreground(pid): Ctrl-C on the console kills pid with SIGINT (the byte
 * is not delivered); 0 clears it, and 0x03 then reaches readers as an
 * ordinary byte. The shell sets it to the child it waits for and clears it
 * afterwards. Only a process that controls the console may call it — init,
 * the foreground process, the one that set it, or an ancestor of either —
 * and only for itself, a descendant or 0; init is never the foreground
 * (EPERM); ESRCH for no such live process. When the process that set it
 * exits, its parent controls the console in its place. */
#define SYS_SET_FOREGROUND 57
#define SYS_SYSTEM_INFO 58 /* system_info(struct nyan_system_info* out): benchmark figures */
#define SYS_GETCPU 59      /* getcpu(unsigned* cpu, unsigned* online): the caller's CPU index
                              and how many CPUs are online (either pointer may be 0) */
/* shootdown_stats(struct nyan_shootdown_stats* out): the kernel's TLB shootdown
   counters since boot (benchmark figures) */
#define SYS_SHOOTDOWN_STATS 60
/* arch_prctl(code, addr), Linux's: NYAN_ARCH_SET_FS / NYAN_ARCH_SET_GS set the
 * caller's FS / GS base to addr (its thread pointer; a null selector is loaded
 * in that register), kept across every switch; EPERM for an address at or
 * above 0x7ffffffff000 (kernel or non-canonical). NYAN_ARCH_GET_FS /
 * NYAN_ARCH_GET_GS store the base at the unsigned long addr points to.
 * EINVAL for any other code. A new process starts with both bases 0. */
#define SYS_ARCH_PRCTL 61
#define NYAN_ARCH_SET_GS 0x1001
#define NYAN_ARCH_SET_FS 0x1002
#define NYAN_ARCH_GET_FS 0x1003
#define NYAN_ARCH_GET_GS 0x1004

#define NYAN_WNOHANG 1 /* waitpid flag: return 0 at once if no child has exited */

/* waitpid status, POSIX encoding. */
#define NYAN_WIFEXITED(s) (((s)&0x7f) == 0)
#define NYAN_WEXITSTATUS(s) (((s) >> 8) & 0xff)
#define NYAN_WIFSIGNALED(s) (((s)&0x7f) != 0)
#define NYAN_WTERMSIG(s) ((s)&0x7f)
#define NYAN_W_EXITCODE(code) (((code)&0xff) << 8)

#define NYAN_SIGINT 2 /* Ctrl-C on the console (see SYS_SET_FOREGROUND) */
#define NYAN_SIGTRAP 5
#define NYAN_SIGILL 4
#define NYAN_SIGFPE 8
#define NYAN_SIGBUS 7 /* a file mapping touched past the file's last page */
#define NYAN_SIGKILL 9
#define NYAN_SIGSEGV 11

/* Memory layout every user program sees. */
#define NYAN_USER_BASE 0x400000ull       /* programs are linked here */
#define NYAN_USER_STACK_TOP 0x1000000ull /* initial stack top (16 MiB) */

/* The structures below are C/C++ only; the numbers above also work in .S files. */
#ifndef __ASSEMBLER__
struct nyan_meminfo {
    unsigned long total_frames;
    unsigned long free_frames;
    unsigned long page_table_frames;
    unsigned long heap_frames;
};

#define NYAN_PROC_NAME_MAX 32
struct nyan_process_info {
    int pid;
    int parent;
    int state; /* 0 running, 1 ready, 2 blocked, 3 zombie */
    int reserved;
    unsigned long pages; /* user frames owned, page tables included */
    char name[NYAN_PROC_NAME_MAX];
};

struct nyan_stat {
    unsigned long size;
    int is_directory;
    int reserved;
};

/* What system_info() reports. TSC values are raw ticks (under QEMU's
 * `-icount shift=0` one tick is one guest instruction). */
#define NYAN_SYSINFO_PCID 1ul /* flags: the kernel tags address spaces with PCIDs */
struct nyan_system_info {
    unsigned long tsc_hz;             /* calibrated TSC frequency */
    unsigned long kernel_entry_tsc;   /* TSC when the kernel got control from its loader */
    unsigned long task_bytes;         /* sizeof the kernel's per-process Task */
    unsigned long kernel_stack_bytes; /* the caller's kernel stack (mapped bytes) */
    unsigned long table_frames;       /* page-table frames of the caller, PML4 included */
    unsigned long user_frames;        /* user frames the caller owns */
    unsigned long flags;              /* NYAN_SYSINFO_* */
    unsigned long shared_pages;       /* pages the caller maps read-only from the ramdisk, shared */
};

/* What shootdown_stats() reports: kernel-half TLB shootdowns since boot, all
 * CPUs together. Ticks are TSC ticks (guest instructions under QEMU's
 * `-icount shift=0`). The initiator's ticks leave out its wait for the other
 * CPUs; a handler's cover the handler function, not the interrupt entry and
 * exit around it. With one CPU online there are none. */
struct nyan_shootdown_stats {
    unsigned long requests;        /* shootdowns started (one per range or full flush) */
    unsigned long initiator_ticks; /* the initiators' own work, the wait excluded */
    unsigned long handled;         /* handler runs (each request: once per other CPU) */
    unsigned long handler_ticks;   /* the handlers' work */
};

#endif /* __ASSEMBLER__ */

#endif
