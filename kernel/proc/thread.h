// A thread: what the scheduler runs. It owns its kernel stack and its FPU
// save area and belongs to one process, whose address space it runs in. The
// process layer frees a thread when its process is reaped.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "arch/x86_64/user_segments.h"
#include "lib/aligned_block.h"
#include "proc/personality.h"
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

// Which events end a wait besides its own (WaitQueue::wait): a kill
// always; a signal to take only in an interruptible one (Linux's
// TASK_INTERRUPTIBLE and TASK_KILLABLE).
enum class WaitMode : uint8_t { kInterruptible, kKillable };

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

// A kernel stack is one or two 4 KiB pages, with an unmapped guard page
// below; the FPU area is not on it (user_state), so all of it is stack. Its
// size follows the personality of the program the thread starts in, each
// measured by the kstack_audit tests (test/qemu/cases/kstack.py), which
// paint every stack and report the deepest byte touched per size:
// - A NyanOS program's thread: one page. Its deepest paths (the isolation
//   suite and the shell's: exec with many arguments, faults and their kill
//   reports, path lookups) reach 2,936 bytes, and an interrupt landing at
//   the deepest point adds its frame and handler (272): 3,208 of 4,096.
//   One page less per process is what lets the most processes fit in
//   memory (docs/benchmarks.md: the processes that fit in 128 MiB).
// - A Linux program's thread, and every thread a clone or fork starts (only
//   the Linux personality has those calls): two pages. Its paths go deeper:
//   signal delivery builds a frame around an xsave image (up to 2.7 KiB with
//   AVX-512) and runs sigreturn's checks, execve copies argv, envp and auxv;
//   busybox's shell measured 5,288 bytes. (Linux gives a thread 16 KiB.)
// A thread keeps its stack for life. A NyanOS thread never runs Linux's
// paths: the table a thread's calls go to is its process's personality's,
// and only Linux's execve replaces a running image (so a one-page thread
// never becomes a Linux one; a Linux thread that execs a NyanOS program
// keeps its two pages).
inline constexpr size_t kNyanOSKernelStackPages = 1;
inline constexpr size_t kLinuxKernelStackPages = 2;
constexpr size_t kernel_stack_pages_for(Personality personality) {
    return personality == Personality::kLinux ? kLinuxKernelStackPages : kNyanOSKernelStackPages;
}

// What a user thread's user_state block holds before its FPU area: the
// segment state, and the user addresses the kernel writes when the thread
// ends (Linux's set_tid_address / CLONE_CHILD_CLEARTID word, cleared and
// woken for pthread_join, and its set_robust_list head; 0 = none). Only
// the thread itself changes the addresses, and reads them at its end.
// Also, while fs::free_messages runs on the thread, where its outermost
// call keeps the messages still to free (fs/socket_queue.cpp), which
// nested calls add to instead of recursing; only the thread touches it.
// (Here, not in Thread, which fills its heap slot.)
struct UserThreadWords {
    arch::UserSegments segments;
    uint64_t clear_child_tid = 0;
    uint64_t robust_list = 0;
    void* socket_messages_to_free = nullptr;
};

// That header's room: the FPU area after it stays 64-byte aligned.
inline constexpr size_t kUserSegmentsBytes = 64;
static_assert(sizeof(UserThreadWords) <= kUserSegmentsBytes);

struct Thread {
    Process* process = nullptr;  // nullptr for the idle thread
    // Its thread ID (Linux's tid; from the pid space, so no live thread's
    // ID is any process's pid). A process's first thread has the pid.
    int tid = 0;
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

    // Kernel stack: kernel_stack_pages_for(its first program's personality)
    // pages below kernel_stack_top (mm::kernel_stack_pages tells), with an
    // unmapped guard page below; saved_rsp is valid while not running. The
    // idle thread runs on the boot stack.
    uint64_t kernel_stack_top = 0;
    uint64_t saved_rsp = 0;

    // The user-mode state the scheduler switches besides the registers on
    // the kernel stack, in one heap block the thread owns (none for the
    // idle thread): the DS, ES, FS and GS selectors and the FS and GS bases
    // (arch/x86_64/user_segments.h) and its exit words (UserThreadWords) in
    // its first kUserSegmentsBytes, then the FPU/SSE/AVX save area
    // (arch/x86_64/fpu.h), 64-byte aligned. Off
    // the kernel stack; the segments lie before the image, never inside it,
    // so copying an image from or to user memory (signal frames) cannot
    // reach them. One block rather than two members: Thread fills its
    // 192-byte heap slot, and the block's 1,008-byte slot has the room.
    AlignedBlock user_state;

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
    // The next thread of its process (Process::thread is the first).
    // Changed with both the process table lock and the signal lock held;
    // read with either (the signal path picks a thread under the signal
    // lock, the lifecycle under the table lock).
    Thread* next_in_process = nullptr;

    // `state` as another CPU sees it without the scheduler lock (ps, a
    // sibling looking for ended threads): a snapshot; kDead never changes.
    ThreadState observed_state() const {
        static_assert(sizeof(ThreadState) == sizeof(uint8_t));
        return ThreadState(
            __atomic_load_n(reinterpret_cast<const uint8_t*>(&state), __ATOMIC_RELAXED));
    }

    // The initial RSP, for the TSS and syscall entry.
    uint64_t stack_rsp0() const { return kernel_stack_top; }
    // The FPU save area (64-byte aligned) and the segment state, in
    // user_state: for user threads only (the idle thread has neither).
    uint8_t* fpu_state() const { return user_state.data() + kUserSegmentsBytes; }
    arch::UserSegments& segments() const { return words().segments; }
    UserThreadWords& words() const {
        return *reinterpret_cast<UserThreadWords*>(user_state.data());
    }

    Thread() = default;
    Thread(const Thread&) = delete;
    Thread& operator=(const Thread&) = delete;
};

}  // namespace nyanos::proc
