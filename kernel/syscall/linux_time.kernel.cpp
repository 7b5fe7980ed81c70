// The Linux time calls. Linux 6.1's kernel/time/{posix-timers,
// posix-cpu-timers,posix-stubs,time,hrtimer}.c and kernel/sys.c are the
// spec, down to the order of the checks (which error wins).
#include "syscall/linux_time.h"

#include <string.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/timer.h"
#include "lib/wall_clock.h"
#include "proc/lifecycle.h"
#include "proc/scheduler.h"
#include "proc/usage.h"
#include "proc/wait_queue.h"
#include "syscall/linux_time_abi.h"
#include "syscall/user_memory.h"

namespace nyanos::sys {

namespace {

using namespace linux_abi;

constexpr uint64_t kTickNs = 1'000'000'000ull / arch::kTimerHz;

uint64_t ticks_to_ns(uint64_t ticks) {
    return ticks * kTickNs;
}

// Absolute REALTIME sleepers: setting the clock wakes them to compute their
// deadline again.
proc::WaitQueue g_realtime_sleepers;

// settimeofday's timezone, which gettimeofday returns (Linux's sys_tz):
// minuteswest in the low half, dsttime in the high half.
uint64_t g_timezone = 0;

bool privileged() {
    return creds::privileged(proc::current_process()->resources.credentials());
}

// The CPU time a CPU clock measures, in nanoseconds.
uint64_t cpu_ns(CpuMeasure measure, proc::CpuTicks ticks) {
    return ticks_to_ns(measure == CpuMeasure::kVirt ? ticks.user : ticks.user + ticks.system);
}

// A CPU clock's reading: pid 0 is the caller (its thread, or its
// process); another process's clock may be read, and another thread's if
// it is in the caller's process, not outside it (Linux's lookup_task).
// kInvalid for no such process or thread.
Result<uint64_t> read_cpu_clock(const Clock& c) {
    proc::Thread* self = proc::current_thread();
    proc::Process* me = self->process;
    if (c.per_thread) {
        if (c.pid == 0 || c.pid == self->tid)
            return cpu_ns(c.measure, proc::thread_cpu_ticks(*self));
        struct Sibling {
            const proc::Process* process;
            proc::CpuTicks ticks;
        } sibling{me, {}};
        auto found = proc::with_thread(
            c.pid,
            [](proc::Thread& t, void* ctx) -> Result<void> {
                auto* q = static_cast<Sibling*>(ctx);
                if (t.process != q->process) return Error::kInvalid;
                q->ticks = proc::thread_cpu_ticks(t);
                return {};
            },
            &sibling);
        if (!found.ok()) return Error::kInvalid;
        return cpu_ns(c.measure, sibling.ticks);
    }
    if (c.pid == 0 || c.pid == me->pid) return cpu_ns(c.measure, proc::own_process_cpu_ticks());
    struct Query {
        CpuMeasure measure;
        uint64_t ns;
    } query{c.measure, 0};
    auto found = proc::with_process(
        c.pid,
        [](proc::Process& p, void* ctx) -> Result<void> {
            auto* q = static_cast<Query*>(ctx);
            q->ns = cpu_ns(q->measure, proc::process_cpu_ticks(p));
            return {};
        },
        &query);
    if (!found.ok()) return Error::kInvalid;
    return query.ns;
}

uint64_t coarse(uint64_t monotonic) {
    return monotonic - monotonic % kTickNs;
}

Result<uint64_t> read_clock(const Clock& c) {
    uint64_t now = arch::monotonic_ns();
    switch (c.kind) {
        case ClockKind::kRealtime:
        case ClockKind::kTai:
            return wall_clock().realtime_ns(now);
        case ClockKind::kRealtimeCoarse:
            return wall_clock().realtime_ns(coarse(now));
        case ClockKind::kMonotonic:
        case ClockKind::kMonotonicRaw:
        case ClockKind::kBoottime:
            return now;
        case ClockKind::kMonotonicCoarse:
            return coarse(now);
        case ClockKind::kAlarm:
            return Error::kInvalid;  // no RTC alarm device
        case ClockKind::kCpu:
            return read_cpu_clock(c);
    }
    return Error::kInvalid;
}

Result<Clock> clock_from(uint64_t clockid) {
    return decode_clock(int32_t(clockid));
}

Result<void> put_timespec(uint64_t user, uint64_t ns) {
    Timespec t = timespec_from_ns(ns);
    return copy_to_user(user, &t, sizeof(t));
}

// do_sys_settimeofday64 from the point where `tv` (if any) was read.
Result<void> settime(const Timespec* tv, const Timezone* tz) {
    if (tv && !valid_for_settime(*tv)) return Error::kInvalid;
    if (!privileged()) return Error::kPermission;  // CAP_SYS_TIME
    if (tz) {
        if (tz->tz_minuteswest > 15 * 60 || tz->tz_minuteswest < -15 * 60) return Error::kInvalid;
        uint64_t packed =
            uint64_t(uint32_t(tz->tz_minuteswest)) | uint64_t(uint32_t(tz->tz_dsttime)) << 32;
        __atomic_store_n(&g_timezone, packed, __ATOMIC_RELAXED);
    }
    if (!tv) return {};
    // The clock changes and its absolute sleepers wake in one step under
    // the scheduler lock, which they compute their deadlines under: none
    // can miss the change.
    arch::InterruptDisabler no_interrupts;
    sync::Guard lock(proc::g_scheduler_lock);
    TRY(wall_clock().set(to_ns_saturating(*tv), arch::monotonic_ns()));
    g_realtime_sleepers.wake_all_locked();
    return {};
}

// How a sleep ended.
enum class Slept { kDone, kInterrupted };

Slept interrupted_or_done(proc::WakeReason reason) {
    return reason == proc::WakeReason::kTimedOut ? Slept::kDone : Slept::kInterrupted;
}

// Until the monotonic clock reads `target`.
Slept sleep_monotonic(uint64_t target) {
    if (target == 0) return Slept::kDone;  // Deadline{0} would be none; 0 is past anyway
    return interrupted_or_done(proc::sleep_until(proc::Deadline{target}));
}

// Until the realtime clock reads `target`, following changes of the clock.
Slept sleep_realtime(uint64_t target) {
    for (;;) {
        proc::WakeReason reason;
        {
            arch::InterruptDisabler no_interrupts;
            sync::Guard lock(proc::g_scheduler_lock);
            if (wall_clock().realtime_ns(arch::monotonic_ns()) >= target) return Slept::kDone;
            reason =
                g_realtime_sleepers.wait_locked(proc::Deadline{wall_clock().monotonic_at(target)});
        }
        // Timed out or woken by a change of the clock: check again.
        if (reason != proc::WakeReason::kTimedOut && reason != proc::WakeReason::kWoken)
            return Slept::kInterrupted;
    }
}

// Until the CPU clock `c` reads `target`, checking every few ticks (CPU
// time advances only while the process runs: a process sleeping on its own
// CPU clock with no other thread sleeps until interrupted, as on Linux).
// kInvalid if the process goes away meanwhile.
Result<Slept> sleep_cpu(const Clock& c, uint64_t target, uint64_t& now) {
    constexpr uint64_t kPollNs = 10 * kTickNs;
    for (;;) {
        now = TRY(read_cpu_clock(c));
        if (now >= target) return Slept::kDone;
        uint64_t wait = target - now < kPollNs ? target - now : kPollNs;
        if (sleep_monotonic(arch::monotonic_ns() + wait) == Slept::kInterrupted)
            return Slept::kInterrupted;
    }
}

// The common part of nanosleep and clock_nanosleep once the clock and the
// request are known good: sleeps, then on an interruption writes the time
// left to `rem_user` (relative sleeps only; 0 = don't) and returns EINTR.
int64_t do_sleep(const Clock& c, bool absolute, const Timespec& request, uint64_t rem_user) {
    uint64_t amount = to_ns_saturating(request);
    auto add = [](uint64_t a, uint64_t b) { return a > ~0ull - b ? ~0ull : a + b; };
    Slept slept;
    uint64_t target, now;
    if (c.kind == ClockKind::kCpu) {
        auto start = read_cpu_clock(c);
        if (!start.ok()) return errno_of(start.error());
        target = absolute ? amount : add(start.value(), amount);
        auto r = sleep_cpu(c, target, now);
        if (!r.ok()) return errno_of(r.error());
        slept = r.value();
    } else if (absolute && (c.kind == ClockKind::kRealtime || c.kind == ClockKind::kTai)) {
        slept = sleep_realtime(amount);
        target = now = 0;
    } else {
        // Relative sleeps run on the monotonic clock whatever the clock
        // (Linux turns a relative REALTIME hrtimer into a MONOTONIC one).
        target = absolute ? amount : add(arch::monotonic_ns(), amount);
        slept = sleep_monotonic(target);
        now = arch::monotonic_ns();
    }
    if (slept == Slept::kDone) return 0;
    if (absolute || !rem_user) return errno_of(Error::kInterrupted);
    if (now >= target) return 0;  // interrupted at the very end: done
    if (!put_timespec(rem_user, target - now).ok()) return errno_of(Error::kFault);
    return errno_of(Error::kInterrupted);
}

}  // namespace

int64_t linux_clock_gettime(SyscallFrame& f) {
    auto c = clock_from(f.rdi);
    if (!c.ok()) return errno_of(c.error());
    auto now = read_clock(c.value());
    if (!now.ok()) return errno_of(now.error());
    return result_of(put_timespec(f.rsi, now.value()));
}

int64_t linux_clock_getres(SyscallFrame& f) {
    auto c = clock_from(f.rdi);
    if (!c.ok()) return errno_of(c.error());
    // A clock that cannot be read has no resolution either (an alarm clock
    // without an RTC alarm, a CPU clock of no process).
    if (c.value().kind == ClockKind::kAlarm) return errno_of(Error::kInvalid);
    if (c.value().kind == ClockKind::kCpu) {
        auto check = read_cpu_clock(c.value());
        if (!check.ok()) return errno_of(check.error());
    }
    if (!f.rsi) return 0;
    Timespec res = resolution(c.value(), kTickNs);
    return result_of(copy_to_user(f.rsi, &res, sizeof(res)));
}

int64_t linux_clock_settime(SyscallFrame& f) {
    auto c = clock_from(f.rdi);
    if (!c.ok()) return errno_of(c.error());
    // Only REALTIME has a clock_set; the encoded CPU clocks have one that
    // refuses (EPERM) once the clock is known to exist.
    bool encoded_cpu = int32_t(f.rdi) < 0;
    if (c.value().kind != ClockKind::kRealtime && !encoded_cpu) return errno_of(Error::kInvalid);
    Timespec t;
    if (!copy_from_user(&t, f.rsi, sizeof(t)).ok()) return errno_of(Error::kFault);
    if (encoded_cpu) {
        auto check = read_cpu_clock(c.value());
        return errno_of(check.ok() ? Error::kPermission : check.error());
    }
    return result_of(settime(&t, nullptr));
}

int64_t linux_gettimeofday(SyscallFrame& f) {
    if (f.rdi) {
        Timeval tv = timeval_from_ns(wall_clock().realtime_ns(arch::monotonic_ns()));
        if (!copy_to_user(f.rdi, &tv, sizeof(tv)).ok()) return errno_of(Error::kFault);
    }
    if (f.rsi) {
        uint64_t packed = __atomic_load_n(&g_timezone, __ATOMIC_RELAXED);
        Timezone tz{int32_t(uint32_t(packed)), int32_t(uint32_t(packed >> 32))};
        if (!copy_to_user(f.rsi, &tz, sizeof(tz)).ok()) return errno_of(Error::kFault);
    }
    return 0;
}

int64_t linux_settimeofday(SyscallFrame& f) {
    Timespec ts;
    Timezone tz;
    if (f.rdi) {
        Timeval tv;
        if (!copy_from_user(&tv, f.rdi, sizeof(tv)).ok()) return errno_of(Error::kFault);
        // Linux's own check lets 1,000,000 through to the timespec check.
        if (tv.tv_usec > 1'000'000 || tv.tv_usec < 0) return errno_of(Error::kInvalid);
        ts = Timespec{tv.tv_sec, tv.tv_usec * 1000};
    }
    if (f.rsi && !copy_from_user(&tz, f.rsi, sizeof(tz)).ok()) return errno_of(Error::kFault);
    return result_of(settime(f.rdi ? &ts : nullptr, f.rsi ? &tz : nullptr));
}

int64_t linux_time(SyscallFrame& f) {
    int64_t seconds = int64_t(wall_clock().realtime_ns(arch::monotonic_ns()) / kNsPerSecond);
    if (f.rdi && !copy_to_user(f.rdi, &seconds, sizeof(seconds)).ok())
        return errno_of(Error::kFault);
    return seconds;
}

int64_t linux_nanosleep(SyscallFrame& f) {
    Timespec request;
    if (!copy_from_user(&request, f.rdi, sizeof(request)).ok()) return errno_of(Error::kFault);
    if (!valid(request)) return errno_of(Error::kInvalid);
    Clock monotonic;
    monotonic.kind = ClockKind::kMonotonic;
    return do_sleep(monotonic, false, request, f.rsi);
}

int64_t linux_clock_nanosleep(SyscallFrame& f) {
    auto decoded = clock_from(f.rdi);
    if (!decoded.ok()) return errno_of(decoded.error());
    const Clock& c = decoded.value();
    bool absolute = int32_t(f.rsi) & kTimerAbstime;
    // The clocks with an nsleep: REALTIME, MONOTONIC, BOOTTIME, TAI and the
    // process CPU clocks (a thread's is refused below, after the request is
    // read, as Linux's posix_cpu_nsleep does).
    switch (c.kind) {
        case ClockKind::kRealtime:
        case ClockKind::kMonotonic:
        case ClockKind::kBoottime:
        case ClockKind::kTai:
            break;
        case ClockKind::kCpu:
            if (int32_t(f.rdi) == kClockThreadCputimeId) return errno_of(Error::kNotSupported);
            break;
        default:
            return errno_of(Error::kNotSupported);
    }
    Timespec request;
    if (!copy_from_user(&request, f.rdx, sizeof(request)).ok()) return errno_of(Error::kFault);
    if (!valid(request)) return errno_of(Error::kInvalid);
    if (c.kind == ClockKind::kCpu && c.per_thread) return errno_of(Error::kInvalid);
    return do_sleep(c, absolute, request, absolute ? 0 : f.r10);
}

int64_t linux_times(SyscallFrame& f) {
    if (f.rdi) {
        proc::Process* p = proc::current_process();
        proc::CpuTicks own = proc::own_process_cpu_ticks();
        proc::CpuTicks children = p->resources.children_ticks();
        Tms t{clock_t_from_ns(ticks_to_ns(own.user)), clock_t_from_ns(ticks_to_ns(own.system)),
              clock_t_from_ns(ticks_to_ns(children.user)),
              clock_t_from_ns(ticks_to_ns(children.system))};
        if (!copy_to_user(f.rdi, &t, sizeof(t)).ok()) return errno_of(Error::kFault);
    }
    return clock_t_from_ns(arch::monotonic_ns());
}

int64_t linux_getrusage(SyscallFrame& f) {
    int32_t who = int32_t(f.rdi);
    proc::Process* p = proc::current_process();
    proc::CpuTicks ticks;
    uint64_t peak_pages;
    if (who == kRusageChildren) {
        ticks = p->resources.children_ticks();
        peak_pages = p->resources.children_peak_resident_pages();
    } else if (who == kRusageSelf || who == kRusageThread) {
        ticks = who == kRusageSelf ? proc::own_process_cpu_ticks()
                                   : proc::thread_cpu_ticks(*proc::current_thread());
        p->resources.note_resident_pages(proc::resident_pages(*p));
        peak_pages = p->resources.peak_resident_pages();
    } else {
        return errno_of(Error::kInvalid);
    }
    Rusage ru;
    memset(&ru, 0, sizeof(ru));
    ru.ru_utime = timeval_from_ns(ticks_to_ns(ticks.user));
    ru.ru_stime = timeval_from_ns(ticks_to_ns(ticks.system));
    ru.ru_maxrss = int64_t(peak_pages * 4);  // KiB
    return result_of(copy_to_user(f.rsi, &ru, sizeof(ru)));
}

}  // namespace nyanos::sys
