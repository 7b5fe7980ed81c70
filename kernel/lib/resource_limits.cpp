#include "lib/resource_limits.h"

namespace nyanos::rlimit {

namespace {

constexpr uint64_t kStackSoft = 8ull << 20;   // _STK_LIM
constexpr uint64_t kNofileSoft = 1024;        // INR_OPEN_CUR
constexpr uint64_t kNofileHard = 4096;        // INR_OPEN_MAX
constexpr uint64_t kMlockLimit = 8ull << 20;  // MLOCK_LIMIT (8 MiB since Linux 5.16)
constexpr uint64_t kMqBytes = 819'200;        // MQ_BYTES_MAX
constexpr uint64_t kThreadSize = 16 * 1024;   // x86_64's THREAD_SIZE
constexpr uint64_t kMinThreads = 20;
constexpr uint64_t kMaxThreads = 0x3fff'ffff;  // FUTEX_TID_MASK

}  // namespace

Table defaults(uint64_t memory_bytes) {
    Table t;
    t.limits[kStack].soft = kStackSoft;
    t.limits[kCore].soft = 0;
    t.limits[kNofile] = {kNofileSoft, kNofileHard};
    t.limits[kMemlock] = {kMlockLimit, kMlockLimit};
    t.limits[kMsgqueue] = {kMqBytes, kMqBytes};
    t.limits[kNice] = {0, 0};
    t.limits[kRtprio] = {0, 0};
    uint64_t threads = memory_bytes / (kThreadSize * 8);
    if (threads < kMinThreads) threads = kMinThreads;
    if (threads > kMaxThreads) threads = kMaxThreads;
    t.limits[kNproc] = {threads / 2, threads / 2};
    t.limits[kSigpending] = t.limits[kNproc];
    return t;
}

Result<void> check_change(Resource r, const Limit& old, const Limit& next, bool privileged) {
    if (next.soft > next.hard) return Error::kInvalid;
    if (r == kNofile && next.hard > kNrOpen) return Error::kPermission;
    if (next.hard > old.hard && !privileged) return Error::kPermission;
    return {};
}

}  // namespace nyanos::rlimit
