#include "arch/x86_64/cpu_local.h"

#include "arch/x86_64/gdt.h"
#include "arch/x86_64/io.h"

namespace nyanos::arch {

namespace {
constexpr uint32_t kMsrEfer = 0xC0000080, kMsrStar = 0xC0000081, kMsrLstar = 0xC0000082,
                   kMsrFmask = 0xC0000084, kMsrGsBase = 0xC0000101, kMsrKernelGsBase = 0xC0000102;
constexpr uint64_t kEferSyscallEnable = 1;
// Cleared on `syscall`: IF (the entry runs with interrupts off until it is on
// its own stack), TF, DF, AC (so a user-set AC cannot open SMAP in the
// kernel) and NT.
constexpr uint64_t kSyscallFlagMask = 0x200 | 0x100 | 0x400 | 0x40000 | 0x4000;
}  // namespace

void install_cpu_local(CpuEntryArea& area, void (*syscall_entry)()) {
    area.self = &area;
    wrmsr(kMsrGsBase, reinterpret_cast<uint64_t>(&area));
    wrmsr(kMsrKernelGsBase, 0);
    wrmsr(kMsrStar, kStarValue);
    wrmsr(kMsrLstar, reinterpret_cast<uint64_t>(syscall_entry));
    wrmsr(kMsrFmask, kSyscallFlagMask);
    wrmsr(kMsrEfer, rdmsr(kMsrEfer) | kEferSyscallEnable);
}

}  // namespace nyanos::arch
