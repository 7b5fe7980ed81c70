// Broken invariants end here. The kernel's panic prints `PANIC: <reason>`
// first (the contract's line), then leaves QEMU with status 127 when the
// isa-debug-exit device is present, else halts. The host tests provide their
// own panic that fails the running test.
#pragma once

namespace nyanos {

[[noreturn]] void panic(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

}  // namespace nyanos

// Checks an invariant in every build; a failure is a kernel bug.
#define VERIFY(cond)                                                                           \
    do {                                                                                       \
        if (!(cond)) ::nyanos::panic("VERIFY(%s) failed at %s:%d", #cond, __FILE__, __LINE__); \
    } while (0)
