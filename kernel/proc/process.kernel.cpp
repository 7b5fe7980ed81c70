// The kernel side of processes: CPU state around the portable scheduler.
//
// Following a CR3: spawn() creates an AddressSpace and loads the ELF into it
// under a ScopedCr3 guard; the new Task owns the space; switch_to() loads
// next->active_root unless it is already live (the idle task has none and
// keeps whatever is live); exit_current() first switches to the kernel's
// root, then destroys the space, so a space is never destroyed while live;
// the reaper (waitpid) frees what is left: the kernel stack and the Task.
#include "proc/process.h"

#include <string.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/interrupts.h"
#include "arch/x86_64/io.h"
#include "arch/x86_64/timer.h"
#include "boot_info.h"
#include "lib/console.h"
#include "dev/console_input.h"
#include "dev/power.h"
#include "fs/files.h"
#include "mm/pcid.h"
#include "lib/format.h"
#include "lib/heap_ptr.h"
#include "lib/panic.h"
#include "mm/kernel_memory_context.h"
#include "mm/vmm.h"
#include "proc/elf.h"
#include "proc/scheduler.h"
#include "proc/scoped_cr3.h"
#include "proc/stack_audit.h"
#include "proc/user_layout.h"

extern "C" void arch_switch_context(uint64_t* save_rsp, uint64_t next_rsp);
extern "C" void arch_task_first_entry();
extern "C" void arch_syscall_entry();

