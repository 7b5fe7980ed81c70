// The Linux personality's event files (linux_events.kernel.cpp): eventfd,
// eventfd2, timerfd_create, timerfd_settime, timerfd_gettime, signalfd,
// signalfd4, epoll_create, epoll_create1, epoll_ctl, epoll_wait,
// epoll_pwait, epoll_pwait2. The files themselves are fs/eventfd.h,
// fs/timerfd.h, fs/signalfd.h and fs/epoll.h.
#pragma once

#include <stdint.h>

#include "syscall/syscall_frame.h"

namespace nyanos::sys::linux_events {

int64_t eventfd(SyscallFrame& f);
int64_t eventfd2(SyscallFrame& f);
int64_t timerfd_create(SyscallFrame& f);
int64_t timerfd_settime(SyscallFrame& f);
int64_t timerfd_gettime(SyscallFrame& f);
int64_t signalfd(SyscallFrame& f);
int64_t signalfd4(SyscallFrame& f);
int64_t epoll_create(SyscallFrame& f);
int64_t epoll_create1(SyscallFrame& f);
int64_t epoll_ctl(SyscallFrame& f);
int64_t epoll_wait(SyscallFrame& f);
int64_t epoll_pwait(SyscallFrame& f);
int64_t epoll_pwait2(SyscallFrame& f);

}  // namespace nyanos::sys::linux_events
