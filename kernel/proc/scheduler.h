// The preemptive round-robin scheduler: the current task, the run queue,
// blocking and waking, the timer tick, and the switch that loads CR3.
//
// Every function here disables interrupts internally where it touches
// scheduler state; callers need not.
//
// Preemption: the timer switches tasks only when it interrupts user mode or
// the idle task. Kernel code (a system call) is never switched away from in
// the middle of an operation on shared state; it runs until it blocks or
// reaches a preempt_point(), where an expired quantum and a pending kill
// take effect.
#pragma once

#include <stdint.h>

#include "proc/task.h"
#include "proc/task_queue.h"

namespace nyanos::proc {

// Makes the boot context the idle task and hooks the timer. Once, after
// the arch and memory init.
void init_scheduler();

// The idle loop; the boot context ends here.
[[noreturn]] void idle_loop();

Task* current_task();
bool is_idle(const Task* task);

// Puts `task` on the run queue (interrupts off).
void make_ready(Task* task);

// Blocks the current task until woken, queued on `queue` (or on nothing,
// when the waker finds it another way). Interrupts off. A task with a kill
// pending never blocks: nothing might wake it.
void block_current(WaitReason reason, TaskQueue* queue);

// Takes `task` off the run queue and every wait list (it is exiting).
void unqueue(Task* task);

// Switches to the next ready task (or idle) without queueing the current
// one: for a task that has just become a zombie. Interrupts off.
[[noreturn]] void schedule_away_from_zombie();

// Marks `task` to die at its next safe point with `signal`, recording
// `why`, and wakes it if it is blocked. Safe in interrupt context: it never
// switches tasks itself.
void request_kill(Task* task, int signal, const char* why);

// Ends the current task if a kill is pending. Interrupts off.
void die_if_killed();

void yield();
// A safe place to switch tasks: dies if a kill is pending, yields if the
// quantum has expired. Called at the end of every system call and between
// the steps of a long one.
void preempt_point();
// The same without the kill check, for callers that still own resources a
// sudden exit would leak.
void yield_if_needed();
void sleep_ms(uint64_t ms);

// Blocks until console input is available (or the task is killed).
void wait_for_input();

}  // namespace nyanos::proc
