// PCIDs on the CPU: detection, CR4.PCIDE, tagged CR3 loads and the
// invalidations that keep them correct. The bookkeeping (which PCID may hold
// stale translations on which CPU) is the portable PcidAllocator, host-tested
// in test/host/pcid_test.cpp.
//
// Correctness argument, in short:
//  - a CPU loads a PCID without flushing only while the allocator says that
//    CPU's cached translations for it belong to the space that holds it and
//    are current: a new PCID has none anywhere; a reused one (its previous
//    space destroyed), or one whose tables changed while this CPU did not
//    have it live, is flushed by this CPU's next load of it;
//  - changes to a space live on this CPU use invlpg, which acts on the
//    current PCID of this CPU only, and make every other CPU flush at its
//    next load (invalidate_pcid_on_other_cpus: AddressSpace's TableEnv);
//  - kernel-half changes go through invalidate_kernel_page(): INVPCID type 2
//    drops them (and cached paging-structure entries) from every PCID, on
//    this CPU;
//  - a CPU that has the changed space live (or any CPU, for a kernel-half
//    change) must be reached by a TLB shootdown, which is not here: its
//    handler calls mark_pcid_flushed() once it has invalidated.
// With page-table isolation on, PCIDs come in pairs (pcid.h): each of the
// points above flushes the user PCID of the pair too, on the same CPU, by
// INVPCID (the CPU is on the kernel root whenever the kernel invalidates):
// a flushing load by single-context INVPCID of the user PCID
// (user_pcid_to_flush), an invlpg of a live space's page by an
// individual-address INVPCID of it (invalidate_user_page), a shootdown
// handler's CR3 reload by single-context INVPCID (flush_user_pcid_here). The
// entry and exit paths then switch between the pair with the no-flush bit.
// QEMU's TCG offers no PCID (QEMU 7.2 drops `+pcid` and `+invpcid` from any
// -cpu model), so under QEMU this file only detects and reports; the paths
// above run on hardware that has PCID and INVPCID.
#include <string.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/cpu_local.h"
#include "arch/x86_64/io.h"
#include "arch/x86_64/kpti.h"
#include "arch/x86_64/smp.h"
#include "arch/x86_64/switch_extras.h"
#include "boot_info.h"
#include "lib/console.h"
#include "lib/panic.h"
#include "mm/pcid.h"

