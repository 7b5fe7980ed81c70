// PCID detection. The portable allocator (pcid.cpp) is host-tested; the
// kernel turns CR4.PCIDE on only when it also tags every CR3 load with it.
// Until the switch path does (see docs/benchmarks.md: a kernel-half unmap
// would also have to reach every PCID, by INVPCID all-contexts or global
// kernel pages), the kernel reports what the CPU offers and keeps PCIDE off,
// which is exactly the behaviour QEMU's TCG (no PCID) gets.
#include "arch/x86_64/io.h"
#include "dev/console.h"
#include "mm/pcid.h"

namespace nyanos::mm {

namespace {
bool g_pcid_enabled = false;
}  // namespace

void init_pcid() {
    bool has_pcid = arch::cpuid(1).ecx & (1u << 17);
    bool has_invpcid = arch::cpuid(0).eax >= 7 && (arch::cpuid(7, 0).ebx & (1u << 10));
    if (!has_pcid) {
        kprintf("pcid: off (the CPU has no PCID)\n");
        return;
    }
    kprintf("pcid: off (the CPU has PCID%s; the switch path does not tag CR3 yet)\n",
            has_invpcid ? " and INVPCID" : "");
}

bool pcid_enabled() {
    return g_pcid_enabled;
}

}  // namespace nyanos::mm
