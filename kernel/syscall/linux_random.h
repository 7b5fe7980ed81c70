// Linux's getrandom (linux_random.kernel.cpp).
#pragma once

#include "syscall/syscall_frame.h"

namespace nyanos::sys {

int64_t linux_getrandom(SyscallFrame& f);

}  // namespace nyanos::sys
