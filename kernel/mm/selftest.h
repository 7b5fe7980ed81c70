// The live self-test of the frame allocator, the kernel page tables and the
// heap, run at boot when the command line has the word `selftest`
// (selftest.kernel.cpp).
#pragma once

namespace nyanos::mm {

// Needs init_physical_memory() and init_vmm() done. Prints
// `selftest: mm ok free_frames=N` when every check passed, else
// `selftest: FAILED <what>` for the first failed check. Returns whether it
// passed. Everything it takes is given back, except the page tables its
// first round creates in the kernel half (kernel tables are never freed),
// which a second round must then not add to.
bool run_live_self_test();

}  // namespace nyanos::mm
