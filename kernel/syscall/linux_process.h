// Linux calls about the calling process and thread (linux_process.kernel.cpp).
#pragma once

#include "syscall/syscall_frame.h"

namespace nyanos::sys {

int64_t linux_getpid(SyscallFrame& f);
int64_t linux_gettid(SyscallFrame& f);
int64_t linux_getppid(SyscallFrame& f);
int64_t linux_set_tid_address(SyscallFrame& f);
int64_t linux_fork(SyscallFrame& f);
int64_t linux_vfork(SyscallFrame& f);
int64_t linux_clone(SyscallFrame& f);
int64_t linux_clone3(SyscallFrame& f);
int64_t linux_wait4(SyscallFrame& f);
int64_t linux_waitid(SyscallFrame& f);
int64_t linux_setpgid(SyscallFrame& f);
int64_t linux_getpgid(SyscallFrame& f);
int64_t linux_getpgrp(SyscallFrame& f);
int64_t linux_setsid(SyscallFrame& f);
int64_t linux_getsid(SyscallFrame& f);
[[noreturn]] int64_t linux_exit(SyscallFrame& f);
[[noreturn]] int64_t linux_exit_group(SyscallFrame& f);
// arch_prctl(code, addr): ARCH_SET_FS/GS, ARCH_GET_FS/GS (NyanOS's
// SYS_ARCH_PRCTL is the same call).
int64_t linux_arch_prctl(SyscallFrame& f);

}  // namespace nyanos::sys
