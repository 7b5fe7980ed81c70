/* /bin/testsuite: NyanOS's in-guest isolation suite (issue 7).
 *
 *   testsuite [--long] [--churn N] [--only NAME]...   run the suite (init=/bin/testsuite)
 *   testsuite --case NAME [ARG...]                    run one case in this process
 *   testsuite --child MODE [ARG...]                   a helper the cases exec
 *
 * Every case runs in its own child process (an exec of /bin/testsuite, or of
 * another /bin program): a case that crashes or corrupts its own process
 * cannot take the suite with it. The suite prints `ok N - name` or
 * `not ok N - name: why` per case and ends with `N passed, N failed`.
 * See docs/isolation.md for what each case proves. */
#ifndef TESTSUITE_H
#define TESTSUITE_H

#include <errno.h>
#include <nyan.h>
#include <stdint.h>
#include <stdio.h>

#define SELF "/bin/testsuite"
#define PAGE 4096ul

/* Addresses a user program must never reach. */
#define ADDR_KERNEL_IMAGE 0xffffffff80000000ul
#define ADDR_KERNEL_TOP 0xfffffffffffff000ul
#define ADDR_HHDM 0xffff800000000000ul
#define ADDR_HHDM_1M 0xffff800000100000ul
#define ADDR_NONCANONICAL 0x8000000000000000ul
#define ADDR_FIRST_NONCANONICAL 0x0000800000000000ul
#define ADDR_UNMAPPED_USER 0x0000007000000000ul
#define ADDR_LAST_USER_PAGE 0x00007ffffffff000ul
#define ADDR_STACK_GUARD (NYAN_USER_STACK_TOP - 0x10000ul - PAGE)
#define ADDR_STACK_GAP NYAN_USER_STACK_TOP /* the unmapped page above the stack */

/* A case body: returns 0 on success; on failure prints `# why` lines (with
 * fail()) and returns non-zero. Runs in its own process. */
typedef int (*case_fn)(int argc, char** argv);

/* Set by the runner for the case process: --long and --churn N. */
extern int g_long;
extern long g_churn;

/* A case that cannot check what it is for on this machine prints why
 * ("# ...") and exits with this; the runner reports it as skipped. */
#define CASE_SKIPPED 77

/* Prints "# <message>" and counts a failure; returns 1 for `return fail(...)`. */
int fail(const char* fmt, ...) NYAN_PRINTF(1, 2);
extern int g_failures;

/* Raw system calls with up to three arguments (no errno translation). */
#define SC(n, a, b, c) nyan_syscall((long)(n), (long)(a), (long)(b), (long)(c), 0, 0, 0)

/* exec(path, argv) + waitpid: returns the raw wait status, or -errno if the
 * exec or the wait failed. */
long run_and_wait(const char* path, char* const argv[]);
/* Free frames now (meminfo's count). */
long free_frames(void);

/* The stack pointer at entry, saved by crt0: argc, argv, envp, auxv. */
extern uintptr_t __nyan_initial_sp;
/* This process's 16 AT_RANDOM bytes, found through the auxiliary vector
 * above the initial stack pointer; NULL if the vector has no AT_RANDOM. */
const unsigned char* at_random_bytes(void);
/* The 16 bytes as 32 lowercase hex digits and a NUL. */
void at_random_hex(const unsigned char* bytes, char out[33]);
/* Exit statuses of `--child at-random` (see child.c). */
#define AT_RANDOM_ZERO 2
#define AT_RANDOM_MISSING 3
#define AT_RANDOM_EXEC_FAILED 4
#define AT_RANDOM_SAME_AS 10 /* + the index of the earlier process */

/* The child helpers (child.c): exec SELF --child MODE. */
int child_main(int argc, char** argv);
/* The child halves of the file cases (cases_files.c). */
int fd_inherit_child(int argc, char** argv);
int fd_closed_child(int argc, char** argv);
/* The cases run with --case (cases.c, cases_syscall.c, cases_process.c, cases_files.c). */
case_fn find_case(const char* name);

#endif
