// Resource limits (getrlimit, setrlimit, prlimit64) as Linux 6.1 keeps
// them: a soft and a hard value per resource, Linux's initial values, and
// the rules a change must pass (kernel/sys.c, do_prlimit). Portable and
// host-tested; the per-process table lives in proc/process_resources.h.
//
// NyanOS records and reports every limit, and a child inherits its
// parent's; what each limit restricts is up to the subsystem concerned,
// through proc::current_limit() or the process's resources (RLIMIT_FSIZE:
// fs::file_size_limit; RLIMIT_NOFILE, RLIMIT_STACK and RLIMIT_NICE).
#pragma once

#include <stdint.h>

#include "lib/nospec.h"
#include "nyanos/lib/result.h"

namespace nyanos::rlimit {

// Linux's resource numbers (include/uapi/asm-generic/resource.h).
enum Resource : uint32_t {
    kCpu = 0,          // CPU time, seconds
    kFsize = 1,        // file size, bytes
    kData = 2,         // data segment and heap, bytes
    kStack = 3,        // main thread's stack, bytes
    kCore = 4,         // core file size, bytes
    kRss = 5,          // resident set (ignored by Linux too)
    kNproc = 6,        // processes of the real user
    kNofile = 7,       // one past the highest file descriptor
    kMemlock = 8,      // locked memory, bytes
    kAs = 9,           // address space, bytes
    kLocks = 10,       // file locks
    kSigpending = 11,  // queued signals
    kMsgqueue = 12,    // POSIX message-queue bytes
    kNice = 13,        // nice ceiling, as 20 - nice
    kRtprio = 14,      // real-time priority ceiling
    kRttime = 15,      // real-time CPU time without blocking, microseconds
    kCount = 16,
};

inline constexpr uint64_t kInfinity = ~0ull;  // RLIM_INFINITY
// fs.nr_open's default: the highest RLIMIT_NOFILE hard limit Linux accepts.
inline constexpr uint64_t kNrOpen = 1024 * 1024;

struct Limit {
    uint64_t soft = kInfinity;  // rlim_cur
    uint64_t hard = kInfinity;  // rlim_max
    bool operator==(const Limit&) const = default;
};

struct Table {
    Limit limits[kCount];
    // The limit of `r`, which the caller has checked is below kCount.
    // Resource numbers come from user space: the index is clamped under
    // speculation too (Spectre v1, lib/nospec.h).
    Limit& operator[](Resource r) { return limits[array_index_nospec(size_t(r), kCount)]; }
    const Limit& operator[](Resource r) const {
        return limits[array_index_nospec(size_t(r), kCount)];
    }
};

// Linux 6.1's initial limits (INIT_RLIMITS): everything unlimited except
// STACK 8 MiB soft, CORE 0 soft, NOFILE 1024 soft / 4096 hard, MEMLOCK
// 8 MiB, MSGQUEUE 819,200 bytes, NICE and RTPRIO 0; NPROC and SIGPENDING
// from the memory size as fork_init() sets them (half of max_threads, which
// is one 16 KiB thread stack per 8 of them in memory, at least 20).
Table defaults(uint64_t memory_bytes);

// Whether limit `r` may go from `old` to `next` (resource in range: the
// caller checks that, EINVAL): kInvalid if the soft limit exceeds the hard
// one; kPermission if an RLIMIT_NOFILE hard limit exceeds kNrOpen, or if the
// hard limit rises and the caller is not `privileged` (CAP_SYS_RESOURCE).
Result<void> check_change(Resource r, const Limit& old, const Limit& next, bool privileged);

}  // namespace nyanos::rlimit
