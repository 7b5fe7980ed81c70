// A thread: what the scheduler runs. It owns its kernel stack (and the FPU
// image on top of it) and belongs to one process, whose address space it
// runs in. The process layer frees a thread when its process is reaped.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "proc/signals.h"

namespace nyanos::proc {

struct Process;
class WaitQueue;

enum class ThreadState : uint8_t {
    kRunning = 0,  // on a CPU
    kReady = 1,    // in the run queue
    kBlocked = 2,  // in a wait queue (or sleeping until a deadline)
    kDead = 3,     // exited; its stack is freed with its process
};

// How a wait ended (WaitQueue::wait).
enum class WakeReason : uint8_t {
    kWoken,        // wake_one/wake_all on its queue
    kTimedOut,     // its deadline passed
    kKilled,       // a kill is pending: the caller must unwind
    kInterrupted,  // a signal with a handler is pending: the call ends (EINTR or a restart)
};

// When a wait ends on its own: a point on the monotonic clock
// (arch::monotonic_ns), in nanoseconds; 0 is no deadline. A type of its own
// so that a count in another unit (milliseconds of uptime) cannot be passed
// by mistake.
struct Deadline {
    uint64_t monotonic_ns = 0;
    bool none() const { return monotonic_ns == 0; }
};

// CPU time, in timer ticks (arch::kTimerHz per second) that found a thread
// running in user mode or in the kernel.
struct CpuTicks {
    uint64_t user = 0;
    uint64_t system = 0;
};

// A kernel stack is one 4 KiB page, with an unmapped guard page below; its
// top kFpuStateBytes hold the FPU state, so the stack proper is 3.5 KiB. The
// kstack_audit test (test/qemu/cases/kstack.py) measures the deepest use
// against that.
inline constexpr size_t kKernelStackPages = 1;
inline constexpr size_t kFpuStateBytes = 512;  // an fxsave64 image (arch/x86_64/fpu.h)

struct Thread {
    Process* process = nullptr;  // nullptr for the idle thread
    ThreadState state = ThreadState::kReady;
    WakeReason wake_reason = WakeReason::kWoken;
    // True from the moment a CPU switches to the thread until the thread
    // switched to next has left its stack: a dead thread's stack is freed
    // only once this is false.
    bool on_cpu = false;
    // Set by a system call that rewrote the thread's saved user registers
    // beyond rax: its return to user mode must restore all of them (IRET).
    bool full_return = false;

    // The root the thread runs on: its process's space, or the one a
    // ScopedCr3 guard switched to. The scheduler loads this, so a thread
    // preempted inside a guard resumes on the guarded root.
    uint64_t active_root = 0;

    // Kernel stack: one page [kernel_stack_top - 4 KiB, kernel_stack_top),
    // with an unmapped guard page below. Its top kFpuStateBytes hold the
    // thread's FPU state (fpu_state()); the stack proper starts below them,
    // at stack_rsp0(). saved_rsp is valid while not running. The idle thread
    // runs on the boot stack and has no FPU state of its own.
    uint64_t kernel_stack_top = 0;
    uint64_t saved_rsp = 0;

    // set_tid_address / CLONE_CHILD_CLEARTID: the user word the kernel
    // clears (and wakes futex waiters on) when the thread exits; 0 = none.
    uint64_t clear_child_tid = 0;

    // Its signal mask and the signals sent to it (Linux personality).
    ThreadSignals signals;

    // Blocked: the queue it waits in (nullptr if none) and, when the wait has
    // a deadline, the monotonic time at which it ends (0 = none).
    WaitQueue* waiting_on = nullptr;
    uint64_t wake_at_ns = 0;

    // Its CPU time: counted by the timer interrupt of the CPU running it
    // (the only writer; others read with relaxed atomic loads).
    CpuTicks cpu_ticks;
    // The CPUs it may run on (sched_setaffinity; bit = CPU index), inherited
    // by the threads it starts. Recorded and reported back; the scheduler
    // does not enforce it yet.
    uint64_t affinity = ~0ull;

    // Intrusive links: the run queue or a wait queue (one at a time), and
    // the list of threads with a deadline.
    Thread* next_in_queue = nullptr;
    Thread* next_timed = nullptr;

    // The initial RSP, for the TSS and syscall entry: below the FPU area.
    uint64_t stack_rsp0() const { return kernel_stack_top - kFpuStateBytes; }
    // FPU/SSE state (fxsave area, 16-byte aligned), saved on every switch
    // away: the top of the kernel stack page, so it costs the heap nothing.
    uint8_t* fpu_state() const { return reinterpret_cast<uint8_t*>(stack_rsp0()); }

    Thread() = default;
    Thread(const Thread&) = delete;
    Thread& operator=(const Thread&) = delete;
};

}  // namespace nyanos::proc
