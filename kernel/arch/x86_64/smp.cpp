// Starting the application processors: the start-up code below 1 MiB, the
// bring-up page tables, INIT-SIPI-SIPI (Intel SDM vol. 3, 8.4.4), and the
// C++ side of each AP's set-up.
#include "arch/x86_64/smp.h"

#include <new>
#include <string.h>

#include "arch/x86_64/ap_trampoline.h"
#include "arch/x86_64/apic.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/io.h"
#include "arch/x86_64/timer.h"
#include "boot_info.h"
#include "lib/acpi_madt.h"
#include "lib/console.h"
#include "lib/panic.h"
#include "mm/kpti.h"
#include "mm/low_memory.h"
#include "mm/pcid.h"
#include "mm/physical_memory.h"
#include "mm/vmm.h"

extern "C" {
extern const uint8_t ap_trampoline_start[];
extern const uint8_t ap_trampoline_data[];
extern const uint8_t ap_trampoline_end[];
}

namespace nyanos::arch {

namespace {

using paging::PageTableEntry;
using paging::PhysAddr;

static_assert(acpi::kMadtMaxCpus == kMaxCpus);

constexpr uint32_t kMsrEfer = 0xc0000080;
constexpr uint32_t kMsrGsBase = 0xc0000101;
constexpr uint32_t kEferLongModeEnable = 1u << 8;
constexpr uint32_t kEferNxe = 1u << 11;

// The SDM's sequence: INIT, 10 ms, STARTUP, 200 us, and a second STARTUP
// if the AP has not shown up yet. Then the AP gets kOnlineTimeoutUs of TSC
// time to finish its set-up. Hardware needs well under a millisecond; the
// bound is for emulators on a busy host (under QEMU's TCG an AP's first
// instructions wait for a host thread and their translation: 2 to 25 ms
// measured on 2 shared cores), and it only costs time when a CPU really
// does not start.
constexpr uint64_t kInitDelayUs = 10'000;
constexpr uint64_t kStartupDelayUs = 200;
constexpr uint64_t kOnlineTimeoutUs = 1'000'000;

// How far an AP has come, written by the AP (release), read by the boot CPU
// (acquire).
enum ApState : uint32_t {
    kNotStarted = 0,
    kEntered = 1,  // in ap_entry on its kernel stack: the start-up frame is free again
    kOnline = 2,   // set up; about to run the idle hook
};

// The state that must be the same on every CPU once it is set up.
// XCR0 too: every CPU restores every thread's FPU area with the same
// components, and the area (sized on the boot CPU) must hold what this
// CPU's xsave writes.
struct ControlRegisters {
    uint64_t cr0 = 0, cr4 = 0, efer = 0, xcr0 = 0;
    uint32_t xsave_size = 0;  // CPUID.(0xD,0).EBX with XSAVE on
    bool operator==(const ControlRegisters&) const = default;
};

ControlRegisters read_control_registers() {
    uint64_t xcr0 = read_xcr0();
    return ControlRegisters{read_cr0(), read_cr4(), rdmsr(kMsrEfer), xcr0,
                            xcr0 ? cpuid(0xd, 0).ebx : 0};
}

// What the boot CPU prepares for one AP; ap_entry's argument. Kept after a
// failed start, so the next attempt at the same index reuses the memory.
struct ApBoot {
    unsigned index = 0;
    CpuEntryArea* area = nullptr;
    uint8_t* tss_stacks = nullptr;  // kCpuTssStacksBytes, HHDM
    uint64_t stack_top = 0;         // from mm::allocate_kernel_stack
    uint32_t state = kNotStarted;
    ControlRegisters registers;  // as the AP left them, for the boot CPU to compare
};

ApBoot g_boot[kMaxCpus];  // [0] unused: the boot CPU needs none of it
CpuEntryArea* g_areas[kMaxCpus];
unsigned g_cpu_count = 1;
ApIdleHook g_idle_hook = nullptr;

// The start-up code and the bring-up page tables, all below 1 MiB: the code
// must be (a STARTUP IPI names a real-mode page) and the PML4 must be below
// 4 GiB (CR3 is loaded in 32-bit mode).
struct StartupFrames {
    PhysAddr code = 0;
    PhysAddr pml4 = 0;
    PhysAddr pdpt = 0;
    PhysAddr pd = 0;
    PhysAddr pt = 0;
};

uint8_t* data_block(const StartupFrames& frames) {
    return phys_to_virt<uint8_t>(frames.code) + (ap_trampoline_data - ap_trampoline_start);
}

void put32(uint8_t* p, uint32_t v) {
    memcpy(p, &v, sizeof(v));
}
void put64(uint8_t* p, uint64_t v) {
    memcpy(p, &v, sizeof(v));
}
void add32(uint8_t* p, uint32_t v) {
    uint32_t old;
    memcpy(&old, p, sizeof(old));
    put32(p, old + v);
}

[[noreturn]] void ap_entry(ApBoot* boot);

// Picks the frames, builds the bring-up tables and copies the start-up code
// with everything but the per-AP fields of its data block filled in.
// False if there are not enough free frames below 1 MiB.
bool prepare_startup(StartupFrames& frames) {
    const boot::BootInfo& info = boot_info();
    PhysAddr picked[5];
    if (mm::find_low_frames(info.memory_map, info.memory_region_count, picked, 5) != 5)
        return false;
    frames = StartupFrames{picked[0], picked[1], picked[2], picked[3], picked[4]};

    // The bring-up PML4: the kernel half exactly as every address space has
    // it (entries 256..511 never change after init_vmm()), and an identity
    // map of the start-up frame alone, read-only and executable, through
    // tables of its own. The AP leaves it for the kernel's root in ap_entry.
    for (PhysAddr table : {frames.pml4, frames.pdpt, frames.pd, frames.pt})
        memset(phys_to_virt(table), 0, paging::kPageSize);
    auto* pml4 = phys_to_virt<PageTableEntry>(frames.pml4);
    const auto* kernel_pml4 = phys_to_virt<PageTableEntry>(mm::kernel_root());
    for (unsigned i = paging::kFirstKernelPml4Index; i < paging::kEntriesPerTable; ++i)
        pml4[i] = kernel_pml4[i];
    PhysAddr code = frames.code;
    pml4[paging::pml4_index(code)] = PageTableEntry::table(frames.pdpt, false);
    phys_to_virt<PageTableEntry>(frames.pdpt)[paging::pdpt_index(code)] =
        PageTableEntry::table(frames.pd, false);
    phys_to_virt<PageTableEntry>(frames.pd)[paging::pd_index(code)] =
        PageTableEntry::table(frames.pt, false);
    phys_to_virt<PageTableEntry>(frames.pt)[paging::pt_index(code)] =
        PageTableEntry::leaf(code, paging::PageFlags{.executable = true}, paging::PageSize::k4K);

    size_t size = size_t(ap_trampoline_end - ap_trampoline_start);
    VERIFY(size <= paging::kPageSize);
    memcpy(phys_to_virt(code), ap_trampoline_start, size);
    uint8_t* data = data_block(frames);
    // The assembled addresses are offsets in the frame: make them physical.
    add32(data + AP_DATA_GDTR + 2, uint32_t(code));
    add32(data + AP_DATA_FAR32, uint32_t(code));
    add32(data + AP_DATA_FAR64, uint32_t(code));
    put32(data + AP_DATA_CR3, uint32_t(frames.pml4));
    put32(data + AP_DATA_EFER, kEferLongModeEnable | (cpu_has_nx() ? kEferNxe : 0));
    put64(data + AP_DATA_ENTRY, reinterpret_cast<uint64_t>(&ap_entry));
    return true;
}

// The memory CPU `index` needs, allocated once and kept.
bool allocate_ap_memory(unsigned index, ApBoot& boot) {
    boot.area = &entry_area_slot(index);
    if (!boot.tss_stacks) {
        auto run = mm::physical_memory().allocate_contiguous(kCpuTssStacksBytes / mm::kFrameSize,
                                                             mm::FrameUse::kGeneral);
        if (run.ok()) {
            boot.tss_stacks = phys_to_virt<uint8_t>(run.value());
            // The CPU pushes frames there under a user root too.
            mm::kpti_add_cpu_stacks(boot.tss_stacks, kCpuTssStacksBytes);
        }
    }
    if (!boot.stack_top) {
        // One page is plenty: ap_entry's calls are shallow and print nothing.
        auto top = mm::allocate_kernel_stack(1);
        if (top.ok()) boot.stack_top = top.value();
    }
    return boot.area && boot.tss_stacks && boot.stack_top;
}

uint32_t state_of(const ApBoot& boot) {
    return __atomic_load_n(&boot.state, __ATOMIC_ACQUIRE);
}

// Waits up to `us` microseconds for `boot` to reach `state`.
bool wait_for(const ApBoot& boot, uint32_t state, uint64_t us) {
    uint64_t start = rdtsc();
    uint64_t limit = tsc_frequency_hz() / 1'000'000 * us;
    while (state_of(boot) < state) {
        if (rdtsc() - start > limit) return false;
        asm volatile("pause");
    }
    return true;
}

// Starts the AP with `apic_id` as CPU g_cpu_count. False if it did not come
// online in time (it is parked again with INIT).
bool start_ap(const StartupFrames& frames, uint32_t apic_id) {
    unsigned index = g_cpu_count;
    ApBoot& boot = g_boot[index];
    boot.index = index;
    *boot.area = CpuEntryArea{};
    boot.area->index = index;
    boot.area->apic_id = apic_id;
    boot.state = kNotStarted;
    uint8_t* data = data_block(frames);
    put64(data + AP_DATA_STACK, boot.stack_top);
    put64(data + AP_DATA_ARGUMENT, reinterpret_cast<uint64_t>(&boot));

    uint8_t page = uint8_t(frames.code >> 12);
    bool sent = apic::send_init_ipi(apic_id);
    delay_us(kInitDelayUs);
    sent = sent && apic::send_startup_ipi(apic_id, page);
    delay_us(kStartupDelayUs);
    if (sent && state_of(boot) == kNotStarted) sent = apic::send_startup_ipi(apic_id, page);
    if (!sent || !wait_for(boot, kOnline, kOnlineTimeoutUs)) {
        // Back to wait-for-SIPI, so it cannot run on into the start-up frame
        // or the stacks once they are handed to the next AP.
        apic::send_init_ipi(apic_id);
        return false;
    }
    g_areas[index] = boot.area;
    ++g_cpu_count;
    return true;
}

// The AP's first C++ code, on its kernel stack and still on the bring-up
// page tables; interrupts off.
[[noreturn]] void ap_entry(ApBoot* boot) {
    __atomic_store_n(&boot->state, kEntered, __ATOMIC_RELEASE);
    // GDT, TSS, IDT and control registers first, while the bring-up tables
    // still map the start-up frame that holds the GDT the AP arrived with.
    init_ap_cpu(boot->index, boot->tss_stacks);
    write_cr3(mm::kernel_root());
    mm::init_pcid_this_cpu();
    apic::init_application_processor();
    install_cpu_local(*boot->area);
    start_timer_on_this_cpu();
    boot->registers = read_control_registers();
    ApIdleHook hook = __atomic_load_n(&g_idle_hook, __ATOMIC_ACQUIRE);
    __atomic_store_n(&boot->state, kOnline, __ATOMIC_RELEASE);
    if (hook) hook(boot->index);
    halt_forever();
}

}  // namespace

void start_application_processors(const acpi::MadtInfo* madt_or_null) {
    InterruptDisabler no_interrupts;
    // The boot CPU's area is the one the scheduler installed in GS.
    VERIFY(rdmsr(kMsrGsBase) != 0);
    CpuEntryArea& self = this_cpu_entry();
    self.index = 0;
    self.apic_id = apic::id();
    g_areas[0] = &self;

    if (cmdline_has("nosmp")) return;
    if (!madt_or_null) return;
    const acpi::MadtInfo& madt = *madt_or_null;
    unsigned others = 0;
    bool self_listed = false;
    for (unsigned i = 0; i < madt.cpu_count; ++i) {
        if (!madt.cpus[i].enabled) continue;
        if (madt.cpus[i].apic_id == self.apic_id)
            self_listed = true;
        else
            ++others;
    }
    if (madt.cpus_skipped)
        kprintf("smp: %u more cpus than the %u supported, not started\n", madt.cpus_skipped,
                kMaxCpus);
    if (others == 0) return;
    if (!self_listed) {
        // Then the ids cannot be trusted: one of them might be ours, and an
        // INIT sent to ourselves would reset the boot CPU.
        kprintf("smp: the MADT does not list the boot cpu (apic id %u); one cpu\n", self.apic_id);
        return;
    }

    const ControlRegisters mine = read_control_registers();
    StartupFrames frames;
    if (!prepare_startup(frames)) {
        kprintf("smp: no 5 free frames below 1 MiB for the start-up code; one cpu\n");
        return;
    }
    for (unsigned i = 0; i < madt.cpu_count; ++i) {
        const acpi::MadtCpu& cpu = madt.cpus[i];
        if (!cpu.enabled || cpu.apic_id == self.apic_id) continue;
        if (g_cpu_count == kMaxCpus) {
            kprintf("smp: cpu %u not started: %u cpus is the most supported\n", cpu.apic_id,
                    kMaxCpus);
            continue;
        }
        if (!allocate_ap_memory(g_cpu_count, g_boot[g_cpu_count])) {
            kprintf("smp: cpu %u not started: out of memory\n", cpu.apic_id);
            break;
        }
        if (!start_ap(frames, cpu.apic_id)) {
            kprintf("smp: cpu %u did not start\n", cpu.apic_id);
            continue;
        }
        // init_ap_cpu() promises the boot CPU's settings: check that it kept
        // the promise (a difference is a kernel bug, reported, not fatal).
        const ControlRegisters& theirs = g_boot[g_cpu_count - 1].registers;
        if (!(theirs == mine)) {
            kprintf(
                "smp: cpu %u set up unlike the boot cpu: cr0=%lx cr4=%lx efer=%lx xcr0=%lx "
                "xsave=%u (boot cpu: %lx %lx %lx %lx %u)\n",
                cpu.apic_id, theirs.cr0, theirs.cr4, theirs.efer, theirs.xcr0, theirs.xsave_size,
                mine.cr0, mine.cr4, mine.efer, mine.xcr0, mine.xsave_size);
            // Not this one: the CPU's xsave would write past every area.
            if (theirs.xsave_size > mine.xsave_size)
                panic("smp: cpu %u saves %u bytes of FPU state, more than the %u-byte areas",
                      cpu.apic_id, theirs.xsave_size, mine.xsave_size);
        }
    }
    if (g_cpu_count > 1) kprintf("smp: %u cpus online\n", g_cpu_count);
}

unsigned cpu_count() {
    return g_cpu_count;
}

CpuEntryArea* cpu_entry_area(unsigned index) {
    return index < g_cpu_count ? g_areas[index] : nullptr;
}

void set_ap_idle_hook(ApIdleHook hook) {
    __atomic_store_n(&g_idle_hook, hook, __ATOMIC_RELEASE);
}

}  // namespace nyanos::arch
