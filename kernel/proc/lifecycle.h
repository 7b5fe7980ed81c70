// Process lifecycle: spawning a program into a new isolated address space
// (exec), fork and threads, execve, exit, wait, kill, process groups and job
// control, and the process table behind ps. Implemented by
// lifecycle.kernel.cpp (processes), thread_lifecycle.kernel.cpp (a
// process's threads) and job_control.kernel.cpp (groups, sessions, stop and
// continue, signals by ID).
//
// Every function here disables interrupts internally where it touches the
// process table; callers need not.
#pragma once

#include "fs/proc_text.h"

#include <stddef.h>
#include <stdint.h>

#include "arch/x86_64/interrupt_frame.h"
#include "nyanos/lib/result.h"
#include "proc/program_loader.h"
#include "proc/nice.h"
#include "proc/process.h"
#include "proc/process_table.h"

namespace nyanos::proc {

// Sets up the scheduler, the user fault handler and the console's Ctrl-C
// hook. Call once, after the arch and memory init.
void init_processes();

// Starts the first user program (init). Panics with the reason if it
// cannot be started: without init there is nothing to run.
void start_init(const char* path, const ProgramArgs& args);

// exec: a new process running `path` with `args`, child of the current
// process, in its own address space. Returns its pid. The caller keeps running
// and its own address space is untouched whatever happens. ENOENT (no such
// file), EISDIR, ENOEXEC (a malformed ELF, with the reason printed), E2BIG,
// ENOMEM; on failure nothing is leaked.
Result<int> spawn(const char* path, const ProgramArgs& args);

// execve: replaces the current process's image with `path` (personality,
// address space, signal handlers, registers in `regs`) at one point; before
// it, nothing of the caller has changed, so a failure (ENOENT, EACCES,
// ENOEXEC, E2BIG, ENOMEM...) leaves it running as it was. Handled signals
// go back to their default action, ignored ones stay ignored, the mask
// and pending signals stay; the alternate signal stack goes.
Result<void> exec_current(const char* path, const ProgramArgs& args, arch::InterruptFrame& regs);

// clone's flags (Linux's).
inline constexpr uint64_t kCloneSignalMask = 0xff, kCloneVm = 0x100, kCloneFs = 0x200,
                          kCloneFiles = 0x400, kCloneSighand = 0x800, kClonePidfd = 0x1000,
                          kClonePtrace = 0x2000, kCloneVfork = 0x4000, kCloneParent = 0x8000,
                          kCloneThread = 0x10000, kCloneNewNs = 0x20000, kCloneSysvsem = 0x40000,
                          kCloneSettls = 0x80000, kCloneParentSettid = 0x100000,
                          kCloneChildCleartid = 0x200000, kCloneDetached = 0x400000,
                          kCloneUntraced = 0x800000, kCloneChildSettid = 0x1000000;

struct CloneRequest {
    uint64_t flags;
    uint64_t stack;       // the child's stack pointer (0: the parent's)
    uint64_t parent_tid;  // CLONE_PARENT_SETTID: where the parent gets the child's tid
    uint64_t child_tid;   // CLONE_CHILD_SETTID / CLONE_CHILD_CLEARTID, in the child
    uint64_t tls;         // CLONE_SETTLS: the child's FS base
};

// fork, vfork and clone: a new process (or, with CLONE_THREAD, a new thread
// of the caller's; then CLONE_VM, CLONE_SIGHAND, CLONE_FS and CLONE_FILES
// must come with it). A new process is a copy of the caller: its memory
// shared copy-on-write (mm/process_memory.h), or with CLONE_VM the caller's
// memory itself (proc/memory_space.h) until it execs or exits; its
// descriptors, signal actions, mask and alternate stack, IDs and limits
// copied. It returns to user mode with the caller's registers (`regs`) but
// rax 0, on `request.stack` if given. CLONE_VFORK makes the caller wait
// until the child execs or exits. EINVAL for flags that ask for sharing
// this kernel does not do between processes (CLONE_FILES, CLONE_SIGHAND,
// CLONE_FS without CLONE_THREAD, namespaces), ENOMEM, EAGAIN. Returns the
// child's pid (its thread ID for a thread).
Result<int> clone_process(const CloneRequest& request, const arch::InterruptFrame& regs);

// Frees the processes that reaped themselves (their parent ignores
// SIGCHLD): an exiting thread cannot free its own stack, so what is left
// of such a process waits for this, which the next fork, spawn and wait
// call, and meminfo and sysinfo before they count memory.
void free_self_reaped();
// A timer's signal (SIGALRM, SIGVTALRM, SIGPROF; SI_KERNEL) to `process`,
// sent with the table lock held, so that the thread it picks cannot be
// freed before it is woken. The caller keeps `process` alive (the timer
// lock: exit disarms under it) and holds no lock after the table lock's
// place in the order. From the timer interrupt too.
void send_timer_signal(Process& process, int sig);
// A POSIX timer's expiry (proc/posix_timer.h): `info` (SI_TIMER, the timer's
// ID in pid, the periods missed in status) to `process`, or to its thread
// `tid` when not 0. If the timer's last signal is still pending there, its
// si_overrun grows instead (by 1 + the periods missed). The same rules
// about locks as send_timer_signal.
void send_posix_timer_signal(Process& process, int tid, int sig, const PendingInfo& info);
// Ends the current process with a POSIX wait status (exit_group, a fatal
// signal): its other threads end at their next safe points, and the last
// one out makes it a zombie. Never returns.
[[noreturn]] void exit_current(int wait_status);
// Ends the calling thread only (Linux's exit); if it was its process's last
// thread, the process ends with `wait_status`. Never returns.
[[noreturn]] void exit_thread(int wait_status);

// waitpid: pid > 0 a child, -1 any child. Writes the status through
// `store_status` (which may fail: then nothing is reaped). 0 with
// NYAN_WNOHANG when no child has exited yet; ECHILD when there is none.
using StatusStore = Result<void> (*)(void* ctx, int status);
Result<int> wait_child(int pid, int flags, StatusStore store_status, void* ctx);

// Linux's wait for the children `which` selects, for the `events` (wait_event bits: exits, stops,
// continues): `status` receives the report's wait status (process_table.h). With `reap` false the
// report stays (WNOWAIT). 0 with `no_hang` when no child has one yet; ECHILD when there is no such
// child (a child that reaped itself is none: a parent ignoring SIGCHLD waits until all are gone,
// then gets ECHILD); kRestartSys when a signal ends the wait.
Result<int> wait_for_child(ChildSelector which, uint8_t events, bool no_hang, bool reap,
                           int& status);
// The current process takes stop signal `sig` (its default action): it
// stops and tells its parent, and its thread waits until a SIGCONT or a
// kill, unless a SIGCONT was sent since the signal was taken (`continues`:
// SignalActions::continue_count then), or `sig` is SIGTSTP, SIGTTIN or
// SIGTTOU and the process's group is orphaned (then it is discarded).
// Its other threads are interrupted and stop on their way back to user
// mode (wait_while_stopped).
void stop_current_process(int sig, uint32_t continues);
// A thread of a process another thread stopped: waits until SIGCONT or a
// kill.
void wait_while_stopped();

// The caller's process group (for waitpid's pid 0).
int current_process_group();

// Process groups and sessions, as Linux's setpgid/getpgid/setsid/getsid
// (pid 0: the caller).
Result<void> set_process_group(int pid, int pgid);
Result<int> process_group(int pid);
Result<int> session_of(int pid);
Result<int> start_session();

// For the terminal (fs/terminal.kernel.cpp): whether session `sid`
// has a live process, and group `pgid` a live process in it; whether the
// group `pgid` of session `sid` is orphaned (no member's parent is in
// another group of the same session).
bool session_alive(int sid);
bool group_in_session(int pgid, int sid);
bool group_exists(int pgid);
bool group_orphaned(int pgid, int sid);
// The terminal's signals to a process group, from the kernel (SI_KERNEL):
// its ISIG characters, hang-ups, SIGTTIN/SIGTTOU. Safe in an interrupt
// handler. Init is spared the signals it has no handler for.
void signal_group(int pgid, int sig);

// Kills `pid` with `signal` (SIGKILL from kill(), SIGINT from Ctrl-C).
// ESRCH if there is no such live process; EINVAL for pid <= 0; EPERM for
// init, unless init kills itself.
Result<void> kill(int pid, int signal);

// The program break of the current process (see mm::ProcessMemory::sbrk).
Result<uint64_t> sbrk(int64_t increment);

// The calling process's name (Linux's comm: at most 15 bytes show in
// /proc/<pid>/comm) as prctl(PR_SET_NAME) changes it and PR_GET_NAME reads
// it: `out` receives kCommLength bytes, NUL-padded.
inline constexpr size_t kCommLength = 16;
void set_current_name(const char (&name)[kCommLength]);
void current_name(char (&out)[kCommLength]);
// prctl(PR_SET_CHILD_SUBREAPER) and PR_GET_CHILD_SUBREAPER for the caller.
void set_child_subreaper(bool on);
bool child_subreaper();

// setpriority(2) and getpriority(2) over the processes `which` and `who`
// select (proc/nice.h has the rules): ESRCH when none is selected; the
// last refusal (EPERM, EACCES) if any target refused. getpriority returns
// the highest 20 - nice among them.
Result<void> set_nice(PriorityTarget which, int who, int nice);
Result<int> highest_priority(PriorityTarget which, int who);
// ioprio_set and ioprio_get over the same selection (the I/O priority,
// ProcessResources::ioprio): a target whose real user ID is neither the
// caller's real nor effective one refuses an unprivileged caller (EPERM);
// ESRCH if none is selected; kNoMemory if a target's extras cannot be
// allocated. get returns the first's, merged with each next one's as
// Linux's ioprio_best does (a class-NONE value counts as best-effort
// level 4, then the lower wins).
Result<void> set_io_priority(PriorityTarget which, int who, uint16_t value);
Result<int32_t> best_io_priority(PriorityTarget which, int who);

// Describes processes for ps: skips the first `skip` in table order, then
// fills at most `max` entries (pages = user frames + page tables).
size_t fill_process_list(struct nyan_process_info* out, size_t skip, size_t max);
// Calls `fn` on process `pid` (a zombie too: its settings and usage are
// still there) with the process table locked, so the process cannot be
// reaped meanwhile; returns what fn returns. ESRCH if there is no such
// process. fn runs with interrupts off and the table lock held: it may take
// later locks (g_resources_lock, the scheduler lock) and allocate, never
// block.
Result<void> with_process(int pid, Result<void> (*fn)(Process&, void*), void* ctx);
size_t process_count();
// The process table's figures for /proc: threads alive (zombies' ended
// threads not counted), the last pid or thread ID handed out, and how many
// were handed out since boot.
struct TableCounts {
    uint64_t threads = 0;
    int last_pid = 0;
    uint64_t pids_handed_out = 0;
};
TableCounts table_counts();
// /proc's view (fs/kernel_hooks.h): whether process `pid` is in the table
// (zombies too), the smallest pid >= `from` there (0: none), and the
// program file process `pid` runs (null: none, or no such process).
bool process_listed(int pid);
int first_listed_process_from(int from);
// A process's threads that have not ended, for /proc/<pid>/task: whether
// `tid` is one, the smallest tid >= `from` (0: none), and the process of
// thread `tid` (0: none).
bool thread_listed(int pid, int tid);
int first_listed_thread_from(int pid, int from);
int thread_group_of(int tid);
fs::InodeRef program_of(int pid);
// Process `pid`'s working directory (fs::Vfs::node_of; 0: the root); ESRCH.
Result<fs::NodeId> working_directory_of(int pid);
// chdir: the calling process's working directory becomes `cwd` (the hold
// moves in; the old one is dropped).
void set_working_directory(fs::NodeHold cwd);
// Process `p`'s working directory (invalid: the root), safely against a
// chdir in another of its threads.
fs::Node working_directory(Process* p);
// `p`'s chroot root (invalid: the tree's root, as LookupContext takes it).
fs::Node root_directory(Process* p);
// Process `pid`'s descriptor table with a reference the caller must drop
// (FdTable::release_ref); ESRCH if there is none (no such process, a
// zombie). Process::files changes under the table lock for this.
Result<fs::FdTable*> files_of(int pid);
// Process `pid`'s supplementary groups with a reference the caller must
// drop (GroupList::release); nullptr for none or no such process.
GroupList* groups_of(int pid);
// Process `pid`'s resource limits (/proc/<pid>/limits); ESRCH if none.
Result<rlimit::Table> limits_of(int pid);
// Before execve's commit (and close_range's CLOSE_RANGE_UNSHARE): gives
// the caller's process a copy of its descriptor table if anyone else holds
// a reference to it. ENOMEM, and then nothing changed.
Result<void> unshare_files(Process* p);
// What the process table knows of process `pid` for /proc/<pid>/stat and
// status (fs/proc_text.h; the memory figures are the caller's to add), and
// a reference to its memory (MemorySpace::share; nullptr for a zombie),
// which the caller must MemorySpace::release. ESRCH if there is no such
// process.
Result<MemorySpace*> process_figures(int pid, fs::proc_text::ProcessFigures& out);
// Process `pid`'s memory with a reference the caller must drop
// (MemorySpace::release); nullptr for a zombie; ESRCH if there is none.
Result<MemorySpace*> memory_of(int pid);
// /proc/<pid>/task/<tid>: the figures process_figures gave, seen as thread
// `tid` of process `pid` (its id as the pid, its state, its CPU time).
// ESRCH if it has ended.
Result<void> thread_figures(int pid, int tid, fs::proc_text::ProcessFigures& out);
// The calling process's CPU time, all its threads' (proc/usage.h).
CpuTicks own_process_cpu_ticks();
// Calls `fn` on the thread `tid` (of any process; not one that has ended)
// with the process table locked, as with_process does. ESRCH if there is
// no such thread.
Result<void> with_thread(int tid, Result<void> (*fn)(Thread&, void*), void* ctx);
// tgkill/tkill/rt_tgsigqueueinfo: `sig` with `info` to thread `tid`, which
// must belong to process `tgid` (0: any process). sig 0 only checks that it
// exists. EINVAL for a bad signal, ESRCH for no such thread.
Result<void> signal_thread(int tgid, int tid, int sig, const PendingInfo& info);

// Calls `fn` for every process in the table (interrupts off).
void for_each_process(void (*fn)(const Process&));

// Linux's kill(pid, sig): pid > 0 one process, 0 the caller's process
// group, -1 every process but init and the caller, < -1 the group -pid.
// sig 0 only checks that the target exists. EINVAL for a bad signal,
// ESRCH when nothing matched.
Result<void> signal_processes(int pid, int sig);

// rt_sigqueueinfo: `sig` with the caller's `info` to process `pid`; sig 0
// only checks that it exists. EINVAL for a bad signal, ESRCH for no such
// process.
Result<void> queue_signal(int pid, int sig, const PendingInfo& info);

// The pid of `p`'s parent (after reparenting, init's); 0 for init.
int parent_pid(const Process& p);

// The kill reason of the last child the current process reaped, if it is `pid`.
const char* last_kill_reason(int pid);

// set_foreground: Ctrl-C on the console ends `pid` (0 = no one; 0x03 then
// reaches readers). EPERM unless the caller controls the console and `pid`
// is itself or a descendant, never init (the rule: proc/foreground.h);
// ESRCH for no such live process, EINVAL for pid < 0.
Result<void> set_foreground(int pid);

// Whether the current process controls the console (proc/foreground.h):
// only such a process may power the machine off or reboot it.
bool controls_console();

}  // namespace nyanos::proc
