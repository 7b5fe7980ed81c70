#include "arch/x86_64/deliberate_faults.h"

namespace nyanos::arch {

// noinline: the report's `in FUNCTION+0x...` line names these functions.

[[gnu::noinline]] void raise_invalid_opcode() {
    asm volatile("ud2");
}

[[gnu::noinline]] void raise_general_protection() {
    (void)*reinterpret_cast<volatile uint64_t*>(kNonCanonicalAddress);
}

[[gnu::noinline]] void raise_divide_error() {
    asm volatile("xorl %%ecx, %%ecx; movl $1, %%eax; xorl %%edx, %%edx; divl %%ecx" ::
                     : "rax", "rcx", "rdx");
}

[[gnu::noinline]] void raise_breakpoint() {
    asm volatile("int3");
}

void call_on_stack(uint64_t stack_top, void (*fn)()) {
    // Through the retpoline thunk, as compiled indirect calls go
    // (retpoline.S): the kernel has no plain indirect call.
    asm volatile(
        "mov %0, %%rsp\n"
        "call __x86_indirect_thunk_rax\n"
        "ud2"
        :
        : "r"(stack_top), "a"(fn)
        : "memory");
    __builtin_unreachable();
}

}  // namespace nyanos::arch
