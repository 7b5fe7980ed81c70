// The POSIX timers of a process (timer_create and friends), as Linux 6.1
// keeps them (kernel/time/posix-timers.c): the set a process's timers live
// in, their IDs, and the expiry arithmetic. Portable and host-tested; the
// kernel side (the tick, the signals, the calls) is proc/process_timers.h
// and syscall/linux_posix_timer.kernel.cpp.
//
// Every field is under the timer lock (g_itimer_lock, interval_timer.h):
// the tick fires the armed timers under it. Allocation happens outside it:
// the caller allocates a PosixTimer, then adds it to the set under the lock.
#pragma once

#include <stdint.h>

#include "nyanos/lib/result.h"
#include "proc/interval_timer.h"

namespace nyanos::proc {

struct Process;

// sigev_notify's values (<asm-generic/siginfo.h>).
inline constexpr int32_t kSigevSignal = 0, kSigevNone = 1, kSigevThread = 2, kSigevThreadId = 4;
// The most a timer's overrun reports (DELAYTIMER_MAX).
inline constexpr int32_t kDelaytimerMax = 0x7fffffff;

// A timer's setting as timer_gettime reports it: the time to the next
// expiry (0: disarmed) and the period.
struct PosixTimerValue {
    uint64_t value_ns = 0;
    uint64_t interval_ns = 0;
};

struct PosixTimer {
    // The set's list (by creation), and the kernel's list of armed timers.
    PosixTimer* next = nullptr;
    PosixTimer* next_armed = nullptr;
    Process* owner = nullptr;
    int32_t id = -1;
    int32_t clock = 0;   // the Linux clock ID it was created on
    int32_t notify = 0;  // kSigevSignal, kSigevNone, kSigevThread, kSigevThreadId
    int32_t signo = 0;
    int32_t tid = 0;      // kSigevThreadId: the thread the signal goes to
    uint64_t sigval = 0;  // si_value
    // The monotonic time of the next expiry (0: disarmed) and the period.
    uint64_t expires_ns = 0;
    uint64_t interval_ns = 0;
    // The overrun of the signal taken last (timer_getoverrun).
    int32_t overrun_last = 0;
    // Counts the settings: a signal sent under an older one reports no
    // overrun when taken (Linux's it_requeue_pending).
    uint32_t generation = 0;
    // On the armed list (a CPU-time timer: counted in its set's cpu_armed).
    bool listed = false;
    // A CPU-time clock's timer: expires_ns is a reading of that clock, which
    // cpu_now_ns follows as the tick charges it (while armed; set again from
    // the real clock when it can be read there). cpu_tid: the thread whose
    // time counts (0: the whole process); cpu_user_only: only user-mode
    // ticks count (CPUCLOCK_VIRT).
    bool cpu = false;
    bool cpu_user_only = false;
    int32_t cpu_tid = 0;
    uint64_t cpu_now_ns = 0;

    // timer_gettime at monotonic `now`: a periodic timer (or a SIGEV_NONE
    // one, which is never queued) reports its next period boundary after
    // `now`; a timer due but not yet fired reports 1 ns (Linux's
    // common_timer_get); an expired one-shot SIGEV_NONE timer 0.
    PosixTimerValue get(uint64_t now) const;
    // timer_settime's change, `value` already made a monotonic deadline
    // (0: disarm, which drops the period too). Resets overrun_last and
    // starts a new generation.
    void set(uint64_t deadline_ns, uint64_t interval_ns_);
    // The tick at `now` with the timer due: returns the expiries missed
    // besides this one (periods that passed whole), and re-arms a periodic
    // timer at its first period boundary after `now` (a one-shot one is
    // disarmed).
    uint32_t fire(uint64_t now);
};

// `expires` moves to the first boundary expires + k * interval after `now`
// (interval > 0, expires <= now): returns k - 1, the periods skipped,
// saturated at kDelaytimerMax. Overflow-safe.
uint32_t forward_expiry(uint64_t& expires, uint64_t interval, uint64_t now);

// A process's timers. Created on its first timer_create, freed at exit and
// execve with the timers in it (a fork's child has none).
class PosixTimerSet {
public:
    PosixTimerSet() = default;
    ~PosixTimerSet();
    PosixTimerSet(const PosixTimerSet&) = delete;
    PosixTimerSet& operator=(const PosixTimerSet&) = delete;

    // Takes `timer` (allocated by the caller) and gives it the next free ID,
    // counting up from 0 and wrapping at INT_MAX as Linux's
    // posix_timer_add does. kAgain if `limit` timers exist already (Linux
    // counts them against RLIMIT_SIGPENDING); `timer` is then the caller's.
    Result<int32_t> add(PosixTimer* timer, uint64_t limit);
    // The timer with `id`, or nullptr.
    PosixTimer* find(int32_t id) const;
    // Takes the timer with `id` out of the set and hands it to the caller
    // (nullptr: none). The caller disarms it before freeing it.
    PosixTimer* remove(int32_t id);
    // The first timer (the rest follow through `next`).
    PosixTimer* first() const { return m_head; }
    uint32_t count() const { return m_count; }

    // How many of the set's CPU-time timers are armed (the tick looks at the
    // set only if some are). Kept by the kernel side.
    uint32_t cpu_armed = 0;

private:
    PosixTimer* m_head = nullptr;
    uint32_t m_count = 0;
    int32_t m_next_id = 0;
};

}  // namespace nyanos::proc
