#include "arch/x86_64/kpti.h"

#include <string.h>

#include "arch/x86_64/gdt.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/io.h"

namespace nyanos::arch {

namespace {
// Written once on the boot CPU before any other CPU starts.
bool g_kpti_enabled = false;
constexpr uint64_t kCr4Pge = 1ull << 7;
}  // namespace

bool kpti_enabled() {
    return g_kpti_enabled;
}

void enable_kpti_on_this_cpu(CpuEntryArea& area) {
    uint64_t top = this_cpu_entry_stack_top();
    area.entry_stack_top = top;
    // TSS.RSP0 stays at the entry stack from now on; the scheduler's
    // set_kernel_stack writes into the sink, and the thread's stack top
    // reaches the entry paths through kernel_rsp as before.
    memcpy(area.tss_rsp0, &top, sizeof(top));
    area.tss_rsp0 = &area.rsp0_sink;
    area.kernel_cr3 = read_cr3();
    area.user_cr3 = 0;
    // No global translation may outlive a switch to a user root. Clearing
    // PGE also flushes every global entry now.
    write_cr4(read_cr4() & ~kCr4Pge);
    area.kpti = 1;
}

void enable_kpti() {
    g_kpti_enabled = true;
    enable_kpti_on_this_cpu(this_cpu_entry());
}

}  // namespace nyanos::arch
