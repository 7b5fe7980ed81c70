#include "fs/timerfd.h"

#include <new>

#include "arch/x86_64/timer.h"
#include "fs/anon_file.h"
#include "fs/timer_expiry.h"
#include "lib/wall_clock.h"
#include "proc/timed_event.h"
#include "proc/wait_event.h"

namespace nyanos::fs {

namespace {

const char kTimerFdTag = 0;

using proc::g_scheduler_lock;

class TimerFd final : public AnonFile {
public:
    TimerFd(int clock, uint32_t flags)
        : AnonFile(open_flags::kReadWrite | (flags & open_flags::kNonBlock)),
          m_realtime(clock == kClockRealtime || clock == kClockRealtimeAlarm),
          m_timer(&TimerFd::fire, this) {}

    const void* kind() const override { return &kTimerFdTag; }

    Result<size_t> read(IoBuffer& out) override EXCLUDES(g_scheduler_lock) {
        if (out.length() < 8) return Error::kInvalid;
        uint64_t got;
        {
            sync::NoInterruptsGuard lock(g_scheduler_lock);
            for (;;) {
                catch_up_locked(arch::monotonic_ns());
                got = m_ticks;
                if (got) break;
                if (nonblocking()) return Error::kAgain;
                proc::WakeReason woke = m_event.queue().wait_locked();
                if (proc::wait_interrupted(woke)) return proc::interruption(woke);
            }
            m_ticks = 0;
        }
        TRY(out.store(0, &got, sizeof(got)));
        return size_t(8);
    }

    uint32_t poll(proc::PollWaiter* waiter) override EXCLUDES(g_scheduler_lock) {
        if (waiter) waiter->subscribe(m_event);
        sync::NoInterruptsGuard lock(g_scheduler_lock);
        catch_up_locked(arch::monotonic_ns());
        return m_ticks ? poll_events::kIn | poll_events::kReadNormal : 0;
    }

    void set(uint32_t flags, const TimerSetting& setting, TimerSetting& old)
        EXCLUDES(g_scheduler_lock) {
        sync::NoInterruptsGuard lock(g_scheduler_lock);
        uint64_t now = arch::monotonic_ns();
        old = get_locked(now);
        m_timer.disarm_locked();
        m_armed = false;
        m_ticks = 0;
        m_interval = setting.interval_ns;
        if (setting.value_ns == 0) return;
        uint64_t due;
        if (flags & kTfdTimerAbstime) {
            due = m_realtime ? wall_clock().monotonic_at(setting.value_ns) : setting.value_ns;
        } else {
            due = timer_deadline(now, setting.value_ns);
        }
        m_due = due;
        m_armed = true;
        // One already due fires now, as Linux's hrtimer does.
        catch_up_locked(now);
        if (m_armed) m_timer.arm_locked(m_due);
    }

    TimerSetting get() EXCLUDES(g_scheduler_lock) {
        sync::NoInterruptsGuard lock(g_scheduler_lock);
        return get_locked(arch::monotonic_ns());
    }

private:
    ~TimerFd() override {
        sync::NoInterruptsGuard lock(g_scheduler_lock);
        m_timer.disarm_locked();
    }

    TimerSetting get_locked(uint64_t now) REQUIRES(g_scheduler_lock) {
        catch_up_locked(now);
        TimerSetting s;
        s.interval_ns = m_interval;
        if (m_armed) s.value_ns = timer_remaining(m_due, now);
        // Linux reports a timer due this very moment as 1 ns away rather
        // than disarmed; catch_up fired it, so it is in the future here.
        return s;
    }

    // Counts the expirations up to `now` and moves the deadline on (the
    // tick does it too; a reader does not wait for the tick).
    void catch_up_locked(uint64_t now) REQUIRES(g_scheduler_lock) {
        if (!m_armed || now < m_due) return;
        TimerExpiry e = timer_expire(m_due, m_interval, now);
        m_ticks += e.count;
        if (e.next) {
            m_due = e.next;
            m_timer.arm_locked(m_due);
        } else {
            m_armed = false;
            m_timer.disarm_locked();
        }
        m_event.notify_locked();
    }

    static void fire(void* context, uint64_t now) NO_THREAD_SAFETY_ANALYSIS {
        // The tick holds the scheduler lock (TimedEvent's contract).
        static_cast<TimerFd*>(context)->catch_up_locked(now);
    }

    const bool m_realtime;
    proc::TimedEvent m_timer;
    proc::WaitEvent m_event;  // expirations arrived
    bool m_armed GUARDED_BY(g_scheduler_lock) = false;
    uint64_t m_due GUARDED_BY(g_scheduler_lock) = 0;  // monotonic
    uint64_t m_interval GUARDED_BY(g_scheduler_lock) = 0;
    uint64_t m_ticks GUARDED_BY(g_scheduler_lock) = 0;  // expirations not yet read
};

}  // namespace

Result<DescriptionRef> create_timerfd(int clock, uint32_t flags) {
    auto* file = new (std::nothrow) TimerFd(clock, flags);
    if (!file) return Error::kNoMemory;
    return DescriptionRef::adopt(file);
}

Result<void> timerfd_set(FileDescription& file, uint32_t flags, const TimerSetting& setting,
                         TimerSetting& old) {
    if (file.kind() != &kTimerFdTag) return Error::kInvalid;
    static_cast<TimerFd&>(file).set(flags, setting, old);
    return {};
}

Result<TimerSetting> timerfd_get(FileDescription& file) {
    if (file.kind() != &kTimerFdTag) return Error::kInvalid;
    return static_cast<TimerFd&>(file).get();
}

}  // namespace nyanos::fs
