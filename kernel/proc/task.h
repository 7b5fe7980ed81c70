// A task: one process (or the idle task). It owns its AddressSpace and its
// kernel stack; the scheduler owns the Task object itself (it is freed when
// the task is reaped).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "fs/open_file.h"
#include "mm/address_space.h"
#include "nyanos/abi/syscall.h"

namespace nyanos::proc {

enum class TaskState : uint8_t {
    kRunning = 0,  // on the CPU
    kReady = 1,    // in the run queue
    kBlocked = 2,  // waiting (for a child, input, or time)
    kZombie = 3,   // exited; keeps its wait status until reaped
};

constexpr const char* task_state_name(TaskState s) {
    switch (s) {
        case TaskState::kRunning:
            return "running";
        case TaskState::kReady:
            return "ready";
        case TaskState::kBlocked:
            return "blocked";
        case TaskState::kZombie:
            return "zombie";
    }
    return "?";
}

// Why a task is blocked, so the right event wakes it.
enum class WaitReason : uint8_t { kNone, kChild, kInput, kSleep };

inline constexpr size_t kTaskNameMax = NYAN_PROC_NAME_MAX;
inline constexpr size_t kKillReasonMax = 96;
inline constexpr size_t kFpuStateBytes = 512;  // fxsave64

// Fields are ordered to avoid padding: the Task must fit the heap's 448-byte
// slot (static_assert in process.kernel.cpp).
struct Task {
    Task* parent = nullptr;
    int pid = 0;
    TaskState state = TaskState::kReady;
    WaitReason wait_reason = WaitReason::kNone;
    // A signal that will end the task at its next safe point (0 = none):
    // kill() of another task, or Ctrl-C arriving in an interrupt handler.
    int pending_signal = 0;
    char name[kTaskNameMax] = {};
    // The child this task reaped last (see last_reaped_reason; kept here, where
    // it fills what would be padding).
    int last_reaped_pid = 0;

    // The user address space; empty (root 0) for the idle task.
    mm::AddressSpace space;
    // The root the task runs on: its space's, or the one a ScopedCr3 guard
    // switched to. The scheduler loads this, so a task preempted inside a
    // guard resumes on the guarded root.
    uint64_t active_root = 0;

    // Kernel stack: one page [kernel_stack_top - 4 KiB, kernel_stack_top),
    // with an unmapped guard page below. Its top kFpuStateBytes hold the
    // task's FPU state (fpu_state()); the stack proper starts below them, at
    // stack_rsp0(). saved_rsp is valid while not running. The idle task
    // runs on the boot stack and has no FPU state of its own.
    uint64_t kernel_stack_top = 0;
    uint64_t saved_rsp = 0;

    // The user heap: [heap_base, heap_break), mapped lazily on first touch.
    uint64_t heap_base = 0;
    uint64_t heap_break = 0;

    uint64_t wake_at_ms = 0;                // kSleep
    int waiting_for_pid = 0;                // kChild: -1 = any child
    int wait_status = 0;                    // POSIX encoding, valid once a zombie
    char kill_reason[kKillReasonMax] = {};  // "killed: #PF at ... (addr ...)" for a fault
    // Why the child this task reaped last was killed, for kill_reason().
    char last_reaped_reason[kKillReasonMax] = {};

    // The open-file table, fs's (fs/open_file.h): null until the first
    // open(), freed by fs::close_all().
    fs::FileTable* files = nullptr;

    // Intrusive links: the run queue (or a wait list), and the table of all tasks.
    Task* next_in_queue = nullptr;
    Task* prev_in_table = nullptr;
    Task* next_in_table = nullptr;

    // The initial RSP, for the TSS and syscall entry: below the FPU area.
    uint64_t stack_rsp0() const { return kernel_stack_top - kFpuStateBytes; }
    // FPU/SSE state (fxsave area, 16-byte aligned), saved on every switch
    // away: the top of the kernel stack page, so it costs the Task nothing.
    uint8_t* fpu_state() const { return reinterpret_cast<uint8_t*>(stack_rsp0()); }

    Task() = default;
    Task(const Task&) = delete;
    Task& operator=(const Task&) = delete;
};

}  // namespace nyanos::proc
