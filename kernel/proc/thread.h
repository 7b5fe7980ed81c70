// A thread: what the scheduler runs. It owns its kernel stack and its FPU
// save area and belongs to one process, whose address space it runs in. The
// process layer frees a thread when its process is reaped.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "arch/x86_64/user_segments.h"
#include "lib/aligned_block.h"
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

// A kernel stack is two 4 KiB pages (8 KiB), with an unmapped guard page
// below. Why two: with one page (3,584 bytes under the 512-byte fxsave image
// it then held) the kstack_audit test (test/qemu/cases/kstack.py: the
// isolation suite plus the shell's deep paths) measured a high-water mark
// of 2,240 bytes, deepest in /bin/cycles: more than half a page before any
// Linux path existed; with the first Linux paths (the syscall entry saving a
// whole InterruptFrame, the Linux loader) it measures 2,576. More will add
// depth: signal delivery builds a frame around
// an xsave image (up to 2.7 KiB with AVX-512) and runs sigreturn's checks,
// execve of a Linux program copies argv, envp and auxv, and path lookups
// walk components; Linux itself gives each thread 16 KiB. One page more per
// thread is one frame per process (docs/benchmarks.md: the processes that
// fit in 128 MiB). The FPU area is no longer on the stack (fpu_area), so
// all 8 KiB are stack.
inline constexpr size_t kKernelStackPages = 2;

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

    // Kernel stack: kKernelStackPages pages below kernel_stack_top, with an
    // unmapped guard page below; saved_rsp is valid while not running. The
    // idle thread runs on the boot stack.
    uint64_t kernel_stack_top = 0;
    uint64_t saved_rsp = 0;

    // The user-mode state the scheduler switches besides the registers on
    // the kernel stack: the FPU/SSE/AVX state (arch/x86_64/fpu.h; the idle
    // thread has none), and the DS, ES, FS and GS selectors and the FS and
    // GS bases (arch/x86_64/user_segments.h). Kept apart from the kernel
    // stack, and the segments apart from the FPU image, so that the image
    // can later be copied from and to user memory (signal frames) without
    // user data reaching anything the kernel relies on.
    AlignedBlock fpu_area;
    arch::UserSegments segments;

    // set_tid_address / CLONE_CHILD_CLEARTID: the user word the kernel
    // clears (and wakes futex waiters on) when the thread exits; 0 = none.
    uint64_t clear_child_tid = 0;

    // Its signal mask and the signals sent to it (Linux personality).
    ThreadSignals signals;

    // Blocked: the queue it waits in (nullptr if none) and, when the wait has
    // a deadline, the uptime at which it ends (0 = none).
    WaitQueue* waiting_on = nullptr;
    uint64_t wake_at_ms = 0;

    // Intrusive links: the run queue or a wait queue (one at a time), and
    // the list of threads with a deadline.
    Thread* next_in_queue = nullptr;
    Thread* next_timed = nullptr;

    // The initial RSP, for the TSS and syscall entry.
    uint64_t stack_rsp0() const { return kernel_stack_top; }
    // The FPU save area (64-byte aligned), nullptr for the idle thread.
    uint8_t* fpu_state() const { return fpu_area.data(); }

    Thread() = default;
    Thread(const Thread&) = delete;
    Thread& operator=(const Thread&) = delete;
};

}  // namespace nyanos::proc
