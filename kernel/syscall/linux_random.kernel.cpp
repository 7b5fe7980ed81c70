// getrandom(buf, buflen, flags): bytes from the kernel's CSPRNG
// (dev/random.h), which is seeded before the first process runs, so the
// call never blocks and GRND_NONBLOCK, GRND_RANDOM and GRND_INSECURE change
// nothing. As on Linux, one call returns at most 33,554,431 bytes, and a
// fault after some bytes were copied returns the count copied.
#include "syscall/linux_random.h"

#include "dev/random.h"
#include "proc/scheduler.h"
#include "syscall/user_memory.h"

namespace nyanos::sys {

namespace {

constexpr uint64_t kGrndNonblock = 1, kGrndRandom = 2, kGrndInsecure = 4;
constexpr uint64_t kMaxPerCall = (1u << 25) - 1;  // Linux's MAX_RW_COUNT-bounded cap

}  // namespace

int64_t linux_getrandom(SyscallFrame& f) {
    uint64_t flags = f.rdx;
    if (flags & ~(kGrndNonblock | kGrndRandom | kGrndInsecure)) return errno_of(Error::kInvalid);
    if ((flags & kGrndInsecure) && (flags & kGrndRandom)) return errno_of(Error::kInvalid);
    uint64_t length = f.rsi < kMaxPerCall ? f.rsi : kMaxPerCall;
    uint8_t chunk[256];
    uint64_t done = 0;
    while (done < length) {
        uint64_t n = length - done < sizeof(chunk) ? length - done : sizeof(chunk);
        random_bytes(chunk, n);
        auto r = copy_to_user(f.rdi + done, chunk, n);
        if (!r.ok()) return done ? int64_t(done) : errno_of(r.error());
        done += n;
        // Long requests let others run and notice a kill between chunks.
        proc::preempt_point();
    }
    return int64_t(done);
}

}  // namespace nyanos::sys
