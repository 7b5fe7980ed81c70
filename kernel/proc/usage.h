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

// A process's own CPU time: its threads' and what the threads already
// freed left behind. The caller keeps the thread list still: it holds the
// table lock or the signal lock (Thread::next_in_process), or the process
// is a zombie (its list no longer changes).
inline CpuTicks process_cpu_ticks(const Process& p) {
    CpuTicks sum = p.freed_threads_ticks;
    for (const Thread* t = p.thread; t; t = t->next_in_process) {
        CpuTicks ticks = thread_cpu_ticks(*t);
        sum.user += ticks.user;
        sum.system += ticks.system;
    }
    return sum;
}

// Pages resident in its address space: the frames it owns and the
// borrowed (boot archive) pages it maps, as Linux's RSS counts file pages
// too. Read
// without a lock, like ps: a snapshot.
inline uint64_t resident_pages(const Process& p) {
    Process::MemoryCounts counts = p.memory_counts();
    return counts.user_frames + counts.borrowed_pages;
}

}  // namespace nyanos::proc
