#include "proc/process_timers.h"

#include "arch/x86_64/timer.h"
#include "lib/wall_clock.h"
#include "proc/lifecycle.h"
#include "proc/scheduler.h"
#include "proc/usage.h"

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

// The armed POSIX timers that send signals (SIGEV_NONE ones are never
// listed: timer_gettime computes them), through PosixTimer::next_armed,
// unordered. Each counts in g_armed_count.
PosixTimer* g_posix_armed GUARDED_BY(g_itimer_lock) = nullptr;

void list_posix_locked(PosixTimer& t) REQUIRES(g_itimer_lock) {
    if (t.cpu) {
        // Counted, not listed: the tick charges them through their set;
        // SIGEV_NONE ones too, to keep their clock.
        bool want = t.expires_ns != 0;
        if (want == t.listed) return;
        PosixTimerSet* set = timers_of(*t.owner).posix;
        set->cpu_armed += want ? 1 : uint32_t(-1);
        count_armed(want ? 1 : -1);
        t.listed = want;
        return;
    }
    bool want = t.expires_ns != 0 && t.notify != kSigevNone;
    if (want == t.listed) return;
    if (want) {
        t.next_armed = g_posix_armed;
        g_posix_armed = &t;
        count_armed(1);
    } else {
        for (PosixTimer** link = &g_posix_armed; *link; link = &(*link)->next_armed) {
            if (*link != &t) continue;
            *link = t.next_armed;
            break;
        }
        t.next_armed = nullptr;
        count_armed(-1);
    }
    t.listed = want;
}

// Takes every timer of `set` off the armed list (exit, execve).
void unlist_posix_locked(PosixTimerSet* set) REQUIRES(g_itimer_lock) {
    if (!set) return;
    for (PosixTimer* t = set->first(); t; t = t->next) {
        t->expires_ns = 0;
        list_posix_locked(*t);
    }
}

void fire_posix_timers_locked(uint64_t now) REQUIRES(g_itimer_lock) {
    PosixTimer** link = &g_posix_armed;
    while (PosixTimer* t = *link) {
        if (t->expires_ns > now) {
            link = &t->next_armed;
            continue;
        }
        uint32_t missed = t->fire(now);
        if (!t->expires_ns) {
            *link = t->next_armed;
            t->next_armed = nullptr;
            t->listed = false;
            count_armed(-1);
        } else {
            link = &t->next_armed;
        }
        // The owner is alive: exit takes its timers off this list, under
        // this lock, before it can be freed.
        send_posix_timer_signal(
            *t->owner, t->notify == kSigevThreadId ? t->tid : 0, t->signo,
            PendingInfo{kSiTimer, t->id, int32_t(missed), int32_t(t->generation), t->sigval});
    }
}

// The running `thread` ran the last tick (in user mode when `user`):
// charges the CPU-time timers of its process that count it, and fires
// those due.
void charge_posix_cpu_timers_locked(Process& p, Thread& thread, bool user) REQUIRES(g_itimer_lock) {
    PosixTimerSet* set = timers_of(p).posix;
    if (!set || !set->cpu_armed) return;
    for (PosixTimer* t = set->first(); t; t = t->next) {
        if (!t->cpu || !t->expires_ns) continue;
        if (t->cpu_tid && t->cpu_tid != thread.tid) continue;
        if (t->cpu_user_only && !user) continue;
        t->cpu_now_ns += kTickNs;
        if (t->expires_ns > t->cpu_now_ns) continue;
        uint32_t missed = t->fire(t->cpu_now_ns);
        if (!t->expires_ns) list_posix_locked(*t);
        if (t->notify == kSigevNone) continue;
        // The running process is alive: its exit takes this lock first.
        send_posix_timer_signal(
            p, t->notify == kSigevThreadId ? t->tid : 0, t->signo,
            PendingInfo{kSiTimer, t->id, int32_t(missed), int32_t(t->generation), t->sigval});
    }
}

// The current process's timer `id`, or nullptr.
PosixTimer* find_posix_locked(Process& p, int32_t id) REQUIRES(g_itimer_lock) {
    PosixTimerSet* set = timers_of(p).posix;
    return set ? set->find(id) : nullptr;
}

}  // namespace

Result<int32_t> create_posix_timer(const PosixTimer& proto, bool value_is_id) {
    Process* p = current_process();
    if (!p->signal_actions) return Error::kNoSys;
    uint64_t limit = p->resources.limit(rlimit::kSigpending).soft;
    // Allocated before the lock; a set made here that another thread beat
    // to it is freed after.
    PosixTimerSet* spare = nullptr;
    bool need_set;
    {
        sync::NoInterruptsGuard lock(g_itimer_lock);
        need_set = timers_of(*p).posix == nullptr;
    }
    if (need_set) {
        spare = new (std::nothrow) PosixTimerSet;
        if (!spare) return Error::kAgain;
    }
    // The caller's settings (a new timer's links, id and state are the
    // defaults it has).
    auto* timer = new (std::nothrow) PosixTimer(proto);
    if (!timer) {
        delete spare;
        return Error::kAgain;
    }
    timer->owner = p;
    int32_t id = -1;
    {
        sync::NoInterruptsGuard lock(g_itimer_lock);
        IntervalTimers& t = timers_of(*p);
        if (!t.posix) {
            t.posix = spare;
            spare = nullptr;
        }
        if (t.posix) {
            auto added = t.posix->add(timer, limit);
            if (added.ok()) id = added.value();
        }
        if (id >= 0 && value_is_id) timer->sigval = uint64_t(uint32_t(id));
    }
    delete spare;
    if (id < 0) {
        delete timer;
        return Error::kAgain;
    }
    return id;
}

