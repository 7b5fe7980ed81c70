// The stack switch at the heart of a thread switch (context_switch.S).
#pragma once

#include <stdint.h>

extern "C" void arch_switch_stack(uint64_t* save_rsp, uint64_t next_rsp);
// A new thread's first return address (see arch_thread_first_entry in
// context_switch.S for the stack it expects).
extern "C" void arch_thread_first_entry();

namespace nyanos::arch {

// Saves RSP in *save_rsp and continues on next_rsp, a stack saved by this
// same function (or laid out for arch_thread_first_entry); returns when
// some CPU switches back to the saved one. Interrupts off.
//
// Every register but RBP and RSP is declared clobbered, because the thread
// that runs next may change any of them: the compiler keeps nothing live in
// a register across the call, and saves the callee-saved registers the
// caller uses in the caller's own prologue. RBP is saved here (it may be
// the frame pointer, which cannot be declared clobbered). The kernel never
// uses SSE or x87 registers (-mgeneral-regs-only), so none is listed.
[[gnu::always_inline]] inline void switch_stack(uint64_t* save_rsp, uint64_t next_rsp) {
    asm volatile(
        "push %%rbp\n\t"
        "call arch_switch_stack\n\t"
        "pop %%rbp"
        : "+D"(save_rsp), "+S"(next_rsp)
        :
        : "rax", "rbx", "rcx", "rdx", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
          "memory", "cc");
}

}  // namespace nyanos::arch
