// ScopedCr3: save the live root, switch to another, switch back, as RAII.
// It makes `target` the live root for its scope and restores the previous
// one on every path out (early TRY returns included), so code that builds a
// new address space while running in the caller's (exec) can never leave
// the caller on the wrong root.
//
// Preemption-safe: the root is recorded on the current task (active_root),
// and the scheduler loads a task's active_root when it switches to it, so a
// task preempted inside the guard resumes on the guarded root, and after
// the guard on its own. The record and the CR3 write happen together with
// interrupts off.
//
// Portable: `Roots` supplies `uint64_t active()` and `void activate(uint64_t)`
// (the kernel's updates the task and CR3; the host tests' records calls).
#pragma once

#include <stdint.h>

namespace nyanos::proc {

template <typename Roots>
class [[nodiscard]] BasicScopedCr3 {
public:
    explicit BasicScopedCr3(uint64_t target) : m_previous(Roots::active()) {
        Roots::activate(target);
    }
    ~BasicScopedCr3() { Roots::activate(m_previous); }
    BasicScopedCr3(const BasicScopedCr3&) = delete;
    BasicScopedCr3& operator=(const BasicScopedCr3&) = delete;

    uint64_t previous() const { return m_previous; }

private:
    uint64_t m_previous;
};

#ifndef NYANOS_HOST
// The kernel's roots: the current task's active_root and CR3.
struct TaskRoots {
    static uint64_t active();
    static void activate(uint64_t root);
};
using ScopedCr3 = BasicScopedCr3<TaskRoots>;
#endif

}  // namespace nyanos::proc
