// Broken invariants end here. The kernel's panic prints `PANIC: <reason>`
// first (the contract's line), then leaves QEMU with status 127 when the
// isa-debug-exit device is present, else halts. The host tests provide their
// own panic that fails the running test.
#pragma once

namespace nyanos {

[[noreturn]] void panic(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

// How the kernel ends once a report that began with `PANIC: ` is printed:
// panic() itself and arch's fault report (which prints its own) both end
// here, so the layer that knows the machine (QEMU's isa-debug-exit, else a
// halt) is not known to the layers that report. Interrupts must be off.
[[noreturn]] void stop_after_panic_report();

}  // namespace nyanos

// Checks an invariant in every build; a failure is a kernel bug.
#define VERIFY(cond)                                                                           \
    do {                                                                                       \
        if (!(cond)) ::nyanos::panic("VERIFY(%s) failed at %s:%d", #cond, __FILE__, __LINE__); \
    } while (0)
