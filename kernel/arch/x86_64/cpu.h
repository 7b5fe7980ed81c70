// CPU set-up and the features other layers ask about.
#pragma once

#include <stdint.h>

#include "lib/cpu_vulnerabilities.h"

namespace nyanos::arch {

// Loads the GDT, the TSS (with IST stacks) and the IDT, remaps and masks the
// legacy PICs, and turns on the protection features: EFER.NXE, CR0.WP, and
// SMEP, SMAP and UMIP when CPUID reports them; also SSE state (CR4.OSFXSR,
// OSXMMEXCPT) for user programs, and XSAVE (CR4.OSXSAVE, XCR0 as
// choose_xcr0() in cpu_features.h decides) where the CPU has it; keeps
// CR4.FSGSBASE off. Call once, early, with interrupts off. Prints two `cpu:`
// lines naming what it enabled.
void init_cpu();

// What this CPU reports about its speculative execution (vendor, family,
// model, the CPUID bits and IA32_ARCH_CAPABILITIES), for
// lib/cpu_vulnerabilities.h.
CpuSpeculationFacts read_speculation_facts();

// Sets up an application processor the way init_cpu() set up the boot CPU:
// its own GDT and TSS (CPU `index`, the TSS stacks in `tss_stacks`, as
// init_gdt_for_ap() takes them), the shared IDT, and the same EFER.NXE,
// CR0, CR4, XCR0 and PAT settings (the CPUs are assumed alike: the boot
// CPU's CPUID decides). Run on that processor, in long mode on the kernel's
// page tables, interrupts off, after init_cpu(). Prints nothing.
void init_ap_cpu(unsigned index, uint8_t* tss_stacks);

// What init_cpu() found and enabled.
bool cpu_has_nx();
bool cpu_has_smep();
bool cpu_has_smap();
bool cpu_has_umip();
bool cpu_has_invariant_tsc();
// CPUID.1:ECX[30] and CPUID.(EAX=7,ECX=0):EBX[18]: what the CPU claims; the
// instructions themselves are in arch/x86_64/hw_random.h.
bool cpu_has_rdrand();
bool cpu_has_rdseed();
// MAXPHYADDR: CPUID 0x80000008 EAX[7:0], or 36 when the leaf is missing
// (the architectural default).
unsigned phys_address_bits();

inline uint64_t read_cr0() {
    uint64_t v;
    asm volatile("mov %%cr0, %0" : "=r"(v));
    return v;
}
inline void write_cr0(uint64_t v) {
    asm volatile("mov %0, %%cr0" : : "r"(v) : "memory");
}
inline uint64_t read_cr4() {
    uint64_t v;
    asm volatile("mov %%cr4, %0" : "=r"(v));
    return v;
}
inline void write_cr4(uint64_t v) {
    asm volatile("mov %0, %%cr4" : : "r"(v) : "memory");
}
// XCR0 (the enabled XSAVE components), or 0 when CR4.OSXSAVE is off and
// xgetbv would fault.
inline uint64_t read_xcr0() {
    if (!(read_cr4() & (1ull << 18))) return 0;
    uint32_t lo, hi;
    asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return (uint64_t(hi) << 32) | lo;
}
inline uint64_t read_rflags() {
    uint64_t v;
    asm volatile("pushfq; popq %0" : "=r"(v));
    return v;
}

inline constexpr uint64_t kRflagsInterrupt = 1ull << 9;
inline constexpr uint64_t kRflagsAlignmentCheck = 1ull << 18;  // AC: with SMAP, user access allowed

// Brackets kernel code that reads or writes user pages: with SMAP on, any
// such access outside a guard faults. stac in the constructor, clac in the
// destructor; both are no-ops when the CPU has no SMAP. Keep the bracketed
// region small and free of calls that could sleep or switch tasks (AC is
// part of RFLAGS and would travel with the task).
class UserAccessGuard {
public:
    UserAccessGuard() {
        if (cpu_has_smap()) asm volatile("stac" ::: "memory");
    }
    ~UserAccessGuard() {
        if (cpu_has_smap()) asm volatile("clac" ::: "memory");
    }
    UserAccessGuard(const UserAccessGuard&) = delete;
    UserAccessGuard& operator=(const UserAccessGuard&) = delete;
};

// Interrupts off for a scope, restoring the previous state (nests).
class InterruptDisabler {
public:
    InterruptDisabler() : m_were_enabled(read_rflags() & kRflagsInterrupt) {
        asm volatile("cli" ::: "memory");
    }
    ~InterruptDisabler() {
        if (m_were_enabled) asm volatile("sti" ::: "memory");
    }
    InterruptDisabler(const InterruptDisabler&) = delete;
    InterruptDisabler& operator=(const InterruptDisabler&) = delete;

private:
    bool m_were_enabled;
};

}  // namespace nyanos::arch
