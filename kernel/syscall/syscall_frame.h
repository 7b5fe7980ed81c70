// What every system-call handler works on: the calling thread's saved user
// registers (arch/x86_64/interrupt_frame.h; the syscall entry saves the same
// frame an interrupt would), and the conversions from kernel errors to the
// negative errno values both personalities return.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "arch/x86_64/interrupt_frame.h"
#include "nyanos/lib/result.h"

namespace nyanos::sys {

// Arguments are rdi, rsi, rdx, r10, r8, r9; the number is error_code (as
// called) and rax (which the dispatcher overwrites with the result).
using SyscallFrame = arch::InterruptFrame;

using Handler = int64_t (*)(SyscallFrame&);

// A personality's handlers by number, calls 0..N-1, and one more slot: a
// number without a call of its own, and every number from N up, runs
// entries[N] (the personality's "no such call" handler, which reads the
// number from the frame). Every slot holds a handler, so dispatch is a
// clamp and an indirect call, with no null test. Built by make_table(),
// then sealed with complete().
template <size_t N>
struct SyscallTable {
    static constexpr size_t kCount = N;
    Handler entries[N + 1];

    // Points every empty slot, and the one past the calls, at `missing`.
    constexpr void complete(Handler missing) {
        for (Handler& h : entries)
            if (!h) h = missing;
        entries[N] = missing;
    }
};

inline int64_t errno_of(Error e) {
    return -int64_t(static_cast<int32_t>(e));
}

template <typename T>
int64_t result_of(Result<T>&& r) {
    if (!r.ok()) return errno_of(r.error());
    return int64_t(r.value());
}
inline int64_t result_of(Result<void>&& r) {
    return r.ok() ? 0 : errno_of(r.error());
}

// A handler that rewrote the frame beyond rax (execve, signal delivery,
// rt_sigreturn) calls this, so the return to user mode restores every
// register from the frame (IRET) instead of taking the SYSRET fast path,
// which reloads only the argument registers and rax.
void request_full_return();

}  // namespace nyanos::sys
