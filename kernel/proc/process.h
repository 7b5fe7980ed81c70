// A process: an address space, a file table, a place in the family tree and
// an exit status, run by its thread (one per process for now). The process
// table owns the Process; it is freed when its parent reaps it.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "fs/fd_table.h"
#include "fs/vfs.h"
#include "mm/process_memory.h"
#include "nyanos/abi/syscall.h"
#include "proc/interval_timer.h"
#include "proc/personality.h"
#include "proc/process_resources.h"
#include "proc/thread.h"
#include "proc/wait_queue.h"

namespace nyanos::proc {

// The process states ps shows (nyan_process_info.state).
enum class ProcessState : uint8_t {
    kRunning = 0,  // its thread is on a CPU
    kReady = 1,    // its thread is in the run queue
    kBlocked = 2,  // its thread waits
    kZombie = 3,   // exited; keeps its wait status until reaped
};

constexpr const char* process_state_name(ProcessState s) {
    switch (s) {
        case ProcessState::kRunning:
            return "running";
        case ProcessState::kReady:
            return "ready";
        case ProcessState::kBlocked:
            return "blocked";
        case ProcessState::kZombie:
            return "zombie";
    }
    return "?";
}

inline constexpr size_t kProcessNameMax = NYAN_PROC_NAME_MAX;
// The longest reason the kernel writes is a page fault's, 72 characters:
// "killed: #PF (page fault) at 0x<16 hex> (addr 0x<16 hex>)".
inline constexpr size_t kKillReasonMax = 80;

// Job control: whether the process is stopped (SIGSTOP, SIGTSTP, SIGTTIN,
// SIGTTOU) and what a wait with WUNTRACED or WCONTINUED has yet to report
// about it (at most one thing, as Linux keeps it: a stop, or a continue).
// Under the table lock.
struct JobState {
    enum class Report : uint8_t { kNone, kStopped, kContinued };
    bool stopped = false;     // its threads wait until SIGCONT or a kill
    uint8_t stop_signal = 0;  // the signal that stopped it
    Report report = Report::kNone;
};

struct Process {
    Process* parent = nullptr;
    int pid = 0;
    bool zombie = false;
    // Whose system calls it makes; set at exec from the program file.
    Personality personality = Personality::kNyanOS;
    // The working directory (relative paths start there; inherited) and
    // the program file the process runs (/proc/self/exe; set at exec), as
    // 16-bit node ids (fs::Vfs::node_of; 0: the root, and no program): they
    // fit in what was padding. The tree's nodes live forever, so there is
    // nothing to count.
    fs::NodeId cwd = 0;
    fs::NodeId exe = 0;
    // The signal its parent gets when it exits (clone's CSIGNAL; SIGCHLD
    // for fork and spawn, 0 for none).
    uint8_t exit_signal = 17;
    // vfork: its parent waits in its child_exited queue until this clears
    // (at the child's execve or exit). Under the table lock.
    bool vfork_pending = false;
    // It has called execve since it was forked (setpgid by its parent is
    // then EACCES). Under the table lock.
    bool did_exec = false;
    // Its process group and session (inherited; Linux's setpgid/setsid).
    int pgid = 0;
    int sid = 0;
    // A signal that will end the process at its thread's next safe point
    // (0 = none): kill() from another process, or Ctrl-C in an interrupt.
    int pending_signal = 0;
    char name[kProcessNameMax] = {};
    // The child this process reaped last (see last_reaped_reason).
    int last_reaped_pid = 0;
    int wait_status = 0;  // POSIX encoding, valid once a zombie
    JobState job;

    // The user address space and its demand-zero regions.
    mm::ProcessMemory memory;

    // Linux personality: the signal actions and process-directed pending
    // signals (owned; nullptr for NyanOS programs, for which every signal
    // is fatal).
    SignalActions* signal_actions = nullptr;

    // The thread that runs the process; its Thread object lives until the
    // process is reaped.
    Thread* thread = nullptr;

    // Its threads wait here for a child to exit; an exiting child (or an
    // orphan handed over) wakes them all, and each checks again.
    WaitQueue child_exited;

    char kill_reason[kKillReasonMax] = {};  // "killed: #PF at ... (addr ...)" for a fault
    // Why the child this process reaped last was killed, for kill_reason().
    char last_reaped_reason[kKillReasonMax] = {};

    // The descriptor table (fs/fd_table.h): init's is the console's 0, 1
    // and 2; every other process starts with a copy of its parent's (spawn:
    // without the close-on-exec descriptors). Released at exit; may be
    // shared by threads (CLONE_FILES).
    fs::FdTable* files = nullptr;

    // User and group IDs, umask, resource limits, reaped children's usage.
    ProcessResources resources;

    // setitimer's three timers and alarm's (proc/process_timers.h); none
    // armed in a new process, kept across execve.
    IntervalTimers timers;

    // The table of all processes.
    Process* prev_in_table = nullptr;
    Process* next_in_table = nullptr;

    Process() = default;
    Process(const Process&) = delete;
    Process& operator=(const Process&) = delete;
};

// Calls `fn(Thread&)` for each of `process`'s threads: what acts on the
// whole process (stopping, continuing, killing, discarding its pending
// signals) goes through here. One thread per process today; with several
// this is the one place that walks them (under the lock that guards the
// thread list).
template <typename Fn>
void for_each_thread(Process& process, Fn&& fn) {
    if (process.thread) fn(*process.thread);
}

}  // namespace nyanos::proc
