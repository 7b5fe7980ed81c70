// `fault_test=pagefault|ud|gp|de|bp|kstack` on the command line: the kernel
// faults on purpose in kernel mode, so the tests can check the fault report
// (`kstack`: a kernel stack overflowing into its guard page, reported as a
// double fault on the IST stack). Tooling above every layer it exercises:
// arch only provides the faulting instructions.
#pragma once

namespace nyanos::debug {

// Does nothing without `fault_test=`; an unknown value is reported and
// ignored. Otherwise it does not return (the report ends the kernel), and
// panics if the fault did not happen. Call after the memory manager and
// the timer are up (the kstack test allocates a kernel stack).
void run_fault_test_if_requested();

}  // namespace nyanos::debug
