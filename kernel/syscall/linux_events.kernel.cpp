// Linux: eventfd, eventfd2, timerfd_*, signalfd, signalfd4, epoll_* — the
// event files (fs/eventfd.h, fs/timerfd.h, fs/signalfd.h, fs/epoll.h)
// seen through Linux's arguments, with Linux 6.1's order of checks.
#include "syscall/linux_events.h"

#include <new>

#include "arch/x86_64/timer.h"
#include "fs/epoll.h"
#include "fs/eventfd.h"
#include "fs/signalfd.h"
#include "fs/timer_expiry.h"
#include "fs/timerfd.h"
#include "lib/heap_ptr.h"
#include "syscall/file_support.h"
#include "syscall/wait_sigmask.h"
#include "syscall/linux_time_abi.h"
#include "syscall/user_memory.h"

namespace nyanos::sys::linux_events {

namespace {

using fs::DescriptionRef;
namespace of = fs::open_flags;

// Every creation flag set here is O_CLOEXEC or O_NONBLOCK (EFD_, TFD_,
// SFD_ and EPOLL_CLOEXEC share their values).
constexpr uint32_t kCreateFlags = of::kCloseOnExec | of::kNonBlock;

Result<int> install(Result<DescriptionRef> made, uint32_t flags) {
    DescriptionRef file = TRY(static_cast<Result<DescriptionRef>&&>(made));
    return current_files().install(static_cast<DescriptionRef&&>(file), flags & of::kCloseOnExec, 0,
                                   fd_limit());
}

Result<int> do_eventfd2(uint64_t initial, uint64_t flags) {
    if (flags & ~uint64_t(kCreateFlags | fs::kEfdSemaphore)) return Error::kInvalid;
    return install(fs::create_eventfd(uint32_t(initial), uint32_t(flags)), uint32_t(flags));
}

// struct itimerspec: the period first, then the value.
struct Itimerspec {
    linux_abi::Timespec interval;
    linux_abi::Timespec value;
};
static_assert(sizeof(Itimerspec) == 32);

Itimerspec itimerspec_of(const fs::TimerSetting& s) {
    return Itimerspec{linux_abi::timespec_from_ns(s.interval_ns),
                      linux_abi::timespec_from_ns(s.value_ns)};
}

Result<int> do_timerfd_create(int64_t clock, uint64_t flags) {
    if (flags & ~uint64_t(kCreateFlags)) return Error::kInvalid;
    if (clock != fs::kClockRealtime && clock != fs::kClockMonotonic &&
        clock != fs::kClockBoottime && clock != fs::kClockRealtimeAlarm &&
        clock != fs::kClockBoottimeAlarm)
        return Error::kInvalid;
    return install(fs::create_timerfd(int(clock), uint32_t(flags)), uint32_t(flags));
}

Result<void> do_timerfd_settime(int fd, uint64_t flags, uint64_t user_new, uint64_t user_old) {
    Itimerspec in;
    TRY(copy_from_user(&in, user_new, sizeof(in)));
    if (flags & ~uint64_t(fs::kTfdTimerAbstime | fs::kTfdTimerCancelOnSet)) return Error::kInvalid;
    if (!linux_abi::valid(in.value) || !linux_abi::valid(in.interval)) return Error::kInvalid;
    DescriptionRef file = TRY(file_of(fd));
    fs::TimerSetting setting{linux_abi::to_ns_saturating(in.value),
                             linux_abi::to_ns_saturating(in.interval)};
    if (setting.value_ns > fs::kTimeMaxNs) setting.value_ns = fs::kTimeMaxNs;
    if (setting.interval_ns > fs::kTimeMaxNs) setting.interval_ns = fs::kTimeMaxNs;
    fs::TimerSetting old;
    TRY(fs::timerfd_set(*file, uint32_t(flags), setting, old));
    if (user_old) {
        Itimerspec out = itimerspec_of(old);
        TRY(copy_to_user(user_old, &out, sizeof(out)));
    }
    return {};
}

Result<void> do_timerfd_gettime(int fd, uint64_t user_cur) {
    DescriptionRef file = TRY(file_of(fd));
    fs::TimerSetting now = TRY(fs::timerfd_get(*file));
    Itimerspec out = itimerspec_of(now);
    return copy_to_user(user_cur, &out, sizeof(out));
}

Result<int> do_signalfd4(int fd, uint64_t user_mask, uint64_t size, uint64_t flags) {
    if (size != 8) return Error::kInvalid;
    if (flags & ~uint64_t(kCreateFlags)) return Error::kInvalid;
    uint64_t mask;
    TRY(copy_from_user(&mask, user_mask, sizeof(mask)));
    if (fd == -1) return install(fs::create_signalfd(mask, uint32_t(flags)), uint32_t(flags));
    DescriptionRef file = TRY(file_of(fd));
    TRY(fs::signalfd_set_mask(*file, mask));
    return fd;
}

Result<int> do_epoll_create1(uint64_t flags) {
    if (flags & ~uint64_t(of::kCloseOnExec)) return Error::kInvalid;
    return install(fs::create_epoll(), uint32_t(flags));
}

Result<void> do_epoll_ctl(int epfd, int op, int fd, uint64_t user_event) {
    fs::EpollEvent event{};
    if (op != fs::epoll_bits::kCtlDel) TRY(copy_from_user(&event, user_event, sizeof(event)));
    DescriptionRef epoll = TRY(file_of(epfd));
    DescriptionRef target = TRY(file_of(fd));
    return fs::epoll_control(*epoll, op, fd, *target, event);
}

// The largest maxevents Linux takes (EP_MAX_EVENTS), and how many events
// one wait collects at most (more stay queued for the next).
constexpr int64_t kMaxEvents = 0x7fffffff / int64_t(sizeof(fs::EpollEvent));
constexpr int kBatch = 256;

Result<int> do_epoll_wait(int epfd, uint64_t user_events, int64_t max, proc::Deadline deadline,
                          bool look_only) {
    if (max <= 0 || max > kMaxEvents) return Error::kInvalid;
    if (!is_user_range(user_events, size_t(max) * sizeof(fs::EpollEvent))) return Error::kFault;
    DescriptionRef epoll = TRY(file_of(epfd));
    if (epoll->kind() == nullptr) return Error::kInvalid;
    int batch = max < kBatch ? int(max) : kBatch;
    HeapPtr<fs::EpollEvent[]> events(new (std::nothrow) fs::EpollEvent[size_t(batch)]);
    if (!events.get()) return Error::kNoMemory;
    int n = TRY(fs::epoll_wait_events(*epoll, events.get(), batch, deadline, look_only));
    // The events are taken: a bad buffer loses them, as on Linux.
    TRY(copy_to_user(user_events, events.get(), size_t(n) * sizeof(fs::EpollEvent)));
    return n;
}

// A millisecond timeout: negative waits for ever, 0 only looks.
Result<int> wait_ms(int epfd, uint64_t user_events, int64_t max, int timeout_ms) {
    proc::Deadline deadline;
    if (timeout_ms > 0)
        deadline.monotonic_ns = arch::monotonic_ns() + uint64_t(timeout_ms) * 1000000;
    return do_epoll_wait(epfd, user_events, max, deadline, timeout_ms == 0);
}

}  // namespace

int64_t eventfd(SyscallFrame& f) {
    return result_of(do_eventfd2(f.rdi, 0));
}
int64_t eventfd2(SyscallFrame& f) {
    return result_of(do_eventfd2(f.rdi, f.rsi));
}
int64_t timerfd_create(SyscallFrame& f) {
    return result_of(do_timerfd_create(int64_t(int(f.rdi)), f.rsi));
}
int64_t timerfd_settime(SyscallFrame& f) {
    return result_of(do_timerfd_settime(int(f.rdi), f.rsi, f.rdx, f.r10));
}
int64_t timerfd_gettime(SyscallFrame& f) {
    return result_of(do_timerfd_gettime(int(f.rdi), f.rsi));
}
int64_t signalfd(SyscallFrame& f) {
    return result_of(do_signalfd4(int(f.rdi), f.rsi, f.rdx, 0));
}
int64_t signalfd4(SyscallFrame& f) {
    return result_of(do_signalfd4(int(f.rdi), f.rsi, f.rdx, f.r10));
}
int64_t epoll_create(SyscallFrame& f) {
    if (int(f.rdi) <= 0) return errno_of(Error::kInvalid);  // the size must be positive
    return result_of(do_epoll_create1(0));
}
int64_t epoll_create1(SyscallFrame& f) {
    return result_of(do_epoll_create1(f.rdi));
}
int64_t epoll_ctl(SyscallFrame& f) {
    return result_of(do_epoll_ctl(int(f.rdi), int(f.rsi), int(f.rdx), f.r10));
}
int64_t epoll_wait(SyscallFrame& f) {
    return result_of(wait_ms(int(f.rdi), f.rsi, int64_t(int(f.rdx)), int(f.r10)));
}
int64_t epoll_pwait(SyscallFrame& f) {
    auto m = read_wait_sigmask(f.r8, f.r9);
    if (!m.ok()) return errno_of(m.error());
    return result_of(wait_under_sigmask(
        m.value(), [&] { return wait_ms(int(f.rdi), f.rsi, int64_t(int(f.rdx)), int(f.r10)); }));
}
int64_t epoll_pwait2(SyscallFrame& f) {
    proc::Deadline deadline;
    bool look_only = false;
    if (f.r10) {
        linux_abi::Timespec ts;
        auto r = copy_from_user(&ts, f.r10, sizeof(ts));
        if (!r.ok()) return errno_of(r.error());
        if (!linux_abi::valid(ts)) return errno_of(Error::kInvalid);
        uint64_t ns = linux_abi::to_ns_saturating(ts);
        look_only = ns == 0;
        uint64_t now = arch::monotonic_ns();
        deadline.monotonic_ns = ns > ~0ull - now ? ~0ull : now + ns;
    }
    auto m = read_wait_sigmask(f.r8, f.r9);
    if (!m.ok()) return errno_of(m.error());
    return result_of(wait_under_sigmask(m.value(), [&] {
        return do_epoll_wait(int(f.rdi), f.rsi, int64_t(int(f.rdx)), deadline, look_only);
    }));
}

}  // namespace nyanos::sys::linux_events
