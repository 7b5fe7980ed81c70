// Linux: poll, ppoll, select, pselect6 — one loop over the files' poll()
// (fs/file_description.h) and a PollWaiter (proc/wait_event.h), which
// blocks on every pipe and console watched at once.
#include <new>

#include "arch/x86_64/timer.h"
#include "fs/fd_table.h"
#include "fs/file_description.h"
#include "lib/heap_ptr.h"
#include "proc/wait_event.h"
#include "syscall/file_support.h"
#include "syscall/linux_abi.h"
#include "syscall/linux_fs.h"
#include "syscall/user_memory.h"
#include "syscall/wait_sigmask.h"

namespace nyanos::sys::linux_fs {

namespace {

using fs::DescriptionRef;
namespace pe = fs::poll_events;

constexpr int64_t kForever = -1;
// The longest timeout kept exactly: about 31 years (a longer one waits that
// long; its nanoseconds still fit the monotonic clock's 64 bits).
constexpr int64_t kMaxTimeoutMs = 1'000'000'000'000;

struct PollItem {
    DescriptionRef file;  // null: a negative fd (ignored) or a bad one (revents preset)
    uint32_t events = 0;
    uint32_t revents = 0;
};

// Looks at every item until one is ready, `timeout_ms` passes (kForever:
// never; 0: look once), or a kill or a signal comes (Linux's
// -ERESTARTNOHAND: EINTR once a handler ran). Returns how many items have
// revents.
Result<int> wait_for_events(PollItem* items, size_t count, int64_t timeout_ms) {
    HeapPtr<proc::PollEntry[]> entries(count ? new (std::nothrow) proc::PollEntry[count] : nullptr);
    if (count && !entries.get()) return Error::kNoMemory;
    proc::PollWaiter waiter(entries.get(), count);
    // On the monotonic clock, as Linux's poll and select time out.
    uint64_t deadline_ns =
        timeout_ms > 0 ? arch::monotonic_ns() + uint64_t(timeout_ms) * 1000000 : 0;
    int ready = 0;
    for (bool first = true;; first = false) {
        ready = 0;
        for (size_t i = 0; i < count; ++i) {
            PollItem& item = items[i];
            if (item.file) {
                uint32_t mask = item.file->poll(first ? &waiter : nullptr);
                item.revents = mask & (item.events | pe::kAlways);
            }
            if (item.revents) ++ready;
        }
        if (ready || timeout_ms == 0) break;
        if (timeout_ms > 0 && arch::monotonic_ns() >= deadline_ns) break;
        proc::WakeReason woke = waiter.wait(proc::Deadline{deadline_ns});
        if (proc::wait_interrupted(woke)) {
            waiter.unsubscribe_all();
            return proc::interruption(woke, Error::kRestartNoHand);
        }
    }
    waiter.unsubscribe_all();
    return ready;
}

// Milliseconds from a timespec, rounded up; kForever for none. EINVAL for
// a negative or malformed one.
Result<int64_t> timeout_of(uint64_t user_timespec) {
    if (!user_timespec) return kForever;
    linux_abi::Timespec ts;
    TRY(copy_from_user(&ts, user_timespec, sizeof(ts)));
    if (ts.sec < 0 || ts.nsec < 0 || ts.nsec >= 1000000000) return Error::kInvalid;
    if (ts.sec >= kMaxTimeoutMs / 1000) return kMaxTimeoutMs;
    return ts.sec * 1000 + (ts.nsec + 999999) / 1000000;
}

// What is left of a timeout that began at `start`, written back to the
// caller's timespec/timeval as Linux does (a failure to write is ignored,
// as Linux ignores it).
void write_back_remaining(uint64_t user_time, int64_t timeout_ms, uint64_t start, bool timeval) {
    if (!user_time || timeout_ms < 0) return;
    uint64_t spent = (arch::monotonic_ns() - start) / 1000000;
    int64_t left = spent >= uint64_t(timeout_ms) ? 0 : timeout_ms - int64_t(spent);
    if (timeval) {
        linux_abi::Timeval tv{left / 1000, (left % 1000) * 1000};
        (void)copy_to_user(user_time, &tv, sizeof(tv));
    } else {
        linux_abi::Timespec ts{left / 1000, (left % 1000) * 1000000};
        (void)copy_to_user(user_time, &ts, sizeof(ts));
    }
}

Result<int> do_poll(uint64_t user_fds, uint64_t count, int64_t timeout_ms) {
    if (count > uint64_t(fd_limit())) return Error::kInvalid;  // Linux: RLIMIT_NOFILE
    HeapPtr<linux_abi::PollFd[]> fds(count ? new (std::nothrow) linux_abi::PollFd[count] : nullptr);
    HeapPtr<PollItem[]> items(count ? new (std::nothrow) PollItem[count] : nullptr);
    if (count && (!fds.get() || !items.get())) return Error::kNoMemory;
    TRY(copy_from_user(fds.get(), user_fds, count * sizeof(linux_abi::PollFd)));
    for (size_t i = 0; i < count; ++i) {
        PollItem& item = items[i];
        item.events = uint16_t(fds[i].events);
        if (fds[i].fd < 0) continue;
        auto file = file_of(fds[i].fd);
        if (file.ok()) {
            item.file = file.release_value();
        } else {
            item.revents = pe::kInvalid;
        }
    }
    auto ready = wait_for_events(items.get(), size_t(count), timeout_ms);
    // revents go back even when the wait was interrupted, as Linux's do.
    for (size_t i = 0; i < count; ++i) {
        int16_t revents = int16_t(items[i].revents);
        TRY(copy_to_user(user_fds + i * sizeof(linux_abi::PollFd) + 6, &revents, 2));
    }
    return ready;
}

// select's three fd_sets, `words` 64-bit words each, in one heap block.
struct FdSets {
    uint64_t* in;
    uint64_t* out;
    uint64_t* ex;
};

bool bit(const uint64_t* set, int fd) {
    return set[fd / 64] >> (fd % 64) & 1;
}

Result<int> do_select(int64_t nfds, uint64_t user_in, uint64_t user_out, uint64_t user_ex,
                      int64_t timeout_ms) {
    if (nfds < 0) return Error::kInvalid;
    // Linux cuts nfds to what the table can hold; no descriptor lies above
    // the caller's limit.
    if (nfds > fd_limit()) nfds = fd_limit();
    size_t words = size_t((nfds + 63) / 64);
    size_t bytes = words * 8;
    HeapPtr<uint64_t[]> block(new (std::nothrow) uint64_t[3 * words + 1]());
    if (!block.get()) return Error::kNoMemory;
    FdSets storage{block.get(), block.get() + words, block.get() + 2 * words};
    FdSets* sets = &storage;
    if (user_in) TRY(copy_from_user(sets->in, user_in, bytes));
    if (user_out) TRY(copy_from_user(sets->out, user_out, bytes));
    if (user_ex) TRY(copy_from_user(sets->ex, user_ex, bytes));
    // One item per descriptor in any set; EBADF for one that is not open.
    size_t count = 0;
    for (int fd = 0; fd < nfds; ++fd)
        count += bit(sets->in, fd) || bit(sets->out, fd) || bit(sets->ex, fd);
    HeapPtr<PollItem[]> items(count ? new (std::nothrow) PollItem[count] : nullptr);
    if (count && !items.get()) return Error::kNoMemory;
    size_t n = 0;
    for (int fd = 0; fd < nfds; ++fd) {
        bool r = bit(sets->in, fd), w = bit(sets->out, fd), e = bit(sets->ex, fd);
        if (!r && !w && !e) continue;
        items[n].file = TRY(file_of(fd));
        items[n].events = (r ? pe::kIn | pe::kReadNormal | pe::kHangUp | pe::kError : 0) |
                          (w ? pe::kOut | pe::kWriteNormal | pe::kError : 0) | (e ? pe::kPri : 0);
        ++n;
    }
    auto ready = wait_for_events(items.get(), count, timeout_ms);
    if (!ready.ok()) return ready.error();
    // Rewrite the sets: only the ready descriptors stay.
    int total = 0;
    n = 0;
    for (int fd = 0; fd < nfds; ++fd) {
        uint64_t mask = uint64_t(1) << (fd % 64);
        bool r = bit(sets->in, fd), w = bit(sets->out, fd), e = bit(sets->ex, fd);
        if (!r && !w && !e) continue;
        uint32_t got = items[n++].revents;
        bool rr = r && (got & (pe::kIn | pe::kReadNormal | pe::kHangUp | pe::kError));
        bool ww = w && (got & (pe::kOut | pe::kWriteNormal | pe::kError));
        bool ee = e && (got & pe::kPri);
        if (!rr) sets->in[fd / 64] &= ~mask;
        if (!ww) sets->out[fd / 64] &= ~mask;
        if (!ee) sets->ex[fd / 64] &= ~mask;
        total += rr + ww + ee;
    }
    if (user_in) TRY(copy_to_user(user_in, sets->in, bytes));
    if (user_out) TRY(copy_to_user(user_out, sets->out, bytes));
    if (user_ex) TRY(copy_to_user(user_ex, sets->ex, bytes));
    return total;
}

}  // namespace

int64_t poll(SyscallFrame& f) {
    int timeout = int(f.rdx);
    return result_of(do_poll(f.rdi, f.rsi, timeout < 0 ? kForever : int64_t(timeout)));
}

int64_t ppoll(SyscallFrame& f) {
    auto timeout = timeout_of(f.rdx);
    if (!timeout.ok()) return errno_of(timeout.error());
    auto mask = read_wait_sigmask(f.r10, f.r8);
    if (!mask.ok()) return errno_of(mask.error());
    uint64_t start = arch::monotonic_ns();
    auto r =
        wait_under_sigmask(mask.value(), [&] { return do_poll(f.rdi, f.rsi, timeout.value()); });
    write_back_remaining(f.rdx, timeout.value(), start, false);
    return result_of(static_cast<Result<int>&&>(r));
}

int64_t select(SyscallFrame& f) {
    int64_t timeout_ms = kForever;
    if (f.r8) {
        linux_abi::Timeval tv;
        auto r = copy_from_user(&tv, f.r8, sizeof(tv));
        if (!r.ok()) return errno_of(r.error());
        if (tv.sec < 0 || tv.usec < 0) return errno_of(Error::kInvalid);
        // Linux normalizes an oversized usec rather than refusing it.
        if (tv.sec >= kMaxTimeoutMs / 1000 || tv.usec >= kMaxTimeoutMs) {
            timeout_ms = kMaxTimeoutMs;
        } else {
            timeout_ms = tv.sec * 1000 + (tv.usec + 999) / 1000;
        }
    }
    uint64_t start = arch::monotonic_ns();
    auto r = do_select(int64_t(int(f.rdi)), f.rsi, f.rdx, f.r10, timeout_ms);
    write_back_remaining(f.r8, timeout_ms, start, true);
    return result_of(static_cast<Result<int>&&>(r));
}

int64_t pselect6(SyscallFrame& f) {
    auto timeout = timeout_of(f.r8);
    if (!timeout.ok()) return errno_of(timeout.error());
    // The sixth argument points at a {sigset pointer, size} pair.
    WaitSigmask mask;
    if (f.r9) {
        struct {
            uint64_t mask;
            uint64_t size;
        } sig;
        auto r = copy_from_user(&sig, f.r9, sizeof(sig));
        if (!r.ok()) return errno_of(r.error());
        auto m = read_wait_sigmask(sig.mask, sig.size);
        if (!m.ok()) return errno_of(m.error());
        mask = m.value();
    }
    uint64_t start = arch::monotonic_ns();
    auto r = wait_under_sigmask(
        mask, [&] { return do_select(int64_t(int(f.rdi)), f.rsi, f.rdx, f.r10, timeout.value()); });
    write_back_remaining(f.r8, timeout.value(), start, false);
    return result_of(static_cast<Result<int>&&>(r));
}

}  // namespace nyanos::sys::linux_fs
