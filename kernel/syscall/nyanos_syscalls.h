// NyanOS's own system-call table (include/nyanos/abi/syscall.h).
#pragma once

#include <stddef.h>

#include "syscall/syscall_frame.h"

namespace nyanos::sys {

inline constexpr size_t kNyanosSyscallCount = 64;

// The handlers by number; a number without a call gets -ENOSYS.
extern const SyscallTable<kNyanosSyscallCount> g_nyanos_syscalls;

}  // namespace nyanos::sys
