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
#include "proc/posix_timer.h"
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
// `thread` ran the last tick (in user mode when `user`). Every CPU's tick
// also fires the real-time timers due (setitimer's ITIMER_REAL, POSIX
// timers), whichever comes first: a timer is not late because one CPU is
// (a virtual CPU whose host thread is starved stops ticking while the
// clock runs on).
void process_timers_tick(Thread& thread, bool user);
// After the current process took a process-directed SIGALRM: a periodic
// real timer starts its next period.
void rearm_real_timer(Process& process);
// exit: disarms the process's timers (POSIX ones too) and takes it off the armed list. Once
// it returns no timer interrupt refers to the process.
void stop_process_timers(Process& process);
void stop_process_timers_locked(Process& process) REQUIRES(g_itimer_lock);
// execve: the timers move to the process's new signal table `next` (which
// replaces the old under the timer lock), or, for a program without
// signals (no table), are disarmed. No failure.
void carry_timers_locked(Process& process, SignalActions* next) REQUIRES(g_itimer_lock);

// POSIX timers (proc/posix_timer.h) of the current process. The clocks
// they count: REALTIME and TAI (an absolute setting is turned into a
// monotonic deadline when set: a later clock_settime does not move it),
// MONOTONIC and BOOTTIME, fired by CPU 0's tick; the process's and a
// thread's CPU time, charged by the tick of the CPU running it. Firing: a signal with
// SI_TIMER, or, if the timer's last one is still pending, one more
// overrun on it. A program without signals: ENOSYS from each.

// timer_create: `proto`'s clock, notify, signo, tid and sigval (checked by
// the caller) in a new timer; its ID. kAgain when out of memory or at
// RLIMIT_SIGPENDING timers. With `value_is_id`, its si_value is its ID.
Result<int32_t> create_posix_timer(const PosixTimer& proto, bool value_is_id);
// timer_delete. kInvalid for no such timer. A signal it sent stays pending.
Result<void> delete_posix_timer(int32_t id);
// timer_settime: the old setting into `old` (when given), then the new:
// `value_ns` 0 disarms; else relative to now, or with `absolute` a time
// of the timer's clock. kInvalid for no such timer.
Result<void> set_posix_timer(int32_t id, bool absolute, uint64_t value_ns, uint64_t interval_ns,
                             PosixTimerValue* old);
// timer_gettime. kInvalid for no such timer.
Result<PosixTimerValue> get_posix_timer(int32_t id);
// timer_getoverrun: the overrun of the signal taken last. kInvalid for no
// such timer.
Result<int32_t> posix_timer_overrun(int32_t id);
// A thread of `process` took `info`, a signal with SI_TIMER (pid: the
// timer's ID, status: its overrun, reserved: the timer's generation when
// sent). Returns the si_overrun to report, which timer_getoverrun reports
// from now on; 0, as on Linux, if the timer was deleted or set again since
// (and timer_getoverrun is left alone). A forged SI_TIMER (rt_sigqueueinfo
// to itself) at worst sets the overrun its own timer reports.
int32_t posix_timer_signal_taken(Process& process, const PendingInfo& info);

}  // namespace nyanos::proc