Result<void> delete_posix_timer(int32_t id) {
    Process* p = current_process();
    if (!p->signal_actions) return Error::kNoSys;
    PosixTimer* gone;
    {
        sync::NoInterruptsGuard lock(g_itimer_lock);
        PosixTimerSet* set = timers_of(*p).posix;
        gone = set ? set->remove(id) : nullptr;
        if (!gone) return Error::kInvalid;
        gone->expires_ns = 0;
        list_posix_locked(*gone);
    }
    delete gone;
    return {};
}

Result<void> set_posix_timer(int32_t id, bool absolute, uint64_t value_ns, uint64_t interval_ns,
                             PosixTimerValue* old) {
    Process* p = current_process();
    if (!p->signal_actions) return Error::kNoSys;
    Thread* self = current_thread();
    uint64_t now = arch::monotonic_ns();
    uint64_t real_now = wall_clock().realtime_ns(now);
    // The CPU clocks this thread can read: its process's and its own.
    CpuTicks process_ticks = own_process_cpu_ticks(), thread_ticks = thread_cpu_ticks(*self);
    sync::NoInterruptsGuard lock(g_itimer_lock);
    PosixTimer* t = find_posix_locked(*p, id);
    if (!t) return Error::kInvalid;
    if (t->cpu && (!t->cpu_tid || t->cpu_tid == self->tid)) {
        CpuTicks ticks = t->cpu_tid ? thread_ticks : process_ticks;
        t->cpu_now_ns = (ticks.user + (t->cpu_user_only ? 0 : ticks.system)) * kTickNs;
    }
    if (old) *old = t->get(t->cpu ? t->cpu_now_ns : now);
    uint64_t deadline = 0;
    if (t->cpu && value_ns) {
        uint64_t base = absolute ? 0 : t->cpu_now_ns;
        deadline = value_ns > kTimerMaxNs - base ? kTimerMaxNs : base + value_ns;
        // Already past: the next tick that charges the clock fires it.
        if (deadline <= t->cpu_now_ns) deadline = t->cpu_now_ns + 1;
    } else if (value_ns) {
        bool wall = t->clock == 0 /* REALTIME */ || t->clock == 11 /* TAI */;
        if (!absolute)
            deadline = value_ns > kTimerMaxNs - now ? kTimerMaxNs : now + value_ns;
        else if (wall)
            deadline = value_ns <= real_now ? now : now + (value_ns - real_now);
        else
            deadline = value_ns;
        if (deadline > kTimerMaxNs) deadline = kTimerMaxNs;
        if (!deadline) deadline = 1;  // 0 means disarmed: long past is as good
    }
    t->set(deadline, interval_ns);
    list_posix_locked(*t);
    return {};
}

Result<PosixTimerValue> get_posix_timer(int32_t id) {
    Process* p = current_process();
    if (!p->signal_actions) return Error::kNoSys;
    uint64_t now = arch::monotonic_ns();
    sync::NoInterruptsGuard lock(g_itimer_lock);
    PosixTimer* t = find_posix_locked(*p, id);
    if (!t) return Error::kInvalid;
    return t->get(t->cpu ? t->cpu_now_ns : now);
}

Result<int32_t> posix_timer_overrun(int32_t id) {
    Process* p = current_process();
    if (!p->signal_actions) return Error::kNoSys;
    sync::NoInterruptsGuard lock(g_itimer_lock);
    PosixTimer* t = find_posix_locked(*p, id);
    if (!t) return Error::kInvalid;
    return t->overrun_last;
}

int32_t posix_timer_signal_taken(Process& process, const PendingInfo& info) {
    sync::NoInterruptsGuard lock(g_itimer_lock);
    if (!process.signal_actions) return 0;
    PosixTimer* t = find_posix_locked(process, info.pid);
    if (!t || t->generation != uint32_t(info.reserved)) return 0;
    t->overrun_last = info.status;
    return info.status;
}

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

void process_timers_tick(Thread& thread, bool user) {
    if (!__atomic_load_n(&g_armed_count, __ATOMIC_RELAXED)) return;
    sync::NoInterruptsGuard lock(g_itimer_lock);
    if (g_real_armed) fire_real_timers_locked(arch::monotonic_ns());
    if (g_posix_armed) fire_posix_timers_locked(arch::monotonic_ns());
    Process* p = thread.process;
    if (!p || !p->signal_actions) return;
    charge_posix_cpu_timers_locked(*p, thread, user);
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
    unlist_posix_locked(t.posix);  // freed with the signal table
}

void carry_timers_locked(Process& process, SignalActions* next) {
    if (!process.signal_actions) return;
    if (!next) {
        stop_process_timers_locked(process);
        return;
    }
    // The armed list links the Process, not the table: it stays as it is.
    // The POSIX timers are not carried: disarmed, and freed with the old
    // table.
    PosixTimerSet* posix = timers_of(process).posix;
    unlist_posix_locked(posix);
    next->timers = timers_of(process);
    next->timers.posix = nullptr;
    timers_of(process) = IntervalTimers{};
    timers_of(process).posix = posix;
}

}  // namespace nyanos::proc
