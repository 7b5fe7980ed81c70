// The kernel side of setitimer, getitimer and alarm (the rules:
// proc/interval_timer.h): the timer interrupt fires armed ITIMER_REAL
// timers (SIGALRM) and charges the running process's CPU timers
// (SIGVTALRM, SIGPROF); all three signals come as SI_KERNEL, as Linux
// sends them. A new process (fork, spawn) starts with none armed; execve
// keeps them; exit disarms them before its process can be freed.
#pragma once

#include <stdint.h>

#include "nyanos/lib/result.h"
#include "proc/interval_timer.h"
#include "proc/process.h"

namespace nyanos::proc {

// setitimer for the current process: stores the old setting in `old` (when
// given) and applies `value`. EINVAL for another `which`.
Result<void> set_interval_timer(int which, const TimerValue& value, TimerValue* old);
// getitimer for the current process. EINVAL for another `which`. (A
// NyanOS program has no timers: ENOSYS, from either.)
Result<TimerValue> get_interval_timer(int which);
// alarm: ITIMER_REAL to `seconds` (0: off), once; returns the seconds the
// old setting had left (interval_timer.h: alarm_seconds).
uint32_t set_alarm(uint32_t seconds);

// From the timer interrupt of every CPU, not holding the scheduler lock:
// `thread` ran the last tick (in user mode when `user`), on CPU `cpu`.
// CPU 0 also fires the real timers due.
void process_timers_tick(Thread& thread, bool user, unsigned cpu);
// After the current process took a process-directed SIGALRM: a periodic
// real timer starts its next period.
void rearm_real_timer(Process& process);
// exit: disarms the process's timers and takes it off the armed list. Once
// it returns no timer interrupt refers to the process.
void stop_process_timers(Process& process);
void stop_process_timers_locked(Process& process) REQUIRES(g_itimer_lock);
// execve: the timers move to the process's new signal table `next` (which
// replaces the old under the timer lock), or, for a program without
// signals (no table), are disarmed. No failure.
void carry_timers_locked(Process& process, SignalActions* next) REQUIRES(g_itimer_lock);

}  // namespace nyanos::proc