namespace nyanos::mm {

namespace detail {
bool g_pcid_enabled = false;
uint64_t g_loaded_roots[kPcidMaxCpus] = {};
}  // namespace detail
namespace {
// PCID pairs (page-table isolation with PCIDs): written once by init_pcid()
// before any other CPU runs or any process exists.
bool g_pcid_pairs = false;
}  // namespace

namespace {
using detail::g_loaded_roots;
using detail::g_pcid_enabled;
using detail::kRootMask;
static_assert(arch::kMaxCpus <= kPcidMaxCpus);
// ~52 KiB of bookkeeping, static: 32 KiB of it the per-PCID CPU sets.
constinit PcidAllocator g_pcids;

constexpr uint64_t kCr4Pcide = 1ull << 17;

// INVPCID type 2: every translation of every PCID, global ones included, in
// this CPU's TLB (INVPCID never reaches other CPUs).
void invpcid_all_contexts() {
    struct {
        uint64_t pcid;
        uint64_t address;
    } descriptor = {0, 0};
    asm volatile("invpcid %0, %1" : : "m"(descriptor), "r"(uint64_t(2)) : "memory");
}

// INVPCID type 1: every translation of one PCID (global ones excepted) and
// its paging-structure cache entries, in this CPU's TLB.
void invpcid_single_context(uint16_t pcid) {
    struct {
        uint64_t pcid;
        uint64_t address;
    } descriptor = {pcid, 0};
    asm volatile("invpcid %0, %1" : : "m"(descriptor), "r"(uint64_t(1)) : "memory");
}

// INVPCID type 0: one page's translation under one PCID and, as invlpg does
// for the current PCID, that PCID's paging-structure cache entries (Intel
// SDM vol. 3, 4.10.4.1), in this CPU's TLB.
void invpcid_address(uint16_t pcid, uint64_t va) {
    struct {
        uint64_t pcid;
        uint64_t address;
    } descriptor = {pcid, va};
    asm volatile("invpcid %0, %1" : : "m"(descriptor), "r"(uint64_t(0)) : "memory");
}

bool cpu_has_pcid() {
    return arch::cpuid(1).ecx & (1u << 17);
}
bool cpu_has_invpcid() {
    return arch::cpuid(0).eax >= 7 && (arch::cpuid(7, 0).ebx & (1u << 10));
}

// CR4.PCIDE may only be set while CR3's PCID bits are 0 (else #GP): the
// kernel's root, PCID 0, must be live.
void set_cr4_pcide() {
    VERIFY((arch::read_cr3() & 0xfff) == 0);
    arch::write_cr4(arch::read_cr4() | kCr4Pcide);
}
}  // namespace

void init_pcid() {
    bool has_pcid = cpu_has_pcid();
    bool has_invpcid = cpu_has_invpcid();
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
    if (arch::kpti_enabled()) {
        // A pair per space: the kernel root's PCID and the user root's
        // (bit 11 set), so that entry and exit switch roots without a
        // flush. No process exists yet, so nothing was allocated.
        g_pcids.use_pairs();
        g_pcid_pairs = true;
    }
    set_cr4_pcide();
    g_pcid_enabled = true;
    arch::add_switch_extra(arch::kSwitchPcid);
    // From here on the entry and exit paths may set the no-flush bit.
    if (g_pcid_pairs) {
        arch::enable_kpti_pcid_pairs();
        kprintf(
            "pcid: on (pairs for page-table isolation: %u PCIDs for address spaces, "
            "each with a user PCID)\n",
            unsigned(kPairPcidLimit - 1));
    } else {
        kprintf("pcid: on (%u PCIDs for address spaces)\n", unsigned(kPcidCount - 1));
    }
}

void init_pcid_this_cpu() {
    if (!g_pcid_enabled) return;
    // The boot CPU's decision holds for every CPU: a CPU without PCID or
    // INVPCID among ones that have them is a machine the kernel cannot run.
    if (!cpu_has_pcid() || !cpu_has_invpcid())
        panic("pcid: cpu %u lacks PCID or INVPCID, which the boot CPU has", arch::this_cpu_index());
    set_cr4_pcide();
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

void invalidate_pcid_on_other_cpus(uint16_t pcid) {
    if (g_pcid_enabled) g_pcids.invalidate_other_cpus(arch::this_cpu_index(), pcid);
}

void flush_user_pcid_here(uint16_t pcid) {
    if (g_pcid_pairs && pcid != kKernelPcid) invpcid_single_context(user_pcid_of(pcid));
}

void invalidate_user_page(uint64_t va) {
    arch::invlpg(va);
    if (!g_pcid_pairs) return;
    // invlpg acts on the live PCID, the kernel root's (the kernel runs on
    // it whenever it changes tables); the user root's caches the page too.
    auto pcid = uint16_t(arch::read_cr3() & (kPcidCount - 1));
    if (pcid != kKernelPcid) invpcid_address(user_pcid_of(pcid), va);
}

void flush_every_pcid_here() {
    if (g_pcid_enabled) invpcid_all_contexts();
}

void mark_pcid_flushed(uint16_t pcid) {
    if (g_pcid_enabled) g_pcids.mark_flushed(arch::this_cpu_index(), pcid);
}

void load_cr3_tagged(uint64_t cr3) {
    unsigned cpu = arch::this_cpu_index();
    // Published before the load, as in load_cr3.
    __atomic_store_n(&g_loaded_roots[cpu], cr3 & kRootMask, __ATOMIC_RELEASE);
    uint64_t loaded = g_pcids.prepare_load(cpu, cr3);
    arch::write_cr3(loaded);
    // A flushing load of a pair's kernel PCID: the user PCID may be as
    // stale here, and the exit path will load it without flushing.
    if (g_pcid_pairs)
        if (uint16_t user = g_pcids.user_pcid_to_flush(loaded)) invpcid_single_context(user);
}

bool root_live_on_any_cpu(uint64_t root) {
    if ((arch::read_cr3() & kRootMask) == root) return true;
    // Only CPUs that have started ever load a root (the others' slots stay
    // 0), and every AP is counted before the first process exists
    // (start_application_processors), so the count bounds the scan.
    for (unsigned cpu = 0; cpu < arch::cpu_count(); ++cpu)
        if (__atomic_load_n(&g_loaded_roots[cpu], __ATOMIC_ACQUIRE) == root) return true;
    return false;
}

uint64_t cpus_with_root_live_elsewhere(uint64_t root) {
    // The page-table writes before this, then the reads: a CPU that
    // publishes the root after our read loads CR3 after our writes.
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    unsigned self = arch::this_cpu_index();
    uint64_t cpus = 0;
    for (unsigned cpu = 0; cpu < arch::cpu_count(); ++cpu)
        if (cpu != self && __atomic_load_n(&g_loaded_roots[cpu], __ATOMIC_ACQUIRE) == root)
            cpus |= uint64_t(1) << cpu;
    return cpus;
}

void invalidate_kernel_page(uint64_t va) {
    // Both act on this CPU only. Other CPUs may cache the page too (kernel
    // pages are global, and any PCID may hold it): until a shootdown has
    // reached them, neither the address nor the frame it mapped may be
    // reused.
    arch::invlpg(va);
    if (g_pcid_enabled) invpcid_all_contexts();
}

}  // namespace nyanos::mm
