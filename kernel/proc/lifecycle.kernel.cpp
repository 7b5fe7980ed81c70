// Process lifecycle around the portable process table.
//
// Following a CR3: spawn() creates an AddressSpace and loads the ELF into it
// under a ScopedCr3 guard; the new Process owns the space; exit_current()
// first switches to the kernel's root, then destroys the space, so a space
// is never destroyed while live; the reaper (waitpid) frees what is left:
// the thread's kernel stack, the Thread and the Process.
#include "proc/lifecycle.h"

#include <string.h>

#include "arch/x86_64/context_switch.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/fpu.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/interrupts.h"
#include "arch/x86_64/io.h"
#include "arch/x86_64/kpti.h"
#include "arch/x86_64/timer.h"
#include "lib/console.h"
#include "dev/console_input.h"
#include "dev/power.h"
#include "dev/random.h"
#include "fs/files.h"
#include "fs/terminal.h"
#include "lib/format.h"
#include "lib/heap_ptr.h"
#include "lib/panic.h"
#include "mm/kernel_memory_context.h"
#include "mm/pcid.h"
#include "mm/physical_memory.h"
#include "mm/vmm.h"
#include "proc/exec_image.h"
#include "proc/foreground.h"
#include "proc/futex.h"
#include "proc/lifecycle_shared.h"
#include "proc/process_table.h"
#include "proc/process_timers.h"
#include "proc/scheduler.h"
#include "proc/signal_delivery.h"
#include "proc/signal_queue.h"
#include "proc/scoped_cr3.h"
#include "proc/stack_audit.h"
#include "proc/usage.h"
#include "proc/user_faults.h"
#include "proc/user_layout.h"
#include "syscall/user_memory.h"

namespace nyanos::proc {

// The process table and its lock (proc/lifecycle_shared.h).
sync::SpinLock g_table_lock;
ProcessTable g_table;
Process* g_init = nullptr;

namespace {

// Process, Thread and MemorySpace come from the heap's slabs; a slot holds
// a 16-byte header and 8 bytes of red zone. Keep them in these slots: a
// minimal process's memory is mostly these and its frames. (The Process
// left the 448-byte slot when it gained its IDs, limits and usage, and came
// back when its memory moved out into the MemorySpace.)
static_assert(sizeof(Process) <= 448 - 24, "Process outgrew the heap's 448-byte slot");
static_assert(sizeof(Thread) <= 192 - 24, "Thread outgrew the heap's 192-byte slot");
static_assert(sizeof(MemorySpace) <= 192 - 24, "MemorySpace outgrew the heap's 192-byte slot");
// Freed thread stacks are cached for the next thread of the same size.
static_assert(kNyanOSKernelStackPages <= mm::kMaxCachedStackPages);
static_assert(kLinuxKernelStackPages <= mm::kMaxCachedStackPages);

// The console's foreground (Ctrl-C's target).
ConsoleForeground g_foreground GUARDED_BY(g_table_lock);
// Exited processes out of the table that no parent will reap (their
// parent ignores SIGCHLD or set SA_NOCLDWAIT), through next_in_table:
// freed by the next fork, spawn or wait of any process
// (free_self_reaped), since an exiting thread cannot free its own stack.
Process* g_self_reaped GUARDED_BY(g_table_lock) = nullptr;

// Ctrl-C, in interrupt context: the foreground process dies at its next
// safe point (on this interrupt's way back if it is the one in user mode
// now: the user-return hook). Never init, whatever the foreground says.
bool on_console_interrupt() {
    sync::NoInterruptsGuard lock(g_table_lock);
    Process* p = g_foreground.target();
    if (!p || p == g_init || p->zombie) return false;
    request_kill(p, NYAN_SIGINT, "Ctrl-C on the console");
    return true;
}

// Who inherits the children of `p`, which is ending: its nearest living
// ancestor that asked for them (PR_SET_CHILD_SUBREAPER), else init
// (Linux's find_new_reaper).
Process* reaper_for_locked(const Process* p) REQUIRES(g_table_lock) {
    for (Process* q = p->parent; q && q != g_init; q = q->parent)
        if (q->child_subreaper && !q->zombie) return q;
    return g_init;
}

// What a child `c` of an ending `p` is told as it passes to `reaper`
// (Linux's forget_original_parent and reparent_leader): a living child
// gets the parent-death signal it asked for (PR_SET_PDEATHSIG), from `p`;
// its exit signal becomes SIGCHLD; and the reaper gets SIGCHLD for a child
// that is a zombie already, since it can reap that one now.
void tell_child_of_ending_locked(Process* c, Process* p, Process* reaper) REQUIRES(g_table_lock) {
    c->exit_signal = kSigChld;
    if (!c->zombie) {
        if (int sig = c->resources.controls().parent_death_signal)
            (void)send_signal(c, sig, PendingInfo{kSiUser, p->pid, 0, 0, 0});
    } else if (reaper && reaper != p && reaper->signal_actions) {
        bool exited = NYAN_WIFEXITED(c->wait_status);
        PendingInfo info{exited ? kCldExited : kCldKilled, c->pid,
                         exited ? NYAN_WEXITSTATUS(c->wait_status) : NYAN_WTERMSIG(c->wait_status),
                         0, 0};
        (void)send_signal(reaper, kSigChld, info);
    }
}

// The last component of `path`, cut to fit kProcessNameMax with its NUL.
void copy_name(char* out, const char* path) {
    const char* base = path;
    for (const char* p = path; *p; ++p)
        if (*p == '/') base = p + 1;
    size_t n = 0;
    for (; n + 1 < kProcessNameMax && base[n]; ++n) out[n] = base[n];
    out[n] = '\0';
}

// Builds the new thread's kernel stack so that its first switch "returns" into
// user mode at the program's entry: an InterruptFrame at the top, and below
// it what arch_thread_first_entry expects.
void prepare_first_entry(Thread* t, uint64_t entry, uint64_t user_sp) {
    uint64_t top = t->stack_rsp0();
    auto* frame = reinterpret_cast<arch::InterruptFrame*>(top - sizeof(arch::InterruptFrame));
    memset(frame, 0, sizeof(*frame));
    frame->rip = entry;
    frame->cs = arch::kUserCodeSelector;
    frame->rflags = 0x202;  // IF
    frame->rsp = user_sp;
    frame->ss = arch::kUserDataSelector;
    // The switch returns into arch_thread_first_entry, which calls
    // thread_start (scheduler.kernel.cpp) and then leaves through the frame.
    auto* words = reinterpret_cast<uint64_t*>(frame) - 2;
    words[0] = reinterpret_cast<uint64_t>(&arch_thread_first_entry);
    words[1] = reinterpret_cast<uint64_t>(&thread_start);
    t->saved_rsp = reinterpret_cast<uint64_t>(words);
}

// What ps shows: running if a thread is on a CPU, else ready if one is
// queued, else blocked. Under the table lock (the thread list).
ProcessState process_state(const Process& p) REQUIRES(g_table_lock) {
    if (p.zombie) return ProcessState::kZombie;
    bool ready = false;
    for (const Thread* t = p.thread; t; t = t->next_in_process) {
        ThreadState state = t->observed_state();
        if (state == ThreadState::kRunning) return ProcessState::kRunning;
        ready |= state == ThreadState::kReady;
    }
    return ready ? ProcessState::kReady : ProcessState::kBlocked;
}

}  // namespace

void free_thread(Thread* t) {
    if (!t) return;
    audit_stack(*t);
    if (t->kernel_stack_top) mm::free_kernel_stack(t->kernel_stack_top);
    delete t;
}

namespace {

// Frees a process no one else can reach any more, with all its threads
// (each has left its CPU).
void free_process(Process* p) {
    MemorySpace::release(p->mm);     // exit did it already; a no-op then
    fs::FdTable::release(p->files);  // likewise
    delete p->signal_actions;
    fs::drop_running(p->exe);
    p->cwd.release();
    for (Thread* t = p->thread; t;) {
        Thread* next = t->next_in_process;
        free_thread(t);
        t = next;
    }
    delete p;
}

// Frees a reaped process: no one else can reach it, and it is freed
// without the lock (freeing a kernel stack may wait for other CPUs) once
// its thread has left its CPU.
void free_zombie(Process* zombie) {
    if (!zombie) return;
    for (Thread* t = zombie->thread; t; t = t->next_in_process) wait_until_off_cpu(t);
    free_process(zombie);
}

// A process being built by spawn or fork: until commit() hands it to the
// table, every path out frees what it holds so far (free_process copes with
// the parts not made yet).
class UnbornProcess {
public:
    UnbornProcess() : m_process(new (std::nothrow) Process) {
        if (m_process) m_process->resources.set_start_time(arch::monotonic_ns());
    }
    ~UnbornProcess() {
        if (m_process) free_process(m_process);
    }
    UnbornProcess(const UnbornProcess&) = delete;
    UnbornProcess& operator=(const UnbornProcess&) = delete;

