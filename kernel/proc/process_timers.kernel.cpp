#include "proc/process_timers.h"

#include "arch/x86_64/timer.h"
#include "proc/lifecycle.h"
#include "proc/scheduler.h"

namespace nyanos::proc {

namespace {

constexpr uint64_t kTickNs = 1'000'000'000ull / arch::kTimerHz;

// The processes whose real timer is queued, through IntervalTimers::next_real
// (unordered: the tick looks at each; there are few).
Process* g_real_armed GUARDED_BY(g_itimer_lock) = nullptr;
// How many CPU timers and queued real timers exist, for the tick's quick
// "nothing to do" (read without the lock; a stale answer costs one tick).
uint32_t g_armed_count = 0;

void count_armed(int delta) {
    __atomic_add_fetch(&g_armed_count, uint32_t(delta), __ATOMIC_RELAXED);
}

// A process's timers: in its signal table (a NyanOS program has neither).
// The table changes only under the timer lock (exec), so it stays while
// that lock is held.
IntervalTimers& timers_of(Process& p) {
    return p.signal_actions->timers;
}

void list_real_locked(Process& p) REQUIRES(g_itimer_lock) {
    IntervalTimers& t = timers_of(p);
    bool want = t.real_expires != 0;
    if (want == t.real_listed) return;
    if (want) {
        t.next_real = g_real_armed;
        g_real_armed = &p;
        count_armed(1);
    } else {
        for (Process** link = &g_real_armed; *link; link = &timers_of(**link).next_real) {
            if (*link != &p) continue;
            *link = t.next_real;
            break;
        }
        t.next_real = nullptr;
        count_armed(-1);
    }
    t.real_listed = want;
}

// The CPU timers' contribution to g_armed_count, kept in step with cpu_armed.
int cpu_armed_count(const IntervalTimers& t) REQUIRES(g_itimer_lock) {
    return int(t.cpu_armed[0]) + int(t.cpu_armed[1]);
}

void fire_real_timers_locked(uint64_t now) REQUIRES(g_itimer_lock) {
    Process** link = &g_real_armed;
    while (Process* p = *link) {
        IntervalTimers& t = timers_of(*p);
        if (!t.expire_real(now)) {
            link = &t.next_real;
            continue;
        }
        *link = t.next_real;
        t.next_real = nullptr;
        t.real_listed = false;
        count_armed(-1);
        // The process is alive: exit takes it off this list, under this
        // lock, before it can be freed.
        send_timer_signal(*p, kSigAlrm);
    }
}

}  // namespace

Result<void> set_interval_timer(int which, const TimerValue& value, TimerValue* old) {
    if (which != kItimerReal && which != kItimerVirtual && which != kItimerProf)
        return Error::kInvalid;
    Process* p = current_process();
    if (!p->signal_actions) return Error::kNoSys;
    uint64_t now = arch::monotonic_ns();
    sync::NoInterruptsGuard lock(g_itimer_lock);
    IntervalTimers& t = timers_of(*p);
    if (old) *old = t.get(which, now, kTickNs);
    int before = cpu_armed_count(t);
    t.set(which, value, now, kTickNs);
    count_armed(cpu_armed_count(t) - before);
    list_real_locked(*p);
    return {};
}

Result<TimerValue> get_interval_timer(int which) {
    if (which != kItimerReal && which != kItimerVirtual && which != kItimerProf)
        return Error::kInvalid;
    Process* p = current_process();
    if (!p->signal_actions) return Error::kNoSys;
    uint64_t now = arch::monotonic_ns();
    sync::NoInterruptsGuard lock(g_itimer_lock);
    return timers_of(*p).get(which, now, kTickNs);
}

uint32_t set_alarm(uint32_t seconds) {
    TimerValue old;
    (void)set_interval_timer(kItimerReal, TimerValue{uint64_t(seconds) * 1'000'000'000ull, 0},
                             &old);
    return alarm_seconds(old.value_ns);
}

void process_timers_tick(Thread& thread, bool user, unsigned cpu) {
    if (!__atomic_load_n(&g_armed_count, __ATOMIC_RELAXED)) return;
    sync::NoInterruptsGuard lock(g_itimer_lock);
    if (cpu == 0 && g_real_armed) fire_real_timers_locked(arch::monotonic_ns());
    Process* p = thread.process;
    if (!p || !p->signal_actions) return;
    IntervalTimers& t = timers_of(*p);
    int before = cpu_armed_count(t);
    if (!before) return;
    // Linux charges a tick to the process's CPU timers as its threads run.
    bool vtalrm = user && t.charge_cpu(kItimerVirtual, kTickNs);
    bool prof = t.charge_cpu(kItimerProf, kTickNs);
    count_armed(cpu_armed_count(t) - before);
    // The running process is alive: its exit takes this lock first.
    if (vtalrm) send_timer_signal(*p, kSigVtalrm);
    if (prof) send_timer_signal(*p, kSigProf);
}

void rearm_real_timer(Process& process) {
    uint64_t now = arch::monotonic_ns();
    sync::NoInterruptsGuard lock(g_itimer_lock);
    if (process.signal_actions && timers_of(process).rearm_real(now)) list_real_locked(process);
}

void stop_process_timers(Process& process) {
    // Nothing armed anywhere: nothing of this process's either (only its
    // own thread arms its timers, and it is exiting here).
    if (!__atomic_load_n(&g_armed_count, __ATOMIC_RELAXED)) return;
    sync::NoInterruptsGuard lock(g_itimer_lock);
    stop_process_timers_locked(process);
}

void stop_process_timers_locked(Process& process) {
    if (!process.signal_actions) return;
    IntervalTimers& t = timers_of(process);
    count_armed(-cpu_armed_count(t));
    t.set(kItimerReal, TimerValue{}, 0, kTickNs);
    t.set(kItimerVirtual, TimerValue{}, 0, kTickNs);
    t.set(kItimerProf, TimerValue{}, 0, kTickNs);
    list_real_locked(process);
}

void carry_timers_locked(Process& process, SignalActions* next) {
    if (!process.signal_actions) return;
    if (!next) {
        stop_process_timers_locked(process);
        return;
    }
    // The armed list links the Process, not the table: it stays as it is.
    next->timers = timers_of(process);
    timers_of(process) = IntervalTimers{};
}

}  // namespace nyanos::proc
