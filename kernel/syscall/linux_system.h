// The Linux personality's system-information and process-settings calls
// (linux_system.kernel.cpp): uname, sysinfo, user and group IDs, umask,
// resource limits, the CPU a thread runs on and its affinity, prctl's
// settings (proc/process_controls.h), nice values and scheduling policies
// (proc/nice.h: nice is kept and reported, every thread is SCHED_OTHER,
// and the scheduler weighs neither yet), the kernel log (syslog), and
// reboot.
//
// IDs (lib/credentials.h): every process starts as root and may change its
// IDs by Linux's rules; the capabilities the calls ask for are held while
// the effective user ID is 0. Supplementary groups: set by root
// (setgroups), inherited by fork, kept by exec (proc/group_list.h).
// Limits (lib/resource_limits.h): Linux's
// defaults, per process, inherited, changeable by Linux's rules; nothing
// enforces them yet. Affinity: recorded per thread and reported back; the
// scheduler does not enforce it yet.
#pragma once

#include <stdint.h>

#include "syscall/linux_system_abi.h"
#include "syscall/syscall_frame.h"

namespace nyanos::sys {

// What uname() reports now (the host name as sethostname left it).
linux_abi::Utsname current_uts_name();

int64_t linux_sched_yield(SyscallFrame& f);             // 24
int64_t linux_uname(SyscallFrame& f);                   // 63
int64_t linux_sethostname(SyscallFrame& f);             // 170
int64_t linux_setdomainname(SyscallFrame& f);           // 171
int64_t linux_umask(SyscallFrame& f);                   // 95
int64_t linux_getrlimit(SyscallFrame& f);               // 97
int64_t linux_sysinfo(SyscallFrame& f);                 // 99
int64_t linux_getuid(SyscallFrame& f);                  // 102
int64_t linux_getgid(SyscallFrame& f);                  // 104
int64_t linux_setuid(SyscallFrame& f);                  // 105
int64_t linux_setgid(SyscallFrame& f);                  // 106
int64_t linux_geteuid(SyscallFrame& f);                 // 107
int64_t linux_getegid(SyscallFrame& f);                 // 108
int64_t linux_setreuid(SyscallFrame& f);                // 113
int64_t linux_setregid(SyscallFrame& f);                // 114
int64_t linux_getgroups(SyscallFrame& f);               // 115
int64_t linux_setresuid(SyscallFrame& f);               // 117
int64_t linux_getresuid(SyscallFrame& f);               // 118
int64_t linux_setresgid(SyscallFrame& f);               // 119
int64_t linux_getresgid(SyscallFrame& f);               // 120
int64_t linux_setfsuid(SyscallFrame& f);                // 122
int64_t linux_setfsgid(SyscallFrame& f);                // 123
int64_t linux_setrlimit(SyscallFrame& f);               // 160
int64_t linux_sched_setaffinity(SyscallFrame& f);       // 203
int64_t linux_sched_getaffinity(SyscallFrame& f);       // 204
int64_t linux_prlimit64(SyscallFrame& f);               // 302
int64_t linux_getcpu(SyscallFrame& f);                  // 309
int64_t linux_syslog(SyscallFrame& f);                  // 103
int64_t linux_getpriority(SyscallFrame& f);             // 140
int64_t linux_setpriority(SyscallFrame& f);             // 141
int64_t linux_sched_getparam(SyscallFrame& f);          // 143
int64_t linux_sched_getscheduler(SyscallFrame& f);      // 145
int64_t linux_sched_get_priority_max(SyscallFrame& f);  // 146
int64_t linux_sched_get_priority_min(SyscallFrame& f);  // 147
int64_t linux_prctl(SyscallFrame& f);                   // 157
int64_t linux_setgroups(SyscallFrame& f);               // 116
int64_t linux_ioprio_set(SyscallFrame& f);              // 251
int64_t linux_ioprio_get(SyscallFrame& f);              // 252
int64_t linux_membarrier(SyscallFrame& f);              // 324 (linux_membarrier)
int64_t linux_capget(SyscallFrame& f);                  // 125 (linux_capabilities)
int64_t linux_capset(SyscallFrame& f);                  // 126 (linux_capabilities)
int64_t linux_reboot(SyscallFrame& f);                  // 169

}  // namespace nyanos::sys
