// The CPU's random-number instructions, with the retry loops of Intel's
// "Digital Random Number Generator (DRNG) Software Implementation Guide":
// RDRAND may fail transiently when many threads drain it at once, and ten
// failures in a row mean something is broken (5.2.1); RDSEED fails
// whenever the entropy source has not caught up, so its caller retries
// with a pause in between, for longer (5.3.1). Call only when
// cpu_has_rdrand() / cpu_has_rdseed() say the instruction exists: on a CPU
// without it they raise #UD.
#pragma once

#include <stdint.h>

namespace nyanos::arch {

inline constexpr int kRdrandTries = 10;
inline constexpr int kRdseedTries = 1024;

// One RDRAND into `out`; false after kRdrandTries failures (CF clear).
inline bool rdrand64(uint64_t& out) {
    for (int i = 0; i < kRdrandTries; ++i) {
        bool ok;
        asm volatile("rdrand %0" : "=r"(out), "=@ccc"(ok));
        if (ok) return true;
    }
    return false;
}

// One RDSEED into `out`; false after kRdseedTries failures.
inline bool rdseed64(uint64_t& out) {
    for (int i = 0; i < kRdseedTries; ++i) {
        bool ok;
        asm volatile("rdseed %0" : "=r"(out), "=@ccc"(ok));
        if (ok) return true;
        __builtin_ia32_pause();
    }
    return false;
}

}  // namespace nyanos::arch
