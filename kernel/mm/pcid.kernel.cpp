// PCIDs on the CPU: detection, CR4.PCIDE, tagged CR3 loads and the
// invalidations that keep them correct. The bookkeeping (which PCID may hold
// stale translations) is the portable PcidAllocator, host-tested in
// test/host/pcid_test.cpp.
//
// Correctness argument, in short:
//  - a PCID is loaded without flushing only while the allocator says its
//    cached translations belong to the space that holds it: a new PCID has
//    none, a reused one (its previous space destroyed) or one whose tables
//    changed while not live is flushed by its next load;
//  - changes to the live space's user half use invlpg, which acts on the
//    current PCID;
//  - kernel-half changes go through invalidate_kernel_page(): INVPCID type 2
//    drops them (and cached paging-structure entries) from every PCID.
// QEMU's TCG offers no PCID, so under QEMU this file only detects and
// reports; the paths above run on hardware that has PCID and INVPCID.
#include <string.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/io.h"
#include "boot_info.h"
#include "dev/console.h"
#include "lib/panic.h"
#include "mm/pcid.h"

namespace nyanos::mm {

namespace {
bool g_pcid_enabled = false;
constinit PcidAllocator g_pcids;  // ~20 KiB of bookkeeping, static

constexpr uint64_t kCr4Pcide = 1ull << 17;

// INVPCID type 2: every translation of every PCID, global ones included.
void invpcid_all_contexts() {
    struct {
        uint64_t pcid;
        uint64_t address;
    } descriptor = {0, 0};
    asm volatile("invpcid %0, %1" : : "m"(descriptor), "r"(uint64_t(2)) : "memory");
}
}  // namespace

void init_pcid() {
    bool has_pcid = arch::cpuid(1).ecx & (1u << 17);
    bool has_invpcid = arch::cpuid(0).eax >= 7 && (arch::cpuid(7, 0).ebx & (1u << 10));
    char value[8];
    if (!has_pcid) {
        kprintf("pcid: off (the CPU has no PCID)\n");
        return;
    }
    if (!has_invpcid) {
        kprintf("pcid: off (the CPU has PCID but no INVPCID)\n");
        return;
    }
    if (cmdline_value("pcid", value, sizeof(value)) && strcmp(value, "off") == 0) {
        kprintf("pcid: off (pcid=off on the command line)\n");
        return;
    }
    // CR4.PCIDE may only be set while CR3's PCID bits are 0: the kernel root is live.
    VERIFY((arch::read_cr3() & 0xfff) == 0);
    arch::write_cr4(arch::read_cr4() | kCr4Pcide);
    g_pcid_enabled = true;
    kprintf("pcid: on (%u PCIDs for address spaces)\n", unsigned(kPcidCount - 1));
}

void init_pcid_on_this_cpu() {
    if (!g_pcid_enabled) return;
    VERIFY((arch::read_cr3() & 0xfff) == 0);
    arch::write_cr4(arch::read_cr4() | kCr4Pcide);
}

bool pcid_enabled() {
    return g_pcid_enabled;
}

uint16_t acquire_pcid() {
    if (!g_pcid_enabled) return kKernelPcid;
    return g_pcids.allocate().pcid;
}

void release_pcid(uint16_t pcid) {
    if (g_pcid_enabled) g_pcids.release(pcid);
}

void invalidate_pcid(uint16_t pcid) {
    if (g_pcid_enabled) g_pcids.invalidate(pcid);
}

void load_cr3(uint64_t cr3) {
    arch::write_cr3(g_pcid_enabled ? g_pcids.prepare_load(cr3) : cr3);
}

void invalidate_kernel_page(uint64_t va) {
    arch::invlpg(va);
    if (g_pcid_enabled) invpcid_all_contexts();
}

}  // namespace nyanos::mm
