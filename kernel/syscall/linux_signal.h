// Linux's signal calls (linux_signal.kernel.cpp).
#pragma once

#include "syscall/syscall_frame.h"

namespace nyanos::sys {

int64_t linux_rt_sigaction(SyscallFrame& f);
int64_t linux_rt_sigprocmask(SyscallFrame& f);
int64_t linux_rt_sigpending(SyscallFrame& f);
int64_t linux_rt_sigsuspend(SyscallFrame& f);
int64_t linux_rt_sigtimedwait(SyscallFrame& f);
int64_t linux_rt_sigreturn(SyscallFrame& f);
int64_t linux_sigaltstack(SyscallFrame& f);
int64_t linux_pause(SyscallFrame& f);
int64_t linux_kill(SyscallFrame& f);
int64_t linux_tkill(SyscallFrame& f);
int64_t linux_tgkill(SyscallFrame& f);
int64_t linux_rt_sigqueueinfo(SyscallFrame& f);
int64_t linux_rt_tgsigqueueinfo(SyscallFrame& f);

}  // namespace nyanos::sys
