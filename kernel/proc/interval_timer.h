// setitimer's three timers of a process and alarm's rounding, as Linux 6.1
// keeps them (kernel/time/itimer.c): ITIMER_REAL counts monotonic time and
// sends SIGALRM, ITIMER_VIRTUAL counts the process's user CPU time and sends
// SIGVTALRM, ITIMER_PROF its user and system CPU time and sends SIGPROF.
// Portable and host-tested: the arithmetic and the rules; the kernel side
// (the tick, the list of armed real timers, sending) is
// proc/process_timers.h.
//
// ITIMER_REAL re-arms as Linux's does, when its SIGALRM is taken
// (dequeue_signal), not when it fires: an ignored or long-blocked SIGALRM
// leaves a periodic timer waiting. The CPU timers re-arm when they fire.
#pragma once

#include <stdint.h>

#include "nyanos/lib/result.h"
#include "sync/spinlock.h"

namespace nyanos::proc {

// The timer lock: every process's IntervalTimers and the list of armed
// real timers. IRQ-saving (the timer interrupt takes it); before the
// process table lock (docs/locking.md): the tick sends SIGALRM with it
// held, taking the table lock for the send.
extern sync::SpinLock g_itimer_lock;

inline constexpr int kItimerReal = 0, kItimerVirtual = 1, kItimerProf = 2;

// An itimerval in nanoseconds: the time to the next expiry (0: disarmed)
// and the period after it (0: once).
struct TimerValue {
    uint64_t value_ns = 0;
    uint64_t interval_ns = 0;
};

// The largest time the timers keep (Linux's KTIME_MAX): longer settings
// are clamped to it.
inline constexpr uint64_t kTimerMaxNs = (1ull << 63) - 1;

// A struct timeval's fields as nanoseconds: EINVAL unless sec >= 0 and
// 0 <= usec < 1,000,000 (Linux's timeval_valid); clamped to kTimerMaxNs.
Result<uint64_t> timer_ns_from_timeval(int64_t sec, int64_t usec);

// alarm's return value for `remaining_ns` left on the old timer: the
// seconds, rounded to nearest, and 1 rather than 0 if anything was left
// (Linux's alarm_setitimer: "better return too much than too little").
uint32_t alarm_seconds(uint64_t remaining_ns);

struct Process;
class PosixTimerSet;

struct IntervalTimers {
    // ITIMER_REAL: the monotonic time of the next expiry (0: not queued),
    // the expiry that fired last (where a re-arm counts periods from) and
    // the period.
    uint64_t real_expires GUARDED_BY(g_itimer_lock) = 0;
    uint64_t real_fired_at GUARDED_BY(g_itimer_lock) = 0;
    uint64_t real_interval GUARDED_BY(g_itimer_lock) = 0;
    // ITIMER_VIRTUAL and ITIMER_PROF (index which - 1): CPU time left to
    // the expiry, in nanoseconds (armed when cpu_armed), and the period.
    int64_t cpu_left[2] GUARDED_BY(g_itimer_lock) = {};
    uint64_t cpu_interval[2] GUARDED_BY(g_itimer_lock) = {};
    bool cpu_armed[2] GUARDED_BY(g_itimer_lock) = {};
    // Whether the process is in the kernel's list of queued real timers
    // (through next_real).
    bool real_listed GUARDED_BY(g_itimer_lock) = false;
    Process* next_real GUARDED_BY(g_itimer_lock) = nullptr;
    // The process's POSIX timers (proc/posix_timer.h), made on its first
    // timer_create. Owned by the signal table holding these timers (freed
    // with it); never carried to a new table (execve drops them).
    PosixTimerSet* posix GUARDED_BY(g_itimer_lock) = nullptr;

    // What getitimer reports for `which` at monotonic time `now`: a real
    // timer due but not yet fired reports 1 us left, a CPU timer at least
    // a tick (Linux's itimer_get_remtime and get_cpu_itimer).
    TimerValue get(int which, uint64_t now, uint64_t tick_ns) const REQUIRES(g_itimer_lock);
    // setitimer's change for `which` at `now`. A real timer set to 0 loses
    // its period too; a CPU timer's value gets a tick more (Linux adds
    // TICK_NSEC, so that the time asked for is a minimum).
    void set(int which, const TimerValue& v, uint64_t now, uint64_t tick_ns)
        REQUIRES(g_itimer_lock);

    // The real timer fires if due at `now`: true, and it is no longer
    // queued (its period waits for rearm_real).
    bool expire_real(uint64_t now) REQUIRES(g_itimer_lock);
    // SIGALRM was taken: a periodic real timer that is not queued is queued
    // again at its first period boundary after `now` (hrtimer_forward).
    // True if it was.
    bool rearm_real(uint64_t now) REQUIRES(g_itimer_lock);
    // `ns` of CPU time for timer `which` (kItimerVirtual, kItimerProf):
    // true if it expires (then re-armed with its period, or disarmed).
    bool charge_cpu(int which, uint64_t ns) REQUIRES(g_itimer_lock);
};

}  // namespace nyanos::proc
