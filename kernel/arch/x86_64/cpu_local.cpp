#include "arch/x86_64/cpu_local.h"

#include "arch/x86_64/entry_data.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/io.h"
#include "arch/x86_64/kpti.h"

extern "C" void arch_syscall_entry();
extern "C" void arch_syscall_entry_kpti();

namespace nyanos::arch {

namespace {
NYANOS_ENTRY_DATA constinit CpuEntryArea g_entry_areas[kMaxCpus]{};

constexpr uint32_t kMsrEfer = 0xC0000080, kMsrStar = 0xC0000081, kMsrLstar = 0xC0000082,
                   kMsrFmask = 0xC0000084, kMsrFsBase = 0xC0000100, kMsrGsBase = 0xC0000101,
                   kMsrKernelGsBase = 0xC0000102;
constexpr uint64_t kEferSyscallEnable = 1;
// Cleared on `syscall`: IF (the entry runs with interrupts off until it is on
// its own stack), TF, DF, AC (so a user-set AC cannot open SMAP in the
// kernel) and NT.
constexpr uint64_t kSyscallFlagMask = 0x200 | 0x100 | 0x400 | 0x40000 | 0x4000;
}  // namespace

CpuEntryArea& boot_cpu_entry() {
    return g_entry_areas[0];
}

CpuEntryArea& entry_area_slot(unsigned index) {
    return g_entry_areas[index];
}

void install_cpu_local(CpuEntryArea& area) {
    area.self = &area;
    area.tss_rsp0 = this_cpu_tss_rsp0();
    wrmsr(kMsrGsBase, reinterpret_cast<uint64_t>(&area));
    wrmsr(kMsrKernelGsBase, 0);
    wrmsr(kMsrFsBase, 0);
    wrmsr(kMsrStar, kStarValue);
    // The system-call path of the copy in use (page-table isolation or not,
    // syscall_entry.S).
    wrmsr(kMsrLstar, reinterpret_cast<uint64_t>(kpti_enabled() ? &arch_syscall_entry_kpti
                                                               : &arch_syscall_entry));
    wrmsr(kMsrFmask, kSyscallFlagMask);
    wrmsr(kMsrEfer, rdmsr(kMsrEfer) | kEferSyscallEnable);
    if (kpti_enabled()) enable_kpti_on_this_cpu(area);
}

}  // namespace nyanos::arch
