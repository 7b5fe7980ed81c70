/* NyanOS system calls for user programs.
 *
 * Every wrapper follows the Unix convention: on failure it returns -1 and
 * sets errno to the kernel's (positive) error number; nyan_syscall() is the
 * raw form that returns the kernel's negative value as is. The numbers and the
 * shared structures (struct nyan_meminfo, nyan_process_info, nyan_stat) come
 * from <nyanos/abi/syscall.h>, the header the kernel is built with. */
#ifndef NYAN_NYAN_H
#define NYAN_NYAN_H
#include <stddef.h>
#include <stdint.h>
#include <nyanos/abi/syscall.h>
#include "_nyan_decls.h"
#include "unistd.h"

NYAN_BEGIN_DECLS
/* The raw system call: number and up to six arguments; returns rax. */
long nyan_syscall(long n, long a1, long a2, long a3, long a4, long a5, long a6);

/* Starts PATH as a new isolated process with ARGV (NULL-terminated; argv[0]
 * is by convention the program's name). Returns its pid; the caller keeps
 * running. */
int exec(const char* path, char* const argv[]);
/* Waits for child PID to end (flags 0) or checks once (NYAN_WNOHANG: returns
 * 0 when it has not ended yet). *status gets the POSIX encoding: test it with
 * NYAN_WIFEXITED / NYAN_WEXITSTATUS / NYAN_WIFSIGNALED / NYAN_WTERMSIG. */
int waitpid(int pid, int* status, int flags);
/* Gives up the CPU. */
int yield(void);
/* Kills process PID (it ends as if by SIGKILL). */
int kill(int pid);
/* Free physical frames (4 KiB each); fills *out when out is not NULL. */
long meminfo(struct nyan_meminfo* out);
/* Sleeps for MS milliseconds (NyanOS's sleep counts milliseconds). */
int sleep(unsigned long ms);
/* Milliseconds since boot. */
unsigned long get_time(void);
/* Fills BUF with the NUL-separated names in directory DIR; returns the
 * number of bytes written. */
long list_files(const char* dir, char* buf, size_t len);
/* Fills OUT with up to MAX entries; returns the number of processes. */
int process_list(struct nyan_process_info* out, int max);
/* Size and kind of PATH. */
int stat(const char* path, struct nyan_stat* out);
/* After waitpid reported child PID killed: a human-readable reason such as
 * "page fault at 0x...", copied to BUF (NUL-terminated). Returns its length. */
long kill_reason(int pid, char* buf, size_t len);
/* Makes PID the console's foreground process: Ctrl-C typed on the console
 * kills it (SIGINT). 0 clears it. Only a process that controls the console
 * (init, the foreground process, the one that set it, or an ancestor of
 * either) may, and only for itself or a descendant; never init (EPERM). */
int set_foreground(int pid);
/* Power off or reboot the machine; only a process that controls the console
 * may (see set_foreground). When the kernel refuses, the caller exits. */
NYAN_NORETURN void poweroff(int status);
NYAN_NORETURN void reboot(void);
/* Clears the console (screen and serial terminal). Any process may. */
int clear(void);
/* Kernel figures for benchmarks (TSC rate, kernel-entry TSC, per-process
 * costs of the caller); see struct nyan_system_info. */
int system_info(struct nyan_system_info* out);
/* The index of the CPU running the caller (it may change at any time) and
 * how many CPUs are online; either pointer may be 0. */
int getcpu(unsigned* cpu, unsigned* online);
/* The kernel's TLB shootdown counters since boot (benchmark figures); see
 * struct nyan_shootdown_stats. */
int shootdown_stats(struct nyan_shootdown_stats* out);

/* "SIGSEGV" for 11, and so on; "SIG?" for numbers it does not know. */
const char* nyan_signal_name(int sig);
NYAN_END_DECLS

#endif