namespace nyanos::proc {

namespace {

// One 4 KiB page, with an unmapped guard page below; its top 512 bytes hold
// the FPU state, so the stack proper is 3.5 KiB. The kstack_audit test
// (test/qemu/cases/kstack.py) measures the deepest use against that.
constexpr size_t kKernelStackPages = 1;

// The Task comes from the heap: at most 424 bytes fits its 448-byte slab
// slot (a 16-byte header and 8 bytes of red zone inside). Keep it there.
static_assert(sizeof(Task) <= 424, "Task outgrew the heap's 448-byte slot");
constexpr uint64_t kQuantumMs = 10;

// The per-CPU block GS points at in the kernel (see syscall_entry.S).
struct PerCpu {
    PerCpu* self;
    uint64_t kernel_rsp;  // offset 8: the current task's kernel stack top
    uint64_t user_rsp;    // offset 16: scratch for syscall entry
};
static_assert(__builtin_offsetof(PerCpu, kernel_rsp) == 8);
static_assert(__builtin_offsetof(PerCpu, user_rsp) == 16);

PerCpu g_cpu;
Task g_idle;
Task* g_current = &g_idle;
Task* g_init = nullptr;
TaskQueue g_run_queue;
TaskQueue g_sleepers;
TaskQueue g_input_waiters;
ProcessTable g_table;
uint64_t g_quantum_left = kQuantumMs;
bool g_need_resched = false;  // the quantum expired while the kernel was busy
int g_foreground = 0;
alignas(16) uint8_t g_clean_fpu_state[512];

// The kernel-stack high-water audit (cmdline `kstack_audit`, stack_audit.h).
struct StackAudit {
    bool enabled = false;
    size_t high_water = 0;  // bytes, the deepest of every task audited so far
    char deepest[kTaskNameMax] = {};
    uint64_t tasks = 0;
};
StackAudit g_audit;

constexpr uint32_t kMsrEfer = 0xC0000080, kMsrStar = 0xC0000081, kMsrLstar = 0xC0000082,
                   kMsrFmask = 0xC0000084, kMsrGsBase = 0xC0000101, kMsrKernelGsBase = 0xC0000102;

void make_ready(Task* t) {
    t->state = TaskState::kReady;
    t->wait_reason = WaitReason::kNone;
    g_run_queue.push_back(t);
}

// Switches the CPU to `next` (interrupts off). Returns when the current task
// is switched back to.
void switch_to(Task* next) {
    Task* prev = g_current;
    if (prev == next) {
        next->state = TaskState::kRunning;
        return;
    }
    if (prev != &g_idle) asm volatile("fxsave64 (%0)" : : "r"(prev->fpu_state()) : "memory");
    // No CR3 write to the idle task (it runs on whatever is live) or to a
    // task already on the live root.
    if (next != &g_idle && next->active_root != arch::read_cr3()) mm::load_cr3(next->active_root);
    arch::set_kernel_stack(next->stack_rsp0());
    g_cpu.kernel_rsp = next->stack_rsp0();
    g_current = next;
    next->state = TaskState::kRunning;
    if (next != &g_idle) asm volatile("fxrstor64 (%0)" : : "r"(next->fpu_state()) : "memory");
    arch_switch_context(&prev->saved_rsp, next->saved_rsp);
}

// Picks the next runnable task (or idle) and switches to it. The caller has
// already put the current task where it belongs (run queue, a wait queue,
// or nowhere for a zombie).
void schedule() {
    Task* next = g_run_queue.pop_front();
    if (!next) next = &g_idle;
    g_quantum_left = kQuantumMs;
    g_need_resched = false;
    switch_to(next);
}

void die_if_killed();

// Blocks the current task until woken. A task with a kill pending never
// blocks: nothing might wake it (a kill sent before it first ran, say).
void block_current(WaitReason reason, TaskQueue* queue) {
    die_if_killed();
    g_current->state = TaskState::kBlocked;
    g_current->wait_reason = reason;
    if (queue) queue->push_back(g_current);
    schedule();
}

void die_if_killed() {
    if (g_current != &g_idle && g_current->pending_signal) exit_current(g_current->pending_signal);
}

// Marks `t` to die at its next safe point and wakes it if it sleeps. Safe
// in interrupt context: it never switches tasks itself.
void request_kill(Task* t, int signal, const char* why) {
    if (t->pending_signal) return;
    t->pending_signal = signal;
    format(t->kill_reason, sizeof(t->kill_reason), "%s", why);
    if (t->state == TaskState::kBlocked) {
        g_sleepers.remove(t);
        g_input_waiters.remove(t);
        make_ready(t);
    }
}

// Wakes sleepers whose time has come; called on every tick.
void wake_sleepers(uint64_t now) {
    if (g_sleepers.empty()) return;
    TaskQueue still;
    while (Task* t = g_sleepers.pop_front()) {
        if (t->wake_at_ms <= now || t->pending_signal)
            make_ready(t);
        else
            still.push_back(t);
    }
    while (Task* t = still.pop_front()) g_sleepers.push_back(t);
}

void on_timer(arch::InterruptFrame& frame) {
    wake_sleepers(arch::uptime_ms());
    if (g_current == &g_idle) {
        if (!g_run_queue.empty()) schedule();
        return;
    }
    if (g_quantum_left > 0) --g_quantum_left;
    if (g_quantum_left == 0 && !g_run_queue.empty()) {
        if (!frame.from_user()) {
            // In the middle of a system call: switch at its next preempt_point().
            g_need_resched = true;
            return;
        }
        make_ready(g_current);
        schedule();
    }
    // Back on this task (maybe much later): a pending kill takes effect on
    // the way back to user mode.
    if (frame.from_user()) die_if_killed();
}

void wake_input_waiters() {
    while (Task* t = g_input_waiters.pop_front()) make_ready(t);
}

// Ctrl-C, in interrupt context: the foreground process dies at its next
// safe point (the next tick if it is computing in user mode).
bool on_console_interrupt() {
    if (g_foreground <= 0) return false;
    Task* t = g_table.find(g_foreground);
    if (!t || t->state == TaskState::kZombie) return false;
    request_kill(t, NYAN_SIGINT, "Ctrl-C on the console");
    return true;
}

const char* signal_for(uint64_t vector, int& signal) {
    switch (vector) {
        case 0:
            signal = NYAN_SIGFPE;
            return "divide error";
        case 3:
            signal = NYAN_SIGTRAP;
            return "breakpoint";
        case 6:
            signal = NYAN_SIGILL;
            return "invalid opcode";
        case 13:
            signal = NYAN_SIGSEGV;
            return "general protection";
        case 14:
            signal = NYAN_SIGSEGV;
            return "page fault";
        case 16:
        case 19:
            signal = NYAN_SIGFPE;
            return "floating point";
        default:
            signal = NYAN_SIGSEGV;
            return arch::exception_name(vector);
    }
}

// A CPU exception in user mode: demand paging, or the task dies alone.
void on_user_fault(arch::InterruptFrame& frame) {
    uint64_t cr2 = frame.vector == 14 ? arch::read_cr2() : 0;
    // A not-present fault in the lazy stack or heap maps a zero page.
    if (frame.vector == 14 && !(frame.error_code & 1) && handle_demand_fault(cr2, true)) return;
    int signal;
    const char* what = signal_for(frame.vector, signal);
    Task* t = g_current;
    if (frame.vector == 14) {
        format(t->kill_reason, sizeof(t->kill_reason), "killed: %s (%s) at 0x%lx (addr 0x%lx)",
               arch::exception_mnemonic(frame.vector), what, frame.rip, cr2);
    } else {
        format(t->kill_reason, sizeof(t->kill_reason), "killed: %s (%s) at 0x%lx",
               arch::exception_mnemonic(frame.vector), what, frame.rip);
    }
    kprintf("[pid %d %s] %s\n", t->pid, t->name, t->kill_reason);
    exit_current(signal);
}

void copy_name(char* out, const char* path) {
    const char* base = path;
    for (const char* p = path; *p; ++p)
        if (*p == '/') base = p + 1;
    format(out, kTaskNameMax, "%s", base);
}

// Builds the new task's kernel stack so that its first switch "returns" into
// user mode at the program's entry: an InterruptFrame at the top, and below
// it the callee-saved registers arch_switch_context pops plus its return
// address.
void prepare_first_entry(Task* t, uint64_t entry, uint64_t user_sp) {
    uint64_t top = t->stack_rsp0();
    auto* frame = reinterpret_cast<arch::InterruptFrame*>(top - sizeof(arch::InterruptFrame));
    memset(frame, 0, sizeof(*frame));
    frame->rip = entry;
    frame->cs = arch::kUserCodeSelector;
    frame->rflags = 0x202;  // IF
    frame->rsp = user_sp;
    frame->ss = arch::kUserDataSelector;
    auto* words = reinterpret_cast<uint64_t*>(frame) - 7;
    for (int i = 0; i < 6; ++i) words[i] = 0;  // r15 r14 r13 r12 rbx rbp
    words[6] = reinterpret_cast<uint64_t>(&arch_task_first_entry);
    t->saved_rsp = reinterpret_cast<uint64_t>(words);
}

// The part of t's kernel stack below its initial RSP: [lowest, rsp0).
struct StackSpan {
    uint8_t* lowest;
    size_t bytes;
};
StackSpan stack_span(const Task* t) {
    uint64_t lowest = t->kernel_stack_top - kKernelStackPages * kPageSize;
    return {reinterpret_cast<uint8_t*>(lowest), size_t(t->stack_rsp0() - lowest)};
}

void audit_stack(const Task* t) {
    if (!g_audit.enabled || !t->kernel_stack_top) return;
    StackSpan span = stack_span(t);
    size_t used = stack_bytes_used(span.lowest, span.bytes);
    ++g_audit.tasks;
    if (used <= g_audit.high_water) return;
    g_audit.high_water = used;
    format(g_audit.deepest, sizeof(g_audit.deepest), "%s", t->name);
}

// At power-off: the tasks still alive count too (init above all).
void report_stack_audit() {
    if (!g_audit.enabled) return;
    for (Task* t = g_table.first(); t; t = t->next_in_table) audit_stack(t);
    kprintf("kstack_audit: high-water %lu of %lu bytes (deepest: %s), %lu tasks audited\n",
            g_audit.high_water, kKernelStackPages * kPageSize - kFpuStateBytes, g_audit.deepest,
            g_audit.tasks);
}

void free_task(Task* t) {
    audit_stack(t);
    fs::close_all(t->files);  // exit did it already; a no-op then
    if (t->kernel_stack_top) mm::free_kernel_stack(t->kernel_stack_top);
    delete t;
}

}  // namespace

Task* current_task() {
    return g_current;
}

void init_processes() {
    g_cpu.self = &g_cpu;
    arch::wrmsr(kMsrGsBase, reinterpret_cast<uint64_t>(&g_cpu));
    arch::wrmsr(kMsrKernelGsBase, 0);
    arch::wrmsr(kMsrStar, arch::kStarValue);
    arch::wrmsr(kMsrLstar, reinterpret_cast<uint64_t>(&arch_syscall_entry));
    // IF, TF, DF, AC (so user-set AC cannot open SMAP in the kernel), NT.
    arch::wrmsr(kMsrFmask, 0x200 | 0x100 | 0x400 | 0x40000 | 0x4000);
    arch::wrmsr(kMsrEfer, arch::rdmsr(kMsrEfer) | 1);  // SCE: enable syscall/sysret

    // The state every new task's FPU starts from.
    asm volatile("fninit; fxsave64 %0" : "=m"(g_clean_fpu_state));
    uint32_t mxcsr = 0x1f80;
    memcpy(g_clean_fpu_state + 24, &mxcsr, sizeof(mxcsr));

    format(g_idle.name, sizeof(g_idle.name), "idle");
    g_idle.state = TaskState::kRunning;
    g_idle.kernel_stack_top = arch::kernel_stack();
    g_audit.enabled = cmdline_has("kstack_audit");
    if (g_audit.enabled) kprintf("kstack_audit: on\n");

    arch::set_user_fault_handler(on_user_fault);
    console_input::set_data_available_hook(wake_input_waiters);
    console_input::set_interrupt_hook(on_console_interrupt);
    arch::set_timer_handler(on_timer);
}

Result<int> spawn(const char* path, const ProgramArgs& args) {
    const fs::FileEntry* file = fs::lookup(path);
    if (!file) return Error::kNoEntry;
    if (file->is_directory) return Error::kIsDirectory;
    // The checked image (~700 bytes) lives on the heap, not on the one-page
    // kernel stack; validate() builds it there directly (guaranteed elision).
    HeapPtr<elf::ValidationResult> checked(new (std::nothrow) elf::ValidationResult(
        elf::validate(file->data, file->size, kImageBase, kImageLimit)));
    if (!checked.get()) return Error::kNoMemory;
    if (!checked->ok) {
        kprintf("exec %s: %s\n", path, elf::reject_reason(checked->reason));
        return Error::kNotExecutable;
    }

    uint8_t random16[16];
    uint64_t seed = arch::rdtsc();
    for (int i = 0; i < 16; ++i) {
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        random16[i] = uint8_t(seed >> 56);
    }

    mm::AddressSpace space = TRY(mm::AddressSpace::try_create(mm::kernel_memory_context()));
    LoadedProgram program;
    {
        // The design card's sandwich: load with the new space live. The
        // guard restores the caller's root on every path out of this block.
        ScopedCr3 guard(space.cr3());
        program = TRY(
            load_program(space, checked->image, file->data, args, random16, fs::file_frames(file)));
        // Loading a large program takes a while: let others run. A task
        // switched away from here must come back on the guarded root. (No
        // kill here: this frame still owns the half-built space.)
        yield_if_needed();
        VERIFY(arch::read_cr3() == space.cr3());
    }

    Task* task = new (std::nothrow) Task;
    if (!task) return Error::kNoMemory;
    auto stack = mm::allocate_kernel_stack(kKernelStackPages);
    if (!stack.ok()) {
        delete task;
        return stack.error();
    }
    task->kernel_stack_top = stack.value();
    if (g_audit.enabled) {
        StackSpan span = stack_span(task);
        paint_stack(span.lowest, span.bytes);
    }
    task->space = static_cast<mm::AddressSpace&&>(space);
    task->active_root = task->space.cr3();
    task->heap_base = task->heap_break = kHeapBase;
    memcpy(task->fpu_state(), g_clean_fpu_state, kFpuStateBytes);
    copy_name(task->name, path);
    prepare_first_entry(task, program.entry, program.stack_pointer);

    // Commit: nothing below can fail.
    arch::InterruptDisabler no_interrupts;
    task->pid = g_table.allocate_pid();
    task->parent = g_current == &g_idle ? nullptr : g_current;
    g_table.insert(task);
    make_ready(task);
    return task->pid;
}

void start_init(const char* path, const ProgramArgs& args) {
    // Interrupts stay off until g_init is set: otherwise a tick could run
    // init, and init exit, before the kernel knows it is init.
    arch::InterruptDisabler no_interrupts;
    auto pid = spawn(path, args);
    if (!pid.ok()) panic("init: cannot start %s: %s", path, error_name(pid.error()));
    g_init = g_table.find(pid.value());
}

void idle_loop() {
    for (;;) {
        arch::enable_interrupts();
        arch::halt();
    }
}

void exit_current(int wait_status) {
    arch::disable_interrupts();
    Task* t = g_current;
    VERIFY(t != &g_idle);
    // Switch away from the dying space before destroying it.
    uint64_t kernel_root = mm::kernel_root();
    t->active_root = kernel_root;
    if (arch::read_cr3() != kernel_root) mm::load_cr3(kernel_root);
    t->space = mm::AddressSpace();
    fs::close_all(t->files);
    if (g_foreground == t->pid) g_foreground = 0;
    g_run_queue.remove(t);
    g_sleepers.remove(t);
    g_input_waiters.remove(t);

    if (t == g_init) {
        int code = NYAN_WIFEXITED(wait_status) ? NYAN_WEXITSTATUS(wait_status)
                                               : 128 + NYAN_WTERMSIG(wait_status);
        report_stack_audit();
        kprintf("init exited: %d\n", code);
        power::power_off(uint32_t(code));
    }
    Task* waiter = g_table.mark_exited(t, wait_status, g_init);
    if (waiter) {
        g_run_queue.remove(waiter);
        make_ready(waiter);
    }
    schedule();
    panic("exit: a zombie was scheduled");
}

Result<int> wait_child(int pid, int flags, StatusStore store_status, void* ctx) {
    if (pid == 0 || pid < -1) return Error::kInvalid;
    arch::InterruptDisabler no_interrupts;
    for (;;) {
        bool has_match = false;
        Task* zombie = g_table.find_zombie_child(g_current, pid, has_match);
        if (zombie) {
            TRY(store_status(ctx, zombie->wait_status));
            int reaped = zombie->pid;
            g_current->last_reaped_pid = reaped;
            memcpy(g_current->last_reaped_reason, zombie->kill_reason, kKillReasonMax);
            g_table.remove(zombie);
            free_task(zombie);
            return reaped;
        }
        if (!has_match) return Error::kNoChild;
        if (flags & NYAN_WNOHANG) return 0;
        g_current->waiting_for_pid = pid;
        block_current(WaitReason::kChild, nullptr);
        die_if_killed();
    }
}

const char* last_kill_reason(int pid) {
    Task* t = g_current;
    if (t->last_reaped_pid == pid && t->last_reaped_reason[0]) return t->last_reaped_reason;
    return nullptr;
}

Result<void> kill(int pid, int signal) {
    if (pid <= 0) return Error::kInvalid;
    arch::InterruptDisabler no_interrupts;
    Task* t = g_table.find(pid);
    if (!t || t->state == TaskState::kZombie) return Error::kNoProcess;
    // Killing init would power the machine off: only init may end itself.
    if (t == g_init && t != g_current) return Error::kPermission;
    if (t == g_current) exit_current(signal);
    // It dies on its next turn, in its own context (its space is live only there).
    char why[kKillReasonMax];
    format(why, sizeof(why), "kill() from pid %d", g_current->pid);
    request_kill(t, signal, why);
    return {};
}

void yield_if_needed() {
    if (g_current == &g_idle) return;
    arch::InterruptDisabler no_interrupts;
    if (!g_need_resched) return;
    g_need_resched = false;
    if (g_run_queue.empty()) return;
    make_ready(g_current);
    schedule();
}

void preempt_point() {
    // Every system call ends here: the common case is two loads. A flag set
    // by an interrupt just after this check is seen at the next tick, which
    // preempts or kills from user mode anyway.
    if (!g_need_resched && !g_current->pending_signal) return;
    yield_if_needed();
    arch::InterruptDisabler no_interrupts;
    die_if_killed();
}

void yield() {
    arch::InterruptDisabler no_interrupts;
    if (g_run_queue.empty()) return;
    make_ready(g_current);
    schedule();
}

void sleep_ms(uint64_t ms) {
    arch::InterruptDisabler no_interrupts;
    g_current->wake_at_ms = arch::uptime_ms() + ms;
    block_current(WaitReason::kSleep, &g_sleepers);
    die_if_killed();
}

void wait_for_input() {
    arch::InterruptDisabler no_interrupts;
    if (!console_input::empty()) return;
    block_current(WaitReason::kInput, &g_input_waiters);
    die_if_killed();
}

Result<uint64_t> sbrk(int64_t increment) {
    Task* t = g_current;
    uint64_t old = t->heap_break;
    if (increment == 0) return old;
    if (increment > 0) {
        if (uint64_t(increment) > kHeapLimit - old) return Error::kNoMemory;
        t->heap_break = old + uint64_t(increment);
        return old;
    }
    uint64_t shrink = uint64_t(-increment);
    if (shrink > old - t->heap_base) return Error::kInvalid;
    t->heap_break = old - shrink;
    // Return the whole pages above the new break.
    uint64_t first = (t->heap_break + kPageSize - 1) & ~(kPageSize - 1);
    uint64_t last = (old + kPageSize - 1) & ~(kPageSize - 1);
    if (last > first) t->space.unmap_range(first, (last - first) / kPageSize);
    return old;
}

bool handle_demand_fault(uint64_t address, bool known_absent) {
    Task* t = g_current;
    if (t == &g_idle) return false;
    bool in_stack = address >= kStackBottom && address < kStackTop;
    bool in_heap = address >= t->heap_base && address < t->heap_break;
    if (!in_stack && !in_heap) return false;
    uint64_t page = address & ~(kPageSize - 1);
    // A not-present fault already says the page is absent; a prefault for
    // a user copy must look first (the page is usually there).
    if (!known_absent && t->space.translate(page).ok()) return false;
    return t->space.map_anonymous(page, 1, mm::PageFlags{.writable = true}).ok();
}

size_t process_count() {
    return g_table.count();
}

size_t fill_process_list(nyan_process_info* out, size_t skip, size_t max) {
    arch::InterruptDisabler no_interrupts;
    Task* t = g_table.first();
    for (; t && skip; t = t->next_in_table) --skip;
    size_t n = 0;
    for (; t && n < max; t = t->next_in_table, ++n) {
        nyan_process_info& info = out[n];
        memset(&info, 0, sizeof(info));
        info.pid = t->pid;
        info.parent = t->parent ? t->parent->pid : 0;
        info.state = int(t->state);
        info.pages = t->space.user_frames() + t->space.table_frames();
        format(info.name, sizeof(info.name), "%s", t->name);
    }
    return n;
}

void set_foreground(int pid) {
    g_foreground = pid;
}

}  // namespace nyanos::proc

namespace nyanos::proc {

uint64_t TaskRoots::active() {
    uint64_t root = g_current->active_root;
    return root ? root : arch::read_cr3();
}

void TaskRoots::activate(uint64_t root) {
    arch::InterruptDisabler no_interrupts;
    g_current->active_root = root;
    if (arch::read_cr3() != root) mm::load_cr3(root);
}

}  // namespace nyanos::proc
