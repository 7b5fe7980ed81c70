// Linux calls for threads: futex and the robust-futex list
// (linux_threads.kernel.cpp; clone, set_tid_address and exit are in
// linux_process).
#pragma once

#include "syscall/syscall_frame.h"

namespace nyanos::sys {

// futex(uaddr, op, val, timeout or val2, uaddr2, val3)
int64_t linux_futex(SyscallFrame& f);
// set_robust_list(head, len) and get_robust_list(tid, head_ptr, len_ptr)
int64_t linux_set_robust_list(SyscallFrame& f);
int64_t linux_get_robust_list(SyscallFrame& f);

}  // namespace nyanos::sys
