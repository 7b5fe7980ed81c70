// What a thread or a process has used: CPU time in timer ticks (counted by
// the scheduler's tick, proc/thread.h) and resident memory. Portable.
#pragma once

#include <stdint.h>

#include "proc/process.h"

namespace nyanos::proc {

// Any CPU may read; the thread's own CPU may be adding a tick meanwhile.
inline CpuTicks thread_cpu_ticks(const Thread& t) {
    return CpuTicks{__atomic_load_n(&t.cpu_ticks.user, __ATOMIC_RELAXED),
                    __atomic_load_n(&t.cpu_ticks.system, __ATOMIC_RELAXED)};
}

// A process's own CPU time. One thread per process today; once a process
// has several, this sums them, and a thread that exits before its process
// must leave its ticks behind in the process first.
inline CpuTicks process_cpu_ticks(const Process& p) {
    return p.thread ? thread_cpu_ticks(*p.thread) : CpuTicks{};
}

// Pages resident in its address space: the frames it owns and the shared
// (ramdisk) pages it maps, as Linux's RSS counts file pages too. Read
// without a lock, like ps: a snapshot.
inline uint64_t resident_pages(const Process& p) {
    return p.memory.space().user_frames() + p.memory.space().borrowed_pages();
}

}  // namespace nyanos::proc
