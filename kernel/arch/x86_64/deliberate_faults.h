// Kernel-mode exceptions raised on purpose, so the tests can check the
// fault report (kernel/debug/fault_test.h decides when). Each executes the
// instruction that raises its exception; a kernel fault's report never
// returns, so in practice neither do they. Should one return anyway (the
// exception did not happen), the caller reports that.
#pragma once

#include <stdint.h>

namespace nyanos::arch {

// The lowest address above the lower canonical half: any access faults.
inline constexpr uint64_t kNonCanonicalAddress = 0x8000000000000000ull;

void raise_invalid_opcode();      // ud2: #UD
void raise_general_protection();  // a read of kNonCanonicalAddress: #GP
void raise_divide_error();        // div by zero: #DE
void raise_breakpoint();          // int3: #BP

// Moves RSP to `stack_top` (16-byte aligned, the top of a mapped stack) and
// calls `fn` there. The old stack is abandoned for good: if fn returns, a
// ud2 follows.
[[noreturn]] void call_on_stack(uint64_t stack_top, void (*fn)());

}  // namespace nyanos::arch