    Process* get() const { return m_process; }
    Process* commit() {
        Process* p = m_process;
        m_process = nullptr;
        return p;
    }

private:
    Process* m_process;
};

}  // namespace

// A thread with a kernel stack, set up to enter user mode at `entry`.
Result<Thread*> create_thread(uint64_t entry, uint64_t user_sp, size_t stack_pages) {
    // The user-state block first (null segments, the clean FPU image):
    // once the Thread exists it owns the block, and deleting the Thread
    // frees it on the failure path below.
    auto block = AlignedBlock::try_allocate(kUserSegmentsBytes + arch::fpu_area_size(),
                                            arch::kFpuAreaAlignment);
    if (!block.ok()) return block.error();
    new (block.value().data()) UserThreadWords{};
    arch::fpu_load_clean_image(block.value().data() + kUserSegmentsBytes);
    Thread* thread = new (std::nothrow) Thread;
    if (!thread) return Error::kNoMemory;
    thread->user_state = block.release_value();
    auto stack = mm::allocate_kernel_stack(stack_pages);
    if (!stack.ok()) {
        delete thread;
        return stack.error();
    }
    thread->kernel_stack_top = stack.value();
    prepare_stack_audit(*thread);
    prepare_first_entry(thread, entry, user_sp);
    return thread;
}

namespace {

// Whether any process waits to be freed: a read without the lock, for the
// common case of none (a process added meanwhile waits for the next call).
// The list head is written with atomic stores (under the lock) for it.
bool any_self_reaped() NO_THREAD_SAFETY_ANALYSIS {
    return __atomic_load_n(&g_self_reaped, __ATOMIC_RELAXED) != nullptr;
}

}  // namespace

void free_self_reaped() {
    if (!any_self_reaped()) return;
    Process* list;
    {
        sync::NoInterruptsGuard lock(g_table_lock);
        list = g_self_reaped;
        __atomic_store_n(&g_self_reaped, nullptr, __ATOMIC_RELAXED);
    }
    while (list) {
        Process* next = list->next_in_table;
        free_zombie(list);
        list = next;
    }
}

void send_timer_signal(Process& process, int sig) {
    sync::NoInterruptsGuard lock(g_table_lock);
    (void)send_signal(&process, sig, PendingInfo{kSiKernel, 0, 0, 0, 0});
}

void init_processes() {
    init_default_limits(mm::physical_memory().stats().total_frames * paging::kPageSize);
    init_scheduler();
    init_stack_audit();
    init_user_faults();
    console_input::set_interrupt_hook(on_console_interrupt);
}

namespace {

// The descriptors of a new process: a copy of its parent's without the
// close-on-exec ones (CONTRACT.md: "fds are inherited from the parent");
// init gets the console's. nullptr when out of memory (the only failure).
// Not inlined: spawn_process's frame is on the exec path's deepest stack
// (kstack-audit), and this would add its temporaries to it.
__attribute__((noinline)) fs::FdTable* new_process_files(Process* parent, bool as_init) {
    auto files =
        as_init || !parent ? fs::create_console_table() : parent->files->try_clone_for_spawn();
    return files.ok() ? files.value() : nullptr;
}

// A new process's working directory (its parent's) and program file (the
// image's hold moves to it).
__attribute__((noinline)) void inherit_tree_nodes(Process& process, const Process* parent,
                                                  ExecImage& image) {
    process.cwd = parent ? parent->cwd.share() : fs::NodeHold();
    process.exe = image.file;
    image.file = nullptr;
}

// exec; with `as_init`, the new process is recorded as init in the same
// step that makes it visible, before it can run anywhere: with several CPUs
// an idle one may run it, and a short init may even exit, before the caller
// would get to record it afterwards.
Result<int> spawn_process(const char* path, const ProgramArgs& args, bool as_init) {
    free_self_reaped();
    HeapPtr<ExecImage> loaded(new (std::nothrow) ExecImage);
    if (!loaded.get()) return Error::kNoMemory;
    ExecImage& image = *loaded.get();
    TRY(load_exec_image(path, args, image));
    UnbornProcess unborn;
    Process* process = unborn.get();
    if (!process) return Error::kNoMemory;
    process->files = new_process_files(current_process(), as_init);
    if (!process->files) return Error::kNoMemory;
    // IDs, umask and limits come from the parent (init: the defaults).
    if (Process* parent = current_process()) {
        TRY(process->resources.inherit(parent->resources));
        process->nice = __atomic_load_n(&parent->nice, __ATOMIC_RELAXED);
    }
    process->resources.change_controls([](ProcessControls& c) { c.on_exec(); });
    process->thread = TRY(
        create_thread(image.entry, image.stack_pointer, kernel_stack_pages_for(image.personality)));
    inherit_tree_nodes(*process, current_process(), image);
    process->thread->process = process;
    process->thread->affinity = current_thread()->affinity;
    process->personality = image.personality;
    if (image.personality == Personality::kLinux) {
        process->signal_actions = new_signal_actions(nullptr);
        if (!process->signal_actions) return Error::kNoMemory;
        raise_return_attention(process);
    }
    image.memory.set_stack_limit(process->resources.limit(rlimit::kStack).soft);
    process->mm = MemorySpace::create(static_cast<mm::ProcessMemory&&>(image.memory));
    if (!process->mm) return Error::kNoMemory;
    // Not in the table yet: no other thread can reach its memory.
    process->thread->active_root = process->mm->cr3();
    copy_name(process->name, path);

    // Commit: nothing below can fail.
    int pid;
    {
        sync::NoInterruptsGuard lock(g_table_lock);
        pid = process->pid = process->thread->tid = g_table.allocate_pid();
        process->live_threads = 1;
        process->parent = current_process();
        // A new process joins its parent's group and session (init starts
        // both, with its own pid).
        process->pgid = process->parent ? process->parent->pgid : pid;
        process->sid = process->parent ? process->parent->sid : pid;
        g_table.insert(unborn.commit());
        if (as_init) g_init = process;
    }
    // Once ready it may run, exit and be reaped on another CPU at once:
    // nothing here touches it after this.
    make_ready(process->thread);
    return pid;
}

}  // namespace

Result<int> spawn(const char* path, const ProgramArgs& args) {
    return spawn_process(path, args, false);
}

void start_init(const char* path, const ProgramArgs& args) {
    auto pid = spawn_process(path, args, true);
    if (!pid.ok()) panic("init: cannot start %s: %s", path, error_name(pid.error()));
}

namespace {

// A vfork parent waits for this: the child has exec'd or is exiting.
// Called by the child, with the table lock held.
void end_vfork_locked(Process* child) REQUIRES(g_table_lock) {
    if (!child->vfork_pending) return;
    child->vfork_pending = false;
    if (child->parent) child->parent->child_exited.wake_all();
}

// Copies what a forked child inherits from `parent`'s state besides memory
// and files: personality, signal actions, IDs and limits, name, affinity.
Result<void> inherit_for_fork(Process* child, const Process* parent) {
    child->personality = parent->personality;
    TRY(child->resources.inherit(parent->resources));
    child->nice = __atomic_load_n(&parent->nice, __ATOMIC_RELAXED);
    if (parent->signal_actions) {
        child->signal_actions = new (std::nothrow) SignalActions;
        if (!child->signal_actions) return Error::kNoMemory;
        raise_return_attention(child);
        sync::NoInterruptsGuard lock(g_signal_lock);
        for (int i = 0; i < kSignalCount; ++i)
            child->signal_actions->actions[i] = parent->signal_actions->actions[i];
    }
    memcpy(child->name, parent->name, sizeof(child->name));
    child->cwd = parent->cwd.share();
    child->exe = parent->exe;
    fs::share_running(child->exe);
    return {};
}

}  // namespace

Result<Thread*> create_cloned_thread(Process* p, Thread* self, const CloneRequest& request,
                                     const arch::InterruptFrame& regs) {
    // Only the Linux personality clones (its threads have Linux's stacks).
    Thread* t = TRY(create_thread(0, 0, kLinuxKernelStackPages));
    t->process = p;
    t->active_root = p->mm->cr3();
    auto* frame =
        reinterpret_cast<arch::InterruptFrame*>(t->stack_rsp0() - sizeof(arch::InterruptFrame));
    *frame = regs;
    frame->rax = 0;
    frame->error_code = ~uint64_t(0);  // nothing to restart
    if (request.stack) frame->rsp = request.stack;
    // The FPU registers as they are now: the kernel never touches them.
    arch::fpu_save(t->fpu_state());
    // The caller's selectors as loaded now (its saved copy dates from its
    // last switch away), and its live bases.
    t->segments() = self->segments();
    arch::store_user_selectors(t->segments().selectors);
    t->segments().bases.set_fs(user_fs_base());
    t->segments().bases.set_gs(user_gs_base());
    if (request.flags & kCloneSettls) t->segments().bases.set_fs(request.tls);
    t->affinity = self->affinity;
    if (request.flags & kCloneChildCleartid) t->words().clear_child_tid = request.child_tid;
    sync::NoInterruptsGuard lock(g_signal_lock);
    t->signals.blocked = self->signals.blocked;
    return t;
}

Result<int> clone_process(const CloneRequest& request, const arch::InterruptFrame& regs) {
    uint64_t flags = request.flags;
    if (int(flags & kCloneSignalMask) > kSignalCount) return Error::kInvalid;
    // Linux's rules: a thread shares the signal actions, which need the
    // memory shared; CLONE_FS and CLONE_FILES go with a thread here (a
    // process's working directory and descriptor table are its threads').
    if ((flags & kCloneThread) && !(flags & kCloneSighand)) return Error::kInvalid;
    if ((flags & kCloneSighand) && !(flags & kCloneVm)) return Error::kInvalid;
    if (flags & kCloneThread) {
        constexpr uint64_t kThreadFlags =
            kCloneVm | kCloneFs | kCloneFiles | kCloneSighand | kCloneThread | kCloneSysvsem |
            kCloneSettls | kCloneParentSettid | kCloneChildCleartid | kCloneChildSettid |
            kCloneDetached | kCloneUntraced | kCloneSignalMask;
        if (flags & ~kThreadFlags) return Error::kInvalid;
        if ((flags & (kCloneFs | kCloneFiles)) != (kCloneFs | kCloneFiles)) return Error::kInvalid;
        return clone_thread(request, regs);
    }
    // Sharing this kernel does not do yet (threads and their pieces,
    // namespaces): EINVAL, as Linux answers combinations it refuses.
    constexpr uint64_t kSupported = kCloneSignalMask | kCloneVm | kCloneVfork | kCloneSettls |
                                    kCloneParentSettid | kCloneChildCleartid | kCloneChildSettid |
                                    kCloneDetached | kCloneUntraced;
    if (flags & ~kSupported) return Error::kInvalid;

    free_self_reaped();
    Thread* self = current_thread();
    Process* parent = self->process;
    UnbornProcess unborn;
    Process* child = unborn.get();
    if (!child) return Error::kNoMemory;
    TRY(inherit_for_fork(child, parent));
    if (parent->files) child->files = TRY(parent->files->try_clone());
    if ((flags & kCloneSettls) && !arch::is_settable_user_base(request.tls))
        return Error::kPermission;
    bool shares_memory = flags & kCloneVm;
    if (shares_memory) {
        // The child runs in its parent's memory (vfork, above all) until
        // it execs or exits.
        child->mm = parent->mm->share();
    } else {
        MemoryGuard lock(*parent->mm);
        auto copy = parent->mm->memory.clone_for_fork();
        if (!copy.ok()) return copy.error();
        child->mm = MemorySpace::create(copy.release_value());
        if (!child->mm) return Error::kNoMemory;
        child->mm->register_membarrier(parent->mm->membarrier_registered());
    }
    // A copy is not in the table yet: no other thread can reach it.
    // CLONE_CHILD_SETTID writes into it: break the page's sharing first, so
    // the parent never sees the write.
    if ((flags & kCloneChildSettid) && !shares_memory &&
        child->mm->unshared().prefault(request.child_tid, mm::Access::kWrite) !=
            mm::FaultResult::kHandled)
        return Error::kFault;
    Thread* t = child->thread = TRY(create_cloned_thread(child, self, request, regs));
    // A child sharing the memory but not waited for (CLONE_VM without
    // CLONE_VFORK) runs on a stack of its own: no alternate stack, as Linux.
    if (!shares_memory || (flags & kCloneVfork)) {
        sync::NoInterruptsGuard lock(g_signal_lock);
        t->signals.altstack_flags = self->signals.altstack_flags;
        t->signals.altstack_sp = self->signals.altstack_sp;
        t->signals.altstack_size = self->signals.altstack_size;
    }
    child->exit_signal = uint8_t(flags & kCloneSignalMask);

    // Commit: nothing below can fail.
    int pid;
    {
        sync::NoInterruptsGuard lock(g_table_lock);
        pid = child->pid = t->tid = g_table.allocate_pid();
        child->live_threads = 1;
        child->parent = parent;
        child->pgid = parent->pgid;
        child->sid = parent->sid;
        child->vfork_pending = flags & kCloneVfork;
        g_table.insert(unborn.commit());
    }
    if (flags & kCloneChildSettid) {
        // Before the child runs: a copy is still the child's alone; shared
        // memory is the caller's own.
        int32_t tid = pid;
        if (shares_memory)
            (void)sys::copy_to_user(request.child_tid, &tid, sizeof(tid));
        else
            (void)child->mm->unshared().space().copy_to(request.child_tid, &tid, sizeof(tid));
    }
    make_ready(t);
    if (flags & kCloneVfork) {
        // Until the child execs or exits. A kill ends the wait; a signal
        // does not (Linux waits killably too). The child is looked up
        // afresh each time: a sibling thread's wait may reap it meanwhile.
        sync::NoInterruptsGuard lock(g_table_lock);
        for (;;) {
            Process* c = g_table.find(pid);
            if (!c || c->parent != parent || !c->vfork_pending) break;
            if (parent->child_exited.wait(g_table_lock, {}, WaitMode::kKillable) ==
                WakeReason::kKilled)
                break;
        }
    }
    return pid;
}

Result<void> exec_current(const char* path, const ProgramArgs& args, arch::InterruptFrame& regs) {
    Thread* thread = current_thread();
    Process* p = thread->process;
    HeapPtr<ExecImage> loaded(new (std::nothrow) ExecImage);
    if (!loaded.get()) return Error::kNoMemory;
    ExecImage& image = *loaded.get();
    TRY(load_exec_image(path, args, image));
    SignalActions* actions = nullptr;
    if (image.personality == Personality::kLinux) {
        actions = new_signal_actions(p->signal_actions);
        if (!actions) return Error::kNoMemory;
    }
    // A descriptor table another holder shares is copied first, as Linux's
    // unshare_files: the close-on-exec below must not close theirs.
    // (Harmless if the exec then failed: the copy is ours.) The process's
    // own threads share its table without a reference each, and end before
    // the commit.
    auto unshared = unshare_files(p);
    if (!unshared.ok()) {
        delete actions;
        return unshared.error();
    }
    MemorySpace* space = MemorySpace::create(static_cast<mm::ProcessMemory&&>(image.memory));
    if (!space) {
        delete actions;
        return Error::kNoMemory;
    }
    // The point of no return for the other threads: the new image is
    // loaded and everything the commit needs is had.
    if (auto ended = end_other_threads(thread, p); !ended.ok()) {
        delete actions;
        MemorySpace::release(space);  // never loaded anywhere
        return ended.error();
    }

    {
        sync::NoInterruptsGuard lock(g_table_lock);
        end_vfork_locked(p);
        p->did_exec = true;
    }
    // The old memory's last rites, as Linux's exec_mm_release: the robust
    // futexes this thread holds, and the clear-tid word if others share the
    // memory (a vfork parent's); the new program starts with neither.
    clear_child_tid(thread, p);
    space->unshared().set_stack_limit(p->resources.limit(rlimit::kStack).soft);
    // Commit: nothing below can fail. The new space goes live first, so
    // the old one is no longer loaded here when it is let go (the other
    // threads have ended and left their CPUs; a vfork parent's space stays
    // its parent's, who resumes).
    {
        arch::InterruptDisabler no_interrupts;
        uint64_t root = space->cr3();
        thread->active_root = root;
        mm::load_cr3(root);
    }
    MemorySpace* old_space;
    {
        // ps reads the counts of p->mm under the table lock.
        sync::NoInterruptsGuard lock(g_table_lock);
        old_space = p->mm;
        p->mm = space;
    }
    if (arch::kpti_enabled()) {
        // The roots the way back to user mode switches between: the new
        // space's (a switch since the commit took them from the old p->mm).
        arch::InterruptDisabler no_interrupts;
        arch::set_entry_roots(space->cr3(), space->user_cr3());
    }
    MemorySpace::release(old_space);
    p->personality = image.personality;
    SignalActions* old_actions;
    {
        // Senders reach the table under the table lock (and change it under
        // the signal lock), the timer interrupt under the timer lock:
        // swapped under all three, freed after (with what it still queues,
        // for a program without signals). Signals pending for the process
        // stay pending, and its interval timers armed, as on Linux.
        sync::NoInterruptsGuard timers(g_itimer_lock);
        sync::NoInterruptsGuard lock(g_table_lock);
        sync::Guard signals(g_signal_lock);
        old_actions = p->signal_actions;
        if (actions && old_actions) move_pending(*old_actions, *actions);
        carry_timers_locked(*p, actions);
        if (actions) raise_return_attention(p);
        p->signal_actions = actions;
    }
    delete old_actions;
    {
        sync::NoInterruptsGuard lock(g_signal_lock);
        thread->signals.altstack_flags = kSsDisable;
        thread->signals.altstack_sp = thread->signals.altstack_size = 0;
        if (!actions) thread->signals = ThreadSignals{};
    }
    copy_name(p->name, path);
    p->resources.change_controls([](ProcessControls& c) { c.on_exec(); });
    fs::Inode* old_program;
    {
        // Swapped under the table lock: /proc takes its reference under it.
        sync::NoInterruptsGuard lock(g_table_lock);
        old_program = p->exe;
        p->exe = image.file;
    }
    image.file = nullptr;
    fs::drop_running(old_program);
    // Descriptors marked FD_CLOEXEC close now (their releases may end pipe
    // ends: no lock is held here).
    p->files->close_on_exec();

    // The new program starts from clean registers, a clean FPU (AVX state
    // included) and null segments with FS and GS bases 0, as on Linux.
    arch::fpu_load_clean_image(thread->fpu_state());
    arch::fpu_restore(thread->fpu_state());
    reset_user_segments();
    memset(&regs, 0, sizeof(regs));
    regs.rip = image.entry;
    regs.rsp = image.stack_pointer;
    regs.cs = arch::kUserCodeSelector;
    regs.ss = arch::kUserDataSelector;
    regs.rflags = 0x202;  // IF
    regs.vector = arch::kSyscallVector;
    regs.error_code = ~uint64_t(0);  // nothing to restart
    return {};
}

namespace {

// The last thread of `p` ends the process: its memory and descriptors go,
// it becomes a zombie with `wait_status` for its parent to reap. Every other
// thread has ended and left its CPU (so the space is live nowhere).
[[noreturn]] void end_process(Thread* thread, Process* p, int wait_status);

// Ends the calling thread; if it is its process's last, the process too:
// with the group exit's status if one is under way, else with
// `wait_status` when the thread ends the whole process (exit_group alone),
// else (exit(2) of the last thread) with its leader's, as Linux reports.
[[noreturn]] void end_thread(int wait_status, bool whole_process) {
    Thread* thread = current_thread();
    Process* p = thread->process;
    VERIFY(p);
    if (p->signal_actions && __atomic_load_n(&p->live_threads, __ATOMIC_RELAXED) > 1)
        stop_taking_signals(thread, p);
    clear_child_tid(thread, p);
    arch::disable_interrupts();
    g_table_lock.lock();
    // The leader's own status is the process's if the others end later by
    // exit(2) alone, as Linux reports the leader's exit code.
    if (thread == p->thread) p->leader_exit_status = wait_status;
    if (--p->live_threads > 0) {
        // Not the last: this thread just leaves. Its Thread and stack stay
        // on the process's list until a sibling's clone or the reaper frees
        // them, once it has left this CPU. An execve in another thread may
        // be waiting for it (child_exited).
        g_scheduler_lock.lock();
        g_table_lock.unlock();
        p->child_exited.wake_all_locked();
        thread->state = ThreadState::kDead;
        schedule_away_from_dead();
    }
    g_table_lock.unlock();
    if (__atomic_load_n(&p->group_exiting, __ATOMIC_RELAXED))
        wait_status = p->group_exit_status;
    else if (!whole_process)
        wait_status = p->leader_exit_status;
    // The others have ended (live_threads is 0); the list is still now (only
    // live threads change it). Each must have left its CPU, and with it the
    // space, before the space is destroyed.
    for (Thread* t = p->thread; t; t = t->next_in_process)
        if (t != thread) wait_until_off_cpu(t);
    end_process(thread, p, wait_status);
}

}  // namespace

void exit_current(int wait_status) {
    Process* p = current_process();
    VERIFY(p);
    // Alone, there is no one to stop (and no one can start a thread now).
    if (__atomic_load_n(&p->live_threads, __ATOMIC_RELAXED) > 1)
        request_group_exit(p, wait_status, nullptr);
    end_thread(wait_status, true);
}

void exit_thread(int wait_status) {
    end_thread(wait_status, false);
}

namespace {

void end_process(Thread* thread, Process* p, int wait_status) {
    // First: no timer interrupt may find the process once it can be freed.
    stop_process_timers(*p);
    // Switch away from the dying space before destroying it.
    uint64_t kernel_root = mm::kernel_root();
    thread->active_root = kernel_root;
    if (arch::read_cr3() != kernel_root) mm::load_cr3(kernel_root);
    if (arch::kpti_enabled()) {
        // Never back to user mode: no user root to remember (the space's
        // frames may be reused once it is freed below).
        arch::InterruptDisabler no_interrupts;
        arch::set_entry_roots(kernel_root, 0);
    }
    p->resources.note_resident_pages(resident_pages(*p));  // for the parent's getrusage
    MemorySpace* space;
    fs::FdTable* files;
    {
        // ps and /proc read p->mm and p->files under the table lock.
        sync::NoInterruptsGuard lock(g_table_lock);
        space = p->mm;
        p->mm = nullptr;
        files = p->files;
        p->files = nullptr;
    }
    // The last user destroys it: every thread of this process has left it;
    // a vfork parent (or child) still in it keeps it.
    MemorySpace::release(space);
    // Closing may end pipe ends (waking their readers and writers) and
    // free descriptions: it takes their locks and the scheduler's, none of
    // which is held here.
    fs::FdTable::release(files);
    // A session leader's end: its controlling terminal is released and the
    // foreground group hung up (after the table lock, as it signals).
    if (p->sid == p->pid) fs::release_session_terminal(p->sid);

    g_table_lock.lock();
    g_foreground.forget(*p);
    if (p == g_init) {
        g_table_lock.unlock();
        int code = NYAN_WIFEXITED(wait_status) ? NYAN_WEXITSTATUS(wait_status)
                                               : 128 + NYAN_WTERMSIG(wait_status);
        report_stack_audit();
        kprintf("init exited: %d\n", code);
        power::power_off(uint32_t(code));
    }
    Process* parent = p->parent;
    end_vfork_locked(p);
    OrphanCandidates orphans = orphan_candidates_of_locked(p);
    Process* reaper = reaper_for_locked(p);
    // One pass over the table: each child is noted and told before it is
    // handed to the reaper.
    ExitWakes wakes = g_table.mark_exited(p, wait_status, reaper, [&](Process* child) {
        g_table_lock.assert_held();
        orphans.note_child_locked(p, child);
        tell_child_of_ending_locked(child, p, reaper);
    });
    for (int i = 0; i < orphans.count; ++i) hang_up_orphaned_locked(orphans.pgids[i], p->sid);
    // A Linux parent learns of it by its exit signal, SIGCHLD unless clone
    // said otherwise (dropped unless the parent handles it).
    if (parent && parent->signal_actions && p->exit_signal) {
        bool exited = NYAN_WIFEXITED(wait_status);
        PendingInfo info{exited ? kCldExited : kCldKilled, p->pid,
                         exited ? NYAN_WEXITSTATUS(wait_status) : NYAN_WTERMSIG(wait_status), 0, 0};
        (void)send_signal(parent, p->exit_signal, info);
    }
    // A parent that ignores SIGCHLD (or set SA_NOCLDWAIT) gets no zombie:
    // the process leaves the table now (kill() finds it no more, a wait
    // with nothing else to wait for fails with ECHILD) and is freed later.
    if (parent && reaps_children_itself(*parent, p->exit_signal)) {
        g_table.remove(p);
        p->next_in_table = g_self_reaped;
        __atomic_store_n(&g_self_reaped, p, __ATOMIC_RELAXED);
    }
    // The scheduler lock is taken before the table lock is let go, and held
    // through the switch away: a parent woken on another CPU can reap this
    // process only after that, and then waits for this thread to leave its
    // stack (wait_until_off_cpu) before freeing it.
    g_scheduler_lock.lock();
    g_table_lock.unlock();
    if (wakes.parent) wakes.parent->child_exited.wake_all_locked();
    if (wakes.reaper && wakes.reaper != wakes.parent) wakes.reaper->child_exited.wake_all_locked();
    thread->state = ThreadState::kDead;
    schedule_away_from_dead();
}

}  // namespace

namespace {

// Finds a child `which` selects with one of `events` to report (an exit,
// a stop, a continue), waiting for one unless `no_hang`. Reports its pid
// and status through `store`; with `reap`, the report is used up: a zombie
// leaves the table (the caller frees it), a stop or continue is not
// reported again.
template <typename Store>
Result<int> find_and_reap(ChildSelector which, uint8_t events, bool no_hang, bool reap,
                          Store&& store, Process*& reaped) {
    Process* self = current_process();
    Process* zombie = nullptr;
    reaped = nullptr;
    {
        sync::NoInterruptsGuard lock(g_table_lock);
        int status = 0;
        for (;;) {
            bool has_match = false;
            zombie = g_table.find_waitable_child(self, which, events, status, has_match);
            if (zombie) break;
            if (!has_match) return Error::kNoChild;
            if (no_hang) return 0;
            WakeReason reason = self->child_exited.wait(g_table_lock);
            if (reason == WakeReason::kKilled) break;
            if (reason == WakeReason::kInterrupted) return Error::kRestartSys;
        }
        if (zombie && !zombie->zombie) {
            TRY(store(status));
            if (reap) zombie->job.report = JobState::Report::kNone;
            return zombie->pid;
        }
        if (zombie) {
            TRY(store(status));
            if (reap) {
                // Its thread is off the CPU or has interrupts off for good:
                // its tick counts are final.
                self->resources.add_reaped_child(zombie->resources, process_cpu_ticks(*zombie));
                self->last_reaped_pid = zombie->pid;
                memcpy(self->last_reaped_reason, zombie->kill_reason, kKillReasonMax);
                g_table.remove(zombie);
                reaped = zombie;
            }
            return zombie->pid;
        }
    }
    arch::disable_interrupts();
    die_if_killed();
    panic("waitpid: woken as killed, but no kill is pending");
}

}  // namespace

Result<int> wait_child(int pid, int flags, StatusStore store_status, void* ctx) {
    if (pid == 0 || pid < -1) return Error::kInvalid;
    Process* zombie;
    auto r = find_and_reap(
        ChildSelector::from_waitpid(pid, 0), wait_event::kExited, flags & NYAN_WNOHANG, true,
        [&](int status) { return store_status(ctx, status); }, zombie);
    free_zombie(zombie);
    free_self_reaped();
    return r;
}

Result<int> wait_for_child(ChildSelector which, uint8_t events, bool no_hang, bool reap,
                           int& status) {
    Process* zombie;
    auto r = find_and_reap(
        which, events, no_hang, reap,
        [&](int s) -> Result<void> {
            status = s;
            return {};
        },
        zombie);
    free_zombie(zombie);
    free_self_reaped();
    return r;
}

int parent_pid(const Process& p) {
    sync::NoInterruptsGuard lock(g_table_lock);
    return p.parent ? p.parent->pid : 0;
}

const char* last_kill_reason(int pid) {
    Process* t = current_process();
    if (t->last_reaped_pid == pid && t->last_reaped_reason[0]) return t->last_reaped_reason;
    return nullptr;
}

Result<void> kill(int pid, int signal) {
    if (pid <= 0) return Error::kInvalid;
    Process* self = current_process();
    {
        sync::NoInterruptsGuard lock(g_table_lock);
        Process* t = g_table.find(pid);
        if (!t || t->zombie) return Error::kNoProcess;
        // Killing init would power the machine off: only init may end itself.
        if (t == g_init && t != self) return Error::kPermission;
        if (t != self) {
            // It dies on its next turn, in its own context (its space is
            // live only there). The table lock keeps it from being reaped
            // meanwhile.
            char why[kKillReasonMax];
            format(why, sizeof(why), "kill() from pid %d", self->pid);
            request_kill(t, signal, why);
            return {};
        }
    }
    exit_current(signal);
}

Result<uint64_t> sbrk(int64_t increment) {
    Process& self = *current_process();
    MemoryGuard lock(*self.mm);
    return self.mm->memory.sbrk(increment);
}

Result<void> with_process(int pid, Result<void> (*fn)(Process&, void*), void* ctx) {
    if (pid <= 0) return Error::kNoProcess;
    sync::NoInterruptsGuard lock(g_table_lock);
    Process* p = g_table.find(pid);
    if (!p) return Error::kNoProcess;
    return fn(*p, ctx);
}

CpuTicks own_process_cpu_ticks() {
    sync::NoInterruptsGuard threads(g_signal_lock);
    return process_cpu_ticks(*current_process());
}

size_t process_count() {
    sync::NoInterruptsGuard lock(g_table_lock);
    return g_table.count();
}

TableCounts table_counts() {
    sync::NoInterruptsGuard lock(g_table_lock);
    TableCounts counts{0, g_table.last_pid(), g_table.pids_handed_out()};
    for (Process* p = g_table.first(); p; p = p->next_in_table) counts.threads += p->live_threads;
    return counts;
}

bool process_listed(int pid) {
    if (pid <= 0) return false;
    sync::NoInterruptsGuard lock(g_table_lock);
    return g_table.find(pid) != nullptr;
}

namespace {

// Thread `tid` of `p` if it has not ended (the table lock keeps the list).
Thread* live_thread_of(const Process& p, int tid) REQUIRES(g_table_lock) {
    for (Thread* t = p.thread; t; t = t->next_in_process) {
        if (t->tid == tid && t->observed_state() != ThreadState::kDead) return t;
    }
    return nullptr;
}

}  // namespace

bool thread_listed(int pid, int tid) {
    if (pid <= 0 || tid <= 0) return false;
    sync::NoInterruptsGuard lock(g_table_lock);
    Process* p = g_table.find(pid);
    return p && !p->zombie && live_thread_of(*p, tid);
}

int first_listed_thread_from(int pid, int from) {
    if (pid <= 0) return 0;
    sync::NoInterruptsGuard lock(g_table_lock);
    Process* p = g_table.find(pid);
    if (!p) return 0;
    if (p->zombie) return p->pid >= from ? p->pid : 0;  // a zombie lists its leader, as Linux
    int best = 0;
    for (Thread* t = p->thread; t; t = t->next_in_process) {
        if (t->observed_state() == ThreadState::kDead) continue;
        if (t->tid >= from && (best == 0 || t->tid < best)) best = t->tid;
    }
    return best;
}

int thread_group_of(int tid) {
    if (tid <= 0) return 0;
    sync::NoInterruptsGuard lock(g_table_lock);
    Thread* t = g_table.find_thread(tid);
    return t && t->observed_state() != ThreadState::kDead && t->process ? t->process->pid : 0;
}

int first_listed_process_from(int from) {
    sync::NoInterruptsGuard lock(g_table_lock);
    int best = 0;
    for (Process* p = g_table.first(); p; p = p->next_in_table) {
        if (p->pid >= from && (best == 0 || p->pid < best)) best = p->pid;
    }
    return best;
}

Result<fs::NodeId> working_directory_of(int pid) {
    if (pid <= 0) return Error::kNoProcess;
    sync::NoInterruptsGuard lock(g_table_lock);
    Process* p = g_table.find(pid);
    if (!p) return Error::kNoProcess;
    return p->cwd.id();
}

fs::Node working_directory(Process* p) {
    fs::NodeHold held;
    {
        // Shared under the table lock, which a chdir swaps it under (a
        // thread's chdir may drop the old one's last reference).
        sync::NoInterruptsGuard lock(g_table_lock);
        held = p->cwd.share();
    }
    fs::Node node = held.node(fs::vfs());
    held.release();
    return node;
}

fs::Node root_directory(Process* p) {
    fs::NodeHold held = p->resources.root();
    if (held.empty()) return fs::Node{};
    fs::Node node = held.node(fs::vfs());
    held.release();
    return node;
}

void set_working_directory(fs::NodeHold cwd) {
    Process* p = current_process();
    fs::NodeHold old;
    {
        // Under the table lock: /proc takes its hold under it.
        sync::NoInterruptsGuard lock(g_table_lock);
        old = p->cwd;
        p->cwd = cwd;
    }
    old.release();
}

Result<MemorySpace*> memory_of(int pid) {
    if (pid <= 0) return Error::kNoProcess;
    sync::NoInterruptsGuard lock(g_table_lock);
    Process* p = g_table.find(pid);
    if (!p) return Error::kNoProcess;
    return p->zombie || !p->mm ? nullptr : p->mm->share();
}

GroupList* groups_of(int pid) {
    if (pid <= 0) return nullptr;
    sync::NoInterruptsGuard lock(g_table_lock);
    Process* p = g_table.find(pid);
    return p ? p->resources.groups() : nullptr;
}

Result<rlimit::Table> limits_of(int pid) {
    if (pid <= 0) return Error::kNoProcess;
    sync::NoInterruptsGuard lock(g_table_lock);
    Process* p = g_table.find(pid);
    if (!p) return Error::kNoProcess;
    rlimit::Table table;
    for (uint32_t r = 0; r < rlimit::kCount; ++r)
        table[rlimit::Resource(r)] = p->resources.limit(rlimit::Resource(r));
    return table;
}

Result<fs::FdTable*> files_of(int pid) {
    if (pid <= 0) return Error::kNoProcess;
    sync::NoInterruptsGuard lock(g_table_lock);
    Process* p = g_table.find(pid);
    if (!p || !p->files) return Error::kNoProcess;
    p->files->add_ref();
    return p->files;
}

Result<void> unshare_files(Process* p) {
    // Only this process changes its own pointer, so reading it is safe;
    // the swap is under the table lock for files_of.
    fs::FdTable* copy = TRY(fs::FdTable::copy_if_shared(p->files));
    if (!copy) return {};
    fs::FdTable* old;
    {
        sync::NoInterruptsGuard lock(g_table_lock);
        old = p->files;
        p->files = copy;
    }
    old->release_ref();
    return {};
}

fs::InodeRef program_of(int pid) {
    if (pid <= 0) return {};
    sync::NoInterruptsGuard lock(g_table_lock);
    Process* p = g_table.find(pid);
    return p && p->exe ? fs::InodeRef::share(p->exe) : fs::InodeRef();
}

namespace {

// The signal sets of /proc/<pid>/status: `t`'s (null: none, a zombie's)
// and its process's.
void signal_figures(const Process& p, const Thread* t, fs::proc_text::ProcessFigures& out)
    REQUIRES(g_table_lock) {
    sync::NoInterruptsGuard lock(g_signal_lock);
    if (t) {
        out.sig_pending = t->signals.pending;
        out.sig_blocked = t->signals.blocked;
    }
    if (!p.signal_actions) return;  // a NyanOS program: no Linux signals
    out.sig_queued = pending_count(*p.signal_actions, t ? &t->signals : nullptr);
    out.sig_shared_pending = p.signal_actions->pending;
    out.sig_ignored = out.sig_caught = 0;
    for (int sig = 1; sig <= kSignalCount; ++sig) {
        uint64_t handler = p.signal_actions->action(sig).handler;
        if (handler == kSigIgn)
            out.sig_ignored |= sig_bit(sig);
        else if (handler != kSigDfl)
            out.sig_caught |= sig_bit(sig);
    }
}

}  // namespace

Result<void> thread_figures(int pid, int tid, fs::proc_text::ProcessFigures& out) {
    constexpr uint64_t kTicksPerUserHz = arch::kTimerHz / 100;
    sync::NoInterruptsGuard lock(g_table_lock);
    Process* p = g_table.find(pid);
    if (!p) return Error::kNoProcess;
    Thread* t = live_thread_of(*p, tid);
    if (!t) return Error::kNoProcess;
    out.tgid = pid;
    out.pid = tid;
    if (out.state != 'Z' && out.state != 'T') {
        ThreadState state = t->observed_state();
        out.state = state == ThreadState::kBlocked ? 'S' : 'R';
    }
    CpuTicks ticks = thread_cpu_ticks(*t);
    out.utime = ticks.user / kTicksPerUserHz;
    out.stime = ticks.system / kTicksPerUserHz;
    out.cpus_allowed = __atomic_load_n(&t->affinity, __ATOMIC_RELAXED);
    signal_figures(*p, t, out);
    return {};
}

Result<MemorySpace*> process_figures(int pid, fs::proc_text::ProcessFigures& out) {
    if (pid <= 0) return Error::kNoProcess;
    constexpr uint64_t kTicksPerUserHz = arch::kTimerHz / 100;
    sync::NoInterruptsGuard lock(g_table_lock);
    Process* p = g_table.find(pid);
    if (!p) return Error::kNoProcess;
    out.pid = p->pid;
    out.ppid = p->parent ? p->parent->pid : 0;
    out.pgid = p->pgid;
    out.sid = p->sid;
    ProcessState state = process_state(*p);
    out.state = state == ProcessState::kZombie    ? 'Z'
                : p->job.stopped                  ? 'T'
                : state == ProcessState::kBlocked ? 'S'
                                                  : 'R';
    format(out.name, sizeof(out.name), "%s", p->name);
    out.nice = p->nice;
    out.umask = p->resources.umask();
    creds::Credentials c = p->resources.credentials();
    const creds::IdSet* sets[2] = {&c.uid, &c.gid};
    uint32_t* into[2] = {out.uid, out.gid};
    for (int i = 0; i < 2; ++i) {
        into[i][0] = sets[i]->real;
        into[i][1] = sets[i]->effective;
        into[i][2] = sets[i]->saved;
        into[i][3] = sets[i]->fs;
    }
    CpuTicks own = process_cpu_ticks(*p), children = p->resources.children_ticks();
    out.utime = own.user / kTicksPerUserHz;
    out.stime = own.system / kTicksPerUserHz;
    out.cutime = children.user / kTicksPerUserHz;
    out.cstime = children.system / kTicksPerUserHz;
    out.threads = p->live_threads > 0 ? p->live_threads : 1;  // a zombie: its leader
    out.start_time = uint64_t(p->resources.start_seconds()) * 100;
    Process::MemoryCounts counts = p->memory_counts();
    out.resident_pages = counts.user_frames + counts.borrowed_pages;
    out.anon_pages = counts.user_frames;
    out.file_pages = counts.borrowed_pages;
    out.page_table_bytes = uint64_t(counts.table_frames) * paging::kPageSize;
    out.sig_queue_limit = p->resources.limit(rlimit::kSigpending).soft;
    // The leader's affinity (a thread's view has its own), among the CPUs
    // the scheduler runs.
    if (!p->zombie && p->thread)
        out.cpus_allowed = __atomic_load_n(&p->thread->affinity, __ATOMIC_RELAXED);
    out.cpu_ids = scheduler_cpu_count();
    rlimit::Limit rss = p->resources.limit(rlimit::kRss);
    out.rss_limit = rss.soft;
    out.exit_signal = p->exit_signal;
    out.exit_code = p->zombie ? p->wait_status : 0;
    signal_figures(*p, p->zombie ? nullptr : p->thread, out);
    return p->zombie || !p->mm ? nullptr : p->mm->share();
}

void for_each_process(void (*fn)(const Process&)) {
    sync::NoInterruptsGuard lock(g_table_lock);
    for (Process* t = g_table.first(); t; t = t->next_in_table) fn(*t);
}

size_t fill_process_list(nyan_process_info* out, size_t skip, size_t max) {
    sync::NoInterruptsGuard lock(g_table_lock);
    Process* t = g_table.first();
    for (; t && skip; t = t->next_in_table) --skip;
    size_t n = 0;
    for (; t && n < max; t = t->next_in_table, ++n) {
        nyan_process_info& info = out[n];
        memset(&info, 0, sizeof(info));
        info.pid = t->pid;
        info.parent = t->parent ? t->parent->pid : 0;
        info.state = int(process_state(*t));
        Process::MemoryCounts counts = t->memory_counts();
        info.pages = counts.user_frames + counts.table_frames;
        format(info.name, sizeof(info.name), "%s", t->name);
    }
    return n;
}

Result<void> set_foreground(int pid) {
    if (pid < 0) return Error::kInvalid;
    sync::NoInterruptsGuard lock(g_table_lock);
    Process* target = nullptr;
    if (pid > 0) {
        target = g_table.find(pid);
        if (!target || target->zombie) return Error::kNoProcess;
    }
    return g_foreground.set(*current_process(), target, g_init);
}

bool controls_console() {
    sync::NoInterruptsGuard lock(g_table_lock);
    return g_foreground.controls(*current_process(), g_init);
}

}  // namespace nyanos::proc
