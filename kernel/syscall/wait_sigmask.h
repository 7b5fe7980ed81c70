// The signal mask that ppoll, pselect6 and epoll_pwait(2) take for the
// length of their wait (proc::begin_wait_mask says how it is applied).
#pragma once

#include <stdint.h>

#include "nyanos/lib/result.h"
#include "proc/signal_delivery.h"
#include "proc/signals.h"
#include "syscall/user_memory.h"

namespace nyanos::sys {

struct WaitSigmask {
    bool given = false;  // false: a null pointer, the thread's own mask stays
    proc::SigSet mask = 0;
};

// Reads the mask at `user_mask` (none when 0), `size` bytes: EINVAL unless
// 8 (Linux's sizeof(sigset_t)), EFAULT for a bad pointer.
inline Result<WaitSigmask> read_wait_sigmask(uint64_t user_mask, uint64_t size) {
    WaitSigmask m;
    if (!user_mask) return m;
    if (size != sizeof(proc::SigSet)) return Error::kInvalid;
    TRY(copy_from_user(&m.mask, user_mask, sizeof(m.mask)));
    m.given = true;
    return m;
}

// Whether a wait's error means a signal (or a kill) ended it.
inline bool is_interruption(Error e) {
    return e == Error::kInterrupted || e == Error::kRestartNoHand || e == Error::kRestartSys;
}

// Runs `wait` (returning a Result) under `m`.
template <typename Wait>
auto wait_under_sigmask(const WaitSigmask& m, Wait&& wait) -> decltype(wait()) {
    if (!m.given) return wait();
    proc::begin_wait_mask(m.mask);
    auto result = wait();
    proc::end_wait_mask(!result.ok() && is_interruption(result.error()));
    return result;
}

}  // namespace nyanos::sys
