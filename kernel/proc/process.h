// A process: an address space, a file table, a place in the family tree and
// an exit status, run by its thread (one per process for now). The process
// table owns the Process; it is freed when its parent reaps it.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "fs/fd_table.h"
#include "fs/vfs.h"
#include "mm/process_memory.h"
#include "proc/memory_space.h"
#include "nyanos/abi/syscall.h"
#include "proc/personality.h"
#include "proc/process_resources.h"
#include "proc/thread.h"
#include "proc/wait_queue.h"
#include "sync/spinlock.h"

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
// With its NUL, 73; 74 keeps the two reason fields of a Process and the
// int after them packed (every byte of a Process counts: it fills its
// heap slot).
inline constexpr size_t kKillReasonMax = 74;

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
    // The signal its parent gets when it exits (clone's CSIGNAL; SIGCHLD
    // for fork and spawn, 0 for none).
    uint8_t exit_signal = 17;
    // vfork: its parent waits in its child_exited queue until this clears
    // (at the child's execve or exit). Under the table lock.
    bool vfork_pending = false;
    // It has called execve since it was forked (setpgid by its parent is
    // then EACCES). Under the table lock.
    bool did_exec = false;
    // prctl(PR_SET_CHILD_SUBREAPER): its orphaned descendants come to it
    // instead of init. Under the table lock.
    bool child_subreaper = false;
    // Its nice value, -20..19 (setpriority; inherited). Linux keeps one per
    // thread; here the threads of a process share it, and the scheduler
    // does not weigh it yet. Under the table lock.
    int8_t nice = 0;
    // The whole process is ending (exit_group, a fatal signal, kill() from
    // another process, Ctrl-C): every thread ends at its next safe point,
    // and the last one out reports group_exit_status (a wait status). Set
    // once, under the scheduler lock (start_group_exit); read anywhere.
    bool group_exiting = false;
    // Nonzero once the way back to user mode may have work for the process
    // as a whole: signal actions (a Linux process), the process ending
    // (group_exiting), an execve (exec_thread). Set, relaxed, with each of
    // those (raise_return_attention) and never cleared: a clear could race
    // a kill on another CPU, and the only process that would benefit is a
    // Linux one that executed a NyanOS program. The system call's way out
    // reads this one byte (user_return_work), the full check the fields.
    uint8_t return_attention = 0;
    // Job control (stop and continue), in what was padding. Under the table
    // lock.
    JobState job;
    // Its process group and session (inherited; Linux's setpgid/setsid).
    int pgid = 0;
    int sid = 0;
    int group_exit_status = 0;
    // Its threads that have not ended (under the table lock). The one that
    // brings this to 0 ends the process.
    int live_threads = 0;
    // The wait status its leader (Process::thread) ended with, which the
    // process reports unless a group exit set another (under the table
    // lock).
    int leader_exit_status = 0;
    int wait_status = 0;  // POSIX encoding, valid once a zombie
    // An execve is under way in this thread: every other thread ends at its
    // next safe point, and no new one starts. Set and cleared under the
    // table lock; read anywhere.
    Thread* exec_thread = nullptr;
    char name[kProcessNameMax] = {};

    // The user memory it runs in (proc/memory_space.h), shared by its
    // threads, and with its parent while it is a CLONE_VM child (vfork):
    // one reference, let go at exec and exit (nullptr once it has exited).
    MemorySpace* mm = nullptr;
    // The program file it runs (/proc/<pid>/exe), held as fs::hold_running
    // holds it (a reference, and writing the file is ETXTBSY): set at exec,
    // shared by fork, dropped at the next exec and when the process is
    // freed. null: none (NyanOS's init before its first program).
    fs::Inode* exe = nullptr;
    // Its working directory (relative paths start there; inherited; none:
    // the root), held (a removed one lives on, empty, while it is here).
    // Changed under the table lock, as /proc reads it; dropped when the
    // process is freed.
    fs::NodeHold cwd;

    // For statistics (ps, /proc): its space's page counts, read without a
    // lock (a count may be one page behind a change in flight); none once
    // it has exited.
    struct MemoryCounts {
        size_t user_frames = 0;
        size_t table_frames = 0;
        size_t borrowed_pages = 0;
    };
    MemoryCounts memory_counts() const {
        if (!mm) return {};
        const mm::AddressSpace& s = mm->space_for_statistics();
        return {s.user_frames(), s.table_frames(), s.borrowed_pages()};
    }

    // Linux personality: the signal actions and process-directed pending
    // signals (owned; nullptr for NyanOS programs, for which every signal
    // is fatal).
    SignalActions* signal_actions = nullptr;

    // Its threads, through Thread::next_in_process: this first one (the
    // leader, whose tid is the pid) lives until the process is reaped; the
    // others are freed once they have ended and left their CPU (by the
    // next clone of a sibling, or with the process).
    Thread* thread = nullptr;
    // The CPU time of threads already freed (under the table lock).
    CpuTicks freed_threads_ticks;

    // Its threads wait here for a child to exit; an exiting child (or an
    // orphan handed over) wakes them all, and each checks again.
    WaitQueue child_exited;

    char kill_reason[kKillReasonMax] = {};  // "killed: #PF at ... (addr ...)" for a fault
    // Why the child this process reaped last was killed, for kill_reason().
    char last_reaped_reason[kKillReasonMax] = {};
    // The child this process reaped last (see last_reaped_reason).
    int last_reaped_pid = 0;

    // The descriptor table (fs/fd_table.h): init's is the console's 0, 1
    // and 2; every other process starts with a copy of its parent's (spawn:
    // without the close-on-exec descriptors). Released at exit; may be
    // shared by threads (CLONE_FILES).
    fs::FdTable* files = nullptr;

    // User and group IDs, umask, resource limits, reaped children's usage.
    ProcessResources resources;

    // The table of all processes.
    Process* prev_in_table = nullptr;
    Process* next_in_table = nullptr;

    Process() = default;
    Process(const Process&) = delete;
    Process& operator=(const Process&) = delete;
};

// Calls `fn(Thread&)` for each of `process`'s threads, ended ones
// included: what acts on the whole process (stopping it, discarding its
// pending signals) goes through here. The caller holds the table lock or
// the signal lock, either of which keeps the list still
// (Thread::next_in_process).
template <typename Fn>
void for_each_thread(Process& process, Fn&& fn) {
    for (Thread* t = process.thread; t; t = t->next_in_process) fn(*t);
}

}  // namespace nyanos::proc
