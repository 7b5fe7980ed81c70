// The register state the interrupt entry stubs (interrupts.S) save on the
// kernel stack, lowest address first. A handler receives a reference to it;
// whatever it changes is restored by iretq (a process layer can redirect a
// task or start a new one by editing or building one).
//
// Stack layout, from the frame's start upwards:
//   pushed by the stub:  r15 r14 r13 r12 r11 r10 r9 r8 rbp rdi rsi rdx rcx rbx rax
//                        vector, error_code (0 for vectors without one)
//   pushed by the CPU:   rip cs rflags rsp ss
// The CPU pushes rsp/ss on every interrupt in 64-bit mode, so the frame is
// always complete. sizeof(InterruptFrame) is 176, a multiple of 16.
//
// The system-call entry (syscall_entry.S) saves the same frame, so a
// thread's user registers are always the InterruptFrame at the top of its
// kernel stack, whichever way it entered: vector is kSyscallVector and
// error_code the system-call number as called (rax becomes the result).
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace nyanos::arch {

// Not a CPU vector (those end at 255): marks a frame the syscall entry made.
inline constexpr uint64_t kSyscallVector = 0x100;

struct InterruptFrame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector;
    uint64_t error_code;
    uint64_t rip, cs, rflags, rsp, ss;

    // The privilege level the interrupt came from (3 = user mode).
    unsigned cpl() const { return unsigned(cs & 3); }
    bool from_user() const { return cpl() == 3; }
};

// interrupts.S hard-codes these offsets.
static_assert(offsetof(InterruptFrame, r15) == 0);
static_assert(offsetof(InterruptFrame, rax) == 14 * 8);
static_assert(offsetof(InterruptFrame, vector) == 15 * 8);
static_assert(offsetof(InterruptFrame, error_code) == 16 * 8);
static_assert(offsetof(InterruptFrame, rip) == 17 * 8);
static_assert(offsetof(InterruptFrame, cs) == 18 * 8);
static_assert(offsetof(InterruptFrame, ss) == 21 * 8);
static_assert(sizeof(InterruptFrame) == 176 && sizeof(InterruptFrame) % 16 == 0);

}  // namespace nyanos::arch

// Restores the frame at `frame` (which must be on the current kernel stack,
// with nothing above it that is still needed) and returns from it with iretq,
// swapping GS back when it returns to user mode. The common exit of every
// interrupt; a scheduler can jump here to start a task from a built frame:
//   mov frame, %rsp; jmp arch_interrupt_return
extern "C" [[noreturn]] void arch_interrupt_return_to(nyanos::arch::InterruptFrame* frame);
