// `unmap_race_test` on the command line: a kernel-half unmap races every
// other CPU reading the page, and no CPU may read it once the unmap has
// returned (the TLB shootdown's promise, kernel/mm/tlb_shootdown.h).
//
// Each round the boot CPU maps a frame holding the round's marker at one
// fixed kernel-half address, waits until every other CPU has read it (so
// each TLB holds the translation), unmaps it, and then says so. Meanwhile
// the other CPUs ("touchers", started by kCallFunctionVector) read the page
// in a loop through a load that may fault (arch/x86_64/probe_read.h). A
// violation is a read that succeeds although it started after the toucher
// saw the unmap returned, or that finds another round's marker (the address
// is reused with the other of two frames, so a translation left over from
// the previous round would show that round's marker). After its first
// faulting read, or the first read after the unmap returned, a toucher makes
// a fixed number of further reads, each of which must fault.
//
// Tooling above every layer it exercises: arch gives the IPI vector and the
// probing load, mm the mapping, and nothing but this file knows the test.
#pragma once

namespace nyanos::debug {

// Does nothing without `unmap_race_test`. Otherwise runs the rounds and
// prints, per other CPU, `unmap_race_test: cpu N reads=R faults=F
// violations=V old_marker=M`, then `unmap_race_test: rounds=R reads=N
// faults=F violations=V cpus=C` (sums over the touchers; C counts every
// online CPU) and `unmap_race_test: ok` when there was no violation and
// every other CPU read the page in every round, else `unmap_race_test:
// FAILED <why>`. Returns either way; boot goes on.
//
// Call on the boot CPU with interrupts on and no lock held (each unmap waits
// for the other CPUs), after the APs have joined the scheduler and before
// anything else is runnable: the touchers run inside an interrupt on the
// other CPUs' idle threads, which nothing may want to switch away from.
void run_unmap_race_test_if_requested();

}  // namespace nyanos::debug
