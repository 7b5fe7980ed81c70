// Linux's memory calls (linux_memory.kernel.cpp): mmap, munmap, mremap, mprotect,
// madvise, msync, brk over the process's VM layer (mm/process_memory.h).
#pragma once

#include "syscall/syscall_frame.h"

namespace nyanos::sys {

int64_t linux_mmap(SyscallFrame& f);
int64_t linux_munmap(SyscallFrame& f);
int64_t linux_mremap(SyscallFrame& f);
int64_t linux_mprotect(SyscallFrame& f);
int64_t linux_madvise(SyscallFrame& f);
int64_t linux_msync(SyscallFrame& f);
int64_t linux_brk(SyscallFrame& f);

// linux_memory_state.kernel.cpp: mincore, the mlock family, personality.
int64_t linux_mincore(SyscallFrame& f);
int64_t linux_mlock(SyscallFrame& f);
int64_t linux_mlock2(SyscallFrame& f);
int64_t linux_munlock(SyscallFrame& f);
int64_t linux_mlockall(SyscallFrame& f);
int64_t linux_munlockall(SyscallFrame& f);
int64_t linux_personality(SyscallFrame& f);

}  // namespace nyanos::sys
