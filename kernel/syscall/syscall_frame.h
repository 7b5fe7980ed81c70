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

// A personality's handlers by number (nullptr: no such call).
template <size_t N>
struct SyscallTable {
    Handler entries[N];
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
