// Page-table isolation (KPTI), the CPU side: which roots the entry and exit
// paths switch between, and the per-CPU set-up.
//
// With isolation on, user mode runs on a space's user root (mm/address_space.h),
// whose kernel half maps only the trampoline set (mm/kpti.h builds it):
//   - the entry text (.entry.text: syscall_entry.S and interrupts.S whole);
//   - the entry data (.bss.kpti_entry, entry_data.h): the GDT and TSS of
//     every CPU, the IDT, every CPU's entry area, the boot CPU's TSS stacks;
//   - the other CPUs' TSS stacks (IST stacks and the entry stack).
// Every way into the kernel from user mode switches to the kernel root
// before it touches anything else (the syscall entry right after its
// swapgs; an interrupt or exception from user mode arrives on the CPU's
// entry stack, TSS.RSP0, switches, and copies its frame to the thread's
// kernel stack); every way out loads the user root last (the interrupt exit
// first moves the iret frame to the entry stack). NMI, #MC, #DF and a #DB in
// kernel mode may arrive between a switch and the user-mode instruction:
// they load the kernel root if they find this CPU's user root, and restore
// exactly what they found. kpti.inc holds the assembly.
//
// The paths come in two copies (interrupts.S, syscall_entry.S): the plain
// one, unchanged, and the _kpti one with the switches; enable_kpti points
// the IDT and LSTAR at the latter, so isolation off costs nothing. (Only a
// frame returned through arch_interrupt_return_to tests this CPU's flag.)
// CR4.PGE is cleared so that no global kernel translation survives the
// switch to a user root. Without PCIDs every CR3 write flushes the TLB; with
// them (mm/pcid.h, "PCID pairs") a space's two roots carry a pair of PCIDs
// and the entry-area roots the no-flush bit, so the switches keep both.
#pragma once

#include <stdint.h>

#include "arch/x86_64/cpu_local.h"
#include "mm/pcid.h"

namespace nyanos::arch {

// Turns isolation on for the calling CPU (whose entry area is installed)
// and for every CPU that installs its area from now on. Once, on the boot
// CPU, before the other CPUs start and before any user code runs, with the
// user-root template built (mm::init_kpti does both).
void enable_kpti();

// Written once by enable_kpti(), before the other CPUs start.
extern bool g_kpti_enabled;
inline bool kpti_enabled() {
    return g_kpti_enabled;
}

// Written once by enable_kpti_pcid_pairs(), before the other CPUs start
// and before any process exists: the entry-area roots carry the no-flush
// bit (mm::entry_cr3_of).
extern bool g_kpti_pcid_pairs;
// mm::init_pcid(), when isolation is on and CR4.PCIDE has just been set.
void enable_kpti_pcid_pairs();

// For install_cpu_local: the per-CPU part of enable_kpti() (the flag, the
// entry stack as TSS.RSP0 for good, CR4.PGE off). Interrupts off.
void enable_kpti_on_this_cpu(CpuEntryArea& area);

// The roots this CPU's entry paths load (the current thread's kernel root)
// and its exit paths load last (its user root, 0 for a thread that never
// returns to user mode), as root words (a root and its PCID); with PCID
// pairs they are stored with the no-flush bit. Interrupts off; a store each
// through GS.
inline void set_entry_roots(uint64_t kernel_cr3, uint64_t user_cr3) {
    asm volatile("movq %0, %%gs:56\n\tmovq %1, %%gs:64"
                 :
                 : "r"(mm::entry_cr3_of(kernel_cr3, g_kpti_pcid_pairs)),
                   "r"(mm::entry_cr3_of(user_cr3, g_kpti_pcid_pairs))
                 : "memory");
}
inline void set_entry_kernel_root(uint64_t kernel_cr3) {
    asm volatile("movq %0, %%gs:56"
                 :
                 : "r"(mm::entry_cr3_of(kernel_cr3, g_kpti_pcid_pairs))
                 : "memory");
}

}  // namespace nyanos::arch
