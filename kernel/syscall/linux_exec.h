// Linux's execve (linux_exec.kernel.cpp).
#pragma once

#include "syscall/syscall_frame.h"

namespace nyanos::sys {

int64_t linux_execve(SyscallFrame& f);

}  // namespace nyanos::sys
