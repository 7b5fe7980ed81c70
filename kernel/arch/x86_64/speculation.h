// Putting the speculation mitigations in force (what to do is decided in
// lib/cpu_vulnerabilities.h): the retpoline thunks (retpoline.S) left as
// retpolines or patched to plain jumps, the VERW and return-buffer patch
// sites (speculation.inc) switched on, IA32_SPEC_CTRL.IBRS for enhanced
// IBRS on every CPU, and IBPB on switches between processes.
#pragma once

#include <stdint.h>

#include "arch/x86_64/io.h"
#include "lib/cpu_vulnerabilities.h"

namespace nyanos::arch {

// Patches the kernel text for `m` and programs the boot CPU. Call once on
// the boot CPU, before the other CPUs start and before the first user
// process (the text is patched while nothing else runs it), with
// interrupts off.
void apply_speculation_mitigations(const SpeculationMitigations& m);

// Programs this application processor as apply_speculation_mitigations()
// programmed the boot CPU (IA32_SPEC_CTRL). Run on the AP, interrupts off.
void apply_speculation_mitigations_on_ap();

// Set by apply_speculation_mitigations(): whether a switch to another
// process's address space issues an IBPB.
extern bool g_ibpb_on_switch;

// Indirect branch prediction barrier: no indirect branch after it is
// predicted from a target trained before it. Only where g_ibpb_on_switch
// says the CPU has it (the MSR write faults otherwise).
inline void predictor_barrier() {
    constexpr uint32_t kMsrPredCmd = 0x49;
    constexpr uint64_t kIbpb = 1;
    wrmsr(kMsrPredCmd, kIbpb);
}

// What the text looks like now, for the boot line: whether the thunk for
// RAX is a retpoline (true) or a plain jump, how many of the compiled
// calls and jumps to a thunk are plain indirect branches now, and how many
// VERW and return-buffer sites are switched on.
struct SpeculationPatchState {
    bool retpolines;
    unsigned call_sites_plain, call_sites;  // compiled calls and jumps to a thunk
    unsigned verw_sites_on, verw_sites;
    unsigned rsb_sites_on, rsb_sites;
};
SpeculationPatchState speculation_patch_state();

}  // namespace nyanos::arch
