#include "proc/system_info.h"

#include <string.h>

#include "arch/x86_64/timer.h"
#include "mm/pcid.h"
#include "mm/vmm.h"
#include "proc/scheduler.h"

namespace nyanos::proc {

namespace {
uint64_t g_kernel_entry_tsc = 0;
}  // namespace

void record_kernel_entry_tsc(uint64_t tsc) {
    g_kernel_entry_tsc = tsc;
}

void fill_system_info(nyan_system_info& out) {
    memset(&out, 0, sizeof(out));
    out.tsc_hz = arch::tsc_frequency_hz();
    out.kernel_entry_tsc = g_kernel_entry_tsc;
    out.task_bytes = sizeof(Process) + sizeof(Thread);
    const Thread* thread = current_thread();
    const Process* t = thread->process;
    if (thread->kernel_stack_top)
        out.kernel_stack_bytes =
            mm::kernel_stack_pages(thread->kernel_stack_top) * paging::kPageSize;
    Process::MemoryCounts counts = t->memory_counts();
    out.table_frames = counts.table_frames;
    out.user_frames = counts.user_frames;
    out.shared_pages = counts.borrowed_pages;
    if (mm::pcid_enabled()) out.flags |= NYAN_SYSINFO_PCID;
}

}  // namespace nyanos::proc
