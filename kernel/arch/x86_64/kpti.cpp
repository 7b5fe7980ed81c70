#include "arch/x86_64/kpti.h"

#include <string.h>

#include "arch/x86_64/gdt.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/interrupts.h"
#include "arch/x86_64/io.h"
#include "arch/x86_64/switch_extras.h"

namespace nyanos::arch {

extern "C" void arch_syscall_entry_kpti();

bool g_kpti_enabled = false;
bool g_kpti_pcid_pairs = false;

namespace {
constexpr uint64_t kCr4Pge = 1ull << 7;
constexpr uint32_t kMsrLstar = 0xC0000082;
}  // namespace

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
    InterruptDisabler no_interrupts;
    g_kpti_enabled = true;
    add_switch_extra(kSwitchKpti);
    // This CPU's copies of the paths; the CPUs started later take them in
    // install_cpu_local, and the IDT is shared.
    use_kpti_interrupt_paths();
    wrmsr(kMsrLstar, reinterpret_cast<uint64_t>(&arch_syscall_entry_kpti));
    enable_kpti_on_this_cpu(this_cpu_entry());
}

void enable_kpti_pcid_pairs() {
    g_kpti_pcid_pairs = true;
    // This CPU's entry-area roots were stored before (the kernel's root,
    // PCID 0, which entry_cr3_of leaves flushing): nothing to redo.
}

}  // namespace nyanos::arch
