// The kernel's process layer: the current task, spawning a program into a
// new isolated address space (exec), exit, wait, kill, sleep and the
// preemptive round-robin scheduler that swaps CR3 on every switch.
//
// Every function here runs with interrupts disabled internally where it
// touches scheduler state; callers need not disable them.
//
// Preemption: the timer switches tasks only when it interrupts user mode or
// the idle task. Kernel code (a system call) is never switched away from in
// the middle of an operation on shared state (frame allocator, heap, page
// tables are not locked); it runs until it blocks or reaches a
// preempt_point(), where an expired quantum and a pending kill take effect.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "nyanos/lib/result.h"
#include "proc/program_loader.h"
#include "proc/task.h"

namespace nyanos::proc {

// Sets up the idle task (the boot context), the user fault handler, the
// timer hook and the syscall MSRs. Call once, after the arch and memory init.
void init_processes();

// Starts the first user program (init). Panics with the reason if it
// cannot be started: without init there is nothing to run.
void start_init(const char* path, const ProgramArgs& args);

// The idle loop; the boot context ends here.
[[noreturn]] void idle_loop();

Task* current_task();

// exec: a new process running `path` with `args`, child of the current
// task, in its own address space. Returns its pid. The caller keeps running
// and its own address space is untouched whatever happens. ENOENT (no such
// file), EISDIR, ENOEXEC (a malformed ELF, with the reason printed), E2BIG,
// ENOMEM; on failure nothing is leaked.
Result<int> spawn(const char* path, const ProgramArgs& args);

// Ends the current task with a POSIX wait status. Never returns.
[[noreturn]] void exit_current(int wait_status);

// waitpid: pid > 0 a child, -1 any child. Writes the status through
// `store_status` (which may fail: then nothing is reaped). 0 with
// NYAN_WNOHANG when no child has exited yet; ECHILD when there is none.
using StatusStore = Result<void> (*)(void* ctx, int status);
Result<int> wait_child(int pid, int flags, StatusStore store_status, void* ctx);

// Kills `pid` with `signal` (SIGKILL from kill(), SIGINT from Ctrl-C).
// ESRCH if there is no such live process; EINVAL for pid <= 0; EPERM for
// init, unless init kills itself.
Result<void> kill(int pid, int signal);

void yield();

// A safe place to switch tasks: dies if a kill is pending, yields if the
// quantum has expired. Called at the end of every system call and between
// the steps of a long one (loading a program).
void preempt_point();
// The same without the kill check, for callers that still own resources a
// sudden exit would leak.
void yield_if_needed();
void sleep_ms(uint64_t ms);

// Blocks until console input is available (or the task is killed).
void wait_for_input();

// The program break: grows or shrinks the lazily mapped heap. Returns the
// previous break; ENOMEM past the heap limit.
Result<uint64_t> sbrk(int64_t increment);

// Maps a never-touched page of the stack or heap region on first access
// (demand paging). Returns true if `address` was such a page and is now
// mapped; false if the access is a real fault. `known_absent`: the caller
// knows nothing is mapped there (a not-present page fault), so no lookup.
bool handle_demand_fault(uint64_t address, bool known_absent = false);

// Describes processes for ps: skips the first `skip` in table order, then
// fills at most `max` entries (pages = user frames + page tables).
size_t fill_process_list(struct nyan_process_info* out, size_t skip, size_t max);
size_t process_count();

// The kill reason of the last child the current task reaped, if it is `pid`.
const char* last_kill_reason(int pid);

// The foreground process for Ctrl-C (0 = none).
void set_foreground(int pid);

}  // namespace nyanos::proc
