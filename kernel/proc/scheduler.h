// The preemptive round-robin scheduler: the current thread, the run queue,
// blocking and waking, the timer tick, and the switch that loads CR3.
//
// Every function here disables interrupts internally where it touches
// scheduler state; callers need not.
//
// Preemption: the timer switches threads only when it interrupts user mode
// or the idle thread. Kernel code (a system call) is never switched away
// from in the middle of an operation on shared state; it runs until it
// blocks or reaches a preempt_point(), where an expired quantum and a
// pending kill take effect.
#pragma once

#include <stdint.h>

#include "proc/process.h"
#include "proc/thread.h"

namespace nyanos::proc {

// Makes the boot context the idle thread and hooks the timer. Once, after
// the arch and memory init.
void init_scheduler();

// The idle loop; the boot context ends here.
[[noreturn]] void idle_loop();

Thread* current_thread();
// The current thread's process; nullptr on the idle thread.
Process* current_process();
bool is_idle(const Thread* thread);

// Puts `thread` on the run queue (interrupts off).
void make_ready(Thread* thread);

// Blocks the current thread in `queue` (see WaitQueue::wait).
WakeReason block_current(ThreadQueue& queue, WaitQueue* owner, uint64_t deadline_ms);

// Switches to the next ready thread (or idle) without queueing the current
// one, which has just died. Interrupts off.
[[noreturn]] void schedule_away_from_dead();

// Marks `process` to die at its next safe point with `signal`, recording
// `why`, and ends its thread's wait if it is blocked. Safe in interrupt
// context: it never switches threads itself.
void request_kill(Process* process, int signal, const char* why);

// Ends the current process if a kill is pending. Interrupts off.
void die_if_killed();

void yield();
// A safe place to switch threads: dies if a kill is pending, yields if the
// quantum has expired. Called at the end of every system call and between
// the steps of a long one.
void preempt_point();
// The same without the kill check, for callers that still own resources a
// sudden exit would leak.
void yield_if_needed();
void sleep_ms(uint64_t ms);

// Blocks until console input is available (or the process is killed).
void wait_for_input();

}  // namespace nyanos::proc
