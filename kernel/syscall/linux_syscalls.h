// The Linux personality's system calls: Linux x86_64's numbers, arguments,
// errors and behaviour (Linux 6.1's man pages are the spec).
#pragma once

#include <stdint.h>

#include "syscall/linux_syscall_numbers.h"
#include "syscall/syscall_frame.h"

namespace nyanos::sys {

// The handlers by Linux number; where NyanOS does not implement one,
// linux_syscall_missing.
extern const SyscallTable<linux_nr::kCount> g_linux_syscalls;

// What a call without a handler returns: -ENOSYS, logged once per number
// per boot: "nyanos: linux syscall N (name) not implemented, pid P".
int64_t linux_syscall_missing(uint64_t number);

}  // namespace nyanos::sys
