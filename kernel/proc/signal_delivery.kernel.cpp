#include "proc/signal_delivery.h"

#include <string.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/cpu_features.h"
#include "arch/x86_64/fpu.h"
#include "lib/console.h"
#include "lib/format.h"
#include "lib/aligned_block.h"
#include "lib/heap_ptr.h"
#include "proc/cpu.h"
#include "proc/lifecycle.h"
#include "proc/scheduler.h"
#include "proc/scheduler_lock.h"
#include "proc/process_timers.h"
#include "proc/signal_frame.h"
#include "proc/signal_queue.h"
#include "proc/wait_event.h"
#include "proc/wait_queue.h"
#include "syscall/user_memory.h"

namespace nyanos::proc {

namespace {

Thread* self_thread() {
    return current_thread();
}

const char* signal_name(int sig) {
    static const char* const kNames[] = {
        "SIGHUP",  "SIGINT",    "SIGQUIT", "SIGILL",   "SIGTRAP", "SIGABRT", "SIGBUS",  "SIGFPE",
        "SIGKILL", "SIGUSR1",   "SIGSEGV", "SIGUSR2",  "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT",
        "SIGCHLD", "SIGCONT",   "SIGSTOP", "SIGTSTP",  "SIGTTIN", "SIGTTOU", "SIGURG",  "SIGXCPU",
        "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO",   "SIGPWR",  "SIGSYS"};
    if (sig >= 1 && sig <= 31) return kNames[sig - 1];
    return "SIGRT";
}

// Ends the process with `sig` as its cause (the kill reason says which).
[[noreturn]] void die_of(int sig) {
    Process* p = self_thread()->process;
    if (!p->kill_reason[0])
        format(p->kill_reason, sizeof(p->kill_reason), "killed: %s", signal_name(sig));
    exit_current(sig);
}

// What a handler's frame needs on the heap: the frame and the FPU image
// are too big for the kernel stack together. The image is this CPU's save
// area (64-byte aligned, arch::fpu_area_size() bytes: 832 with AVX) and
// room for FP_XSTATE_MAGIC2 after it.
struct DeliveryScratch {
    RtSigframe frame;
    AlignedBlock fpu;

    // nullptr when out of memory (nothing is left allocated then).
    static DeliveryScratch* try_create() {
        auto fpu = AlignedBlock::try_allocate(arch::fpu_area_size() + arch::kFpuAreaAlignment,
                                              arch::kFpuAreaAlignment);
        if (!fpu.ok()) return nullptr;
        DeliveryScratch* scratch = new (std::nothrow) DeliveryScratch;
        if (scratch) scratch->fpu = fpu.release_value();
        return scratch;
    }
};

// Loads the clean state (the handler's start, a frame without an image)
// into the live registers, through `area`.
void load_clean_fpu(uint8_t* area) {
    arch::fpu_load_clean_image(area);
    arch::fpu_restore(area);
}

// Builds the handler's frame on the user stack and points `regs` at the
// handler. False if the frame cannot be written (the caller kills).
bool setup_handler(arch::InterruptFrame& regs, int sig, const PendingInfo& info,
                   const SigAction& action, SigSet saved_mask) {
    Thread* self = self_thread();
    HeapPtr<DeliveryScratch> scratch(DeliveryScratch::try_create());
    if (!scratch.get()) return false;
    uint8_t* fpu = scratch->fpu.data();
    ThreadSignals signals;
    {
        sync::NoInterruptsGuard lock(g_signal_lock);
        signals = self->signals;
    }
    const SignalFpuLayout layout = signal_fpu_layout();
    size_t image_bytes = signal_fpu_image_bytes(layout);
    auto plan = plan_signal_frame(regs.rsp, signals, action, image_bytes);
    if (!plan.ok()) return false;
    // The live FPU registers are the thread's user state: the kernel never
    // touches them (-mgeneral-regs-only), and a switch away and back
    // restores them. The clean image first: whatever the save leaves
    // unwritten (a header's reserved bytes) is then well defined.
    arch::fpu_load_clean_image(fpu);
    arch::fpu_save(fpu);
    finish_signal_fpu_image(fpu, layout);
    uint64_t cr2 = regs.vector == 14 ? info.addr : 0;
    fill_signal_frame(scratch->frame, regs, sig, info, saved_mask, signals, action, plan.value(),
                      cr2);
    if (layout.xsave) scratch->frame.uc.flags |= kUcFpXstate;
    // The image, and FP_XSTATE_MAGIC2 after it with XSAVE.
    if (!sys::copy_to_user(plan.value().fpstate_at, fpu, image_bytes + (layout.xsave ? 4 : 0)).ok())
        return false;
    if (!sys::copy_to_user(plan.value().frame_at, &scratch->frame, sizeof(scratch->frame)).ok())
        return false;
    {
        sync::NoInterruptsGuard lock(g_signal_lock);
        ThreadSignals& s = self->signals;
        if (plan.value().on_altstack && (s.altstack_flags & kSsAutoDisarm)) {
            s.altstack_flags = kSsDisable;
            s.altstack_sp = s.altstack_size = 0;
        }
        s.blocked |= action.mask;
        if (!(action.flags & kSaNoDefer)) s.blocked |= sig_bit(sig);
        s.blocked &= ~kUnblockable;
    }
    enter_handler(regs, sig, action, plan.value());
    // The handler starts from a clean FPU state (AVX included), as on Linux.
    load_clean_fpu(fpu);
    return true;
}

// The system call `regs` came back from (rax its result) was interrupted:
// EINTR, or a restart of the same call (the `syscall` instruction is 2
// bytes). `handler` says whether a handler is about to run, and with what
// flags.
void settle_interrupted_call(arch::InterruptFrame& regs, bool handler, uint64_t flags) {
    if (regs.vector != arch::kSyscallVector || regs.error_code == ~uint64_t(0)) return;
    int64_t result = int64_t(regs.rax);
    bool restart_sys = result == -int64_t(Error::kRestartSys);
    bool restart_nohand = result == -int64_t(Error::kRestartNoHand);
    if (restart_sys || restart_nohand) {
        if (!handler || (restart_sys && (flags & kSaRestart))) {
            regs.rax = regs.error_code;
            regs.rip -= 2;
        } else {
            regs.rax = uint64_t(-int64_t(Error::kInterrupted));
        }
    }
    regs.error_code = ~uint64_t(0);  // settled: a later pass leaves it alone
}

}  // namespace

SignalFpuLayout signal_fpu_layout() {
    SignalFpuLayout layout;
    layout.xsave = arch::xcr0_enabled() != 0;
    if (layout.xsave) layout.xstate_size = uint32_t(arch::xsave_size());
    layout.xfeatures = arch::xcr0_enabled();
    layout.mxcsr_mask = arch::fpu_mxcsr_mask();
    return layout;
}

bool handles_signal(const Process& target, int sig) {
    if (!target.signal_actions || !valid_signal(sig)) return false;
    sync::NoInterruptsGuard lock(g_signal_lock);
    uint64_t handler = target.signal_actions->action(sig).handler;
    return handler != kSigDfl && handler != kSigIgn;
}

bool current_ignores_or_blocks(int sig) {
    Thread* self = current_thread();
    Process* p = self->process;
    if (!p || !p->signal_actions || !valid_signal(sig)) return false;
    sync::NoInterruptsGuard lock(g_signal_lock);
    if (self->signals.blocked & sig_bit(sig)) return true;
    return p->signal_actions->action(sig).handler == kSigIgn;
}

bool signal_interrupts_wait(const Thread* thread) NO_THREAD_SAFETY_ANALYSIS {
    if (!thread->process || !thread->process->signal_actions) return false;
    const ThreadSignals& s = thread->signals;
    // A stopped process's other threads leave their waits to stop too.
    if (__atomic_load_n(&thread->process->signal_actions->stopped, __ATOMIC_ACQUIRE)) return true;
    SigSet pending = __atomic_load_n(&s.pending, __ATOMIC_ACQUIRE) |
                     __atomic_load_n(&thread->process->signal_actions->pending, __ATOMIC_ACQUIRE);
    SigSet wanted = ~__atomic_load_n(&s.blocked, __ATOMIC_ACQUIRE);
    if (__atomic_load_n(&s.sigwaiting, __ATOMIC_ACQUIRE))
        wanted |= __atomic_load_n(&s.saved_blocked, __ATOMIC_ACQUIRE);
    return pending & wanted;
}

namespace {

// What sending `sig` does before it is queued, as Linux's prepare_signal:
// SIGCONT discards the process's pending stop signals, a stop signal its
// pending SIGCONT, in the process and in every thread. (Continuing a
// stopped process is the table's side: continue_process_locked.)
void prepare_signal(Process& target, SignalActions& table, int sig) REQUIRES(g_signal_lock) {
    SigSet drop = 0;
    if (sig == kSigCont) {
        drop = kStopSignals;
        ++table.continue_count;
    } else if (kStopSignals & sig_bit(sig)) {
        drop = sig_bit(kSigCont);
    }
    if (!drop) return;
    discard_pending(table, nullptr, drop);
    for_each_thread(target, [&](Thread& t) {
        g_signal_lock.assert_held();  // held by prepare_signal's caller
        discard_pending(table, &t.signals, drop);
    });
}

}  // namespace

Thread* thread_to_take(const Process& p, SigSet bits) {
    for (Thread* t = p.thread; t; t = t->next_in_process)
        if ((bits & ~t->signals.blocked) && t->observed_state() != ThreadState::kDead) return t;
    return nullptr;
}

namespace {

// A thread of `p` in rt_sigtimedwait for one of `bits` (which it blocks),
// or nullptr.
Thread* thread_awaiting(const Process& p, SigSet bits) REQUIRES(g_signal_lock) {
    for (Thread* t = p.thread; t; t = t->next_in_process)
        if (t->signals.sigwaiting && (t->signals.saved_blocked & bits) &&
            t->observed_state() != ThreadState::kDead)
            return t;
    return nullptr;
}

}  // namespace

Result<void> send_signal(Process* target, int sig, const PendingInfo& info, Thread* thread) {
    SignalActions* table = target->signal_actions;
    if (!table || sig == kSigKill) {
        char why[kKillReasonMax];
        format(why, sizeof(why), "killed: %s", signal_name(sig));
        request_kill(target, sig, why);
        return {};
    }
    // A realtime signal's instance is the sender's to allocate, before the
    // lock; one that is not queued is freed after it.
    QueuedSignal* entry = nullptr;
    uint64_t limit = 0;
    if (is_realtime(sig)) {
        entry = new (std::nothrow) QueuedSignal;
        limit = target->resources.limit(rlimit::kSigpending).soft;
    }
    Thread* t = thread;
    bool fatal = false, wake = false;
    Result<void> sent;
    {
        sync::NoInterruptsGuard lock(g_signal_lock);
        prepare_signal(*target, *table, sig);
        SigSet bit = sig_bit(sig);
        if (!t) t = thread_to_take(*target, bit);
        if (!t) t = thread_awaiting(*target, bit);
        const SigAction& action = table->action(sig);
        DefaultAction d = default_action(sig);
        // No thread takes it now (all block it, or are ending): it stays
        // pending for whichever unblocks it first, fatal or not. A blocked
        // signal is never ignored when sent: its action may change before
        // it is unblocked (Linux's sig_ignored).
        bool blocked = !t || (t->signals.blocked & bit);
        if (!blocked && table->ignores(sig)) {
            // dropped
        } else if (action.handler == kSigDfl && !blocked && !table->stopped &&
                   (d == DefaultAction::kTerminate || d == DefaultAction::kCore)) {
            fatal = true;
        } else {
            sent =
                add_pending(*table, thread ? &thread->signals : nullptr, sig, info, entry, limit);
            bool awaited = t && t->signals.sigwaiting && (t->signals.saved_blocked & bit);
            wake = sent.ok() && t && (!blocked || awaited);
        }
    }
    delete entry;
    if (fatal) {
        char why[kKillReasonMax];
        format(why, sizeof(why), "killed: %s", signal_name(sig));
        request_kill(target, sig, why);
        return {};
    }
    if (wake) interrupt_wait(t);
    if (sent.ok()) signal_sent_event().notify();
    return sent;
}

namespace {
WaitEvent g_signal_sent;
}  // namespace

WaitEvent& signal_sent_event() {
    return g_signal_sent;
}

bool signal_fault(int sig, int32_t code, uint64_t addr) {
    Thread* self = self_thread();
    SignalActions* table = self->process->signal_actions;
    if (!table) return false;
    sync::NoInterruptsGuard lock(g_signal_lock);
    const SigAction& action = table->action(sig);
    // A fault's signal that is blocked or ignored cannot be put off: the
    // process dies of it (Linux's force_sig_fault).
    if (action.handler == kSigDfl || action.handler == kSigIgn ||
        (self->signals.blocked & sig_bit(sig)))
        return false;
    table->info[sig - 1] = PendingInfo{code, 0, 0, 0, addr};
    self->signals.pending |= sig_bit(sig);
    return true;
}

namespace {

// What the thread does with a signal it took.
enum class Disposition : uint8_t { kSkip, kDie, kStop, kHandle };

}  // namespace

bool deliver_signals(arch::InterruptFrame& regs) {
    Thread* self = self_thread();
    Process* process = self->process;
    SignalActions* table = process->signal_actions;
    if (!table) return false;
    bool rewritten = false;
    for (;;) {
        int sig;
        PendingInfo info;
        SigAction action;
        SigSet saved_mask = 0;
        Disposition what = Disposition::kHandle;
        bool rearm_alarm = false;
        uint32_t continues = 0;
        bool join_stop;
        {
            sync::NoInterruptsGuard lock(g_signal_lock);
            join_stop = table->stopped;
        }
        if (join_stop) {
            // Another thread stopped the process: this one stops with it.
            wait_while_stopped();
            arch::InterruptDisabler no_interrupts;
            die_if_killed();
            continue;
        }
        {
            sync::NoInterruptsGuard lock(g_signal_lock);
            ThreadSignals& s = self->signals;
            sig = next_signal(s.pending | table->pending, s.blocked);
            if (!sig) break;
            bool shared = take_pending(*table, s, sig, info);
            rearm_alarm = shared && sig == kSigAlrm;
            action = table->action(sig);
            if (action.handler == kSigIgn) {
                what = Disposition::kSkip;
            } else if (action.handler == kSigDfl) {
                DefaultAction d = default_action(sig);
                what = d == DefaultAction::kTerminate || d == DefaultAction::kCore
                           ? Disposition::kDie
                       : d == DefaultAction::kStop ? Disposition::kStop
                                                   : Disposition::kSkip;
                continues = table->continue_count;
            } else {
                if (action.flags & kSaResetHand) {
                    table->actions[sig - 1].handler = kSigDfl;
                    table->actions[sig - 1].flags &= ~kSaSiginfo;
                }
                saved_mask = s.restore_saved ? s.saved_blocked : s.blocked;
                s.restore_saved = false;
            }
        }
        // Linux starts a periodic ITIMER_REAL's next period as its SIGALRM
        // is taken (interval_timer.h).
        if (rearm_alarm) rearm_real_timer(*process);
        if (info.code == kSiTimer) info.status = posix_timer_signal_taken(*process, info);
        if (what == Disposition::kSkip) continue;
        if (what == Disposition::kDie) die_of(sig);
        if (what == Disposition::kStop) {
            stop_current_process(sig, continues);
            arch::InterruptDisabler no_interrupts;
            die_if_killed();  // SIGKILL ends a stopped process
            continue;
        }
        settle_interrupted_call(regs, true, action.flags);
        if (!setup_handler(regs, sig, info, action, saved_mask)) {
            Process* p = self->process;
            format(p->kill_reason, sizeof(p->kill_reason),
                   "killed: SIGSEGV (no room for a signal frame below 0x%lx)", regs.rsp);
            kprintf("[pid %d %s] %s\n", p->pid, p->name, p->kill_reason);
            exit_current(kSigSegv);
        }
        rewritten = true;
    }
    if (regs.vector == arch::kSyscallVector && regs.error_code != ~uint64_t(0)) {
        uint64_t before = regs.rip;
        settle_interrupted_call(regs, false, 0);
        rewritten |= regs.rip != before;
    }
    sync::NoInterruptsGuard lock(g_signal_lock);
    if (self->signals.restore_saved) {
        self->signals.blocked = self->signals.saved_blocked;
        self->signals.restore_saved = false;
    }
    return rewritten;
}

Result<void> change_signal_action(int sig, const SigAction* new_action, SigAction* old_action) {
    Thread* self = self_thread();
    SignalActions* table = self->process->signal_actions;
    if (!table) return Error::kNoSys;
    sync::NoInterruptsGuard lock(g_signal_lock);
    return change_action(*table, self->signals, sig, new_action, old_action);
}

Result<SigSet> change_signal_mask(int how, const SigSet* set) {
    Thread* self = self_thread();
    sync::NoInterruptsGuard lock(g_signal_lock);
    SigSet old = self->signals.blocked;
    if (set) self->signals.blocked = TRY(apply_mask_change(old, how, *set));
    return old;
}

SigSet pending_signals() {
    Thread* self = self_thread();
    SignalActions* table = self->process->signal_actions;
    sync::NoInterruptsGuard lock(g_signal_lock);
    SigSet pending = self->signals.pending | (table ? table->pending : 0);
    return pending & self->signals.blocked;
}

Error suspend_with_mask(SigSet mask) {
    begin_wait_mask(mask);
    // Nobody wakes this queue: only a signal (or a kill) ends the wait.
    WaitQueue never;
    {
        sync::NoInterruptsGuard lock(g_scheduler_lock);
        while (never.wait_locked() == WakeReason::kWoken) {
        }
    }
    die_if_killed();
    return Error::kRestartNoHand;
}

void begin_wait_mask(SigSet mask) {
    Thread* self = self_thread();
    sync::NoInterruptsGuard lock(g_signal_lock);
    self->signals.saved_blocked = self->signals.blocked;
    self->signals.restore_saved = true;
    self->signals.blocked = mask & ~kUnblockable;
}

void end_wait_mask(bool interrupted) {
    if (interrupted) return;
    Thread* self = self_thread();
    sync::NoInterruptsGuard lock(g_signal_lock);
    if (!self->signals.restore_saved) return;
    self->signals.blocked = self->signals.saved_blocked;
    self->signals.restore_saved = false;
}

Result<int> wait_for_signal(SigSet set, Deadline deadline, bool poll, PendingInfo& info) {
    Thread* self = self_thread();
    SignalActions* table = self->process->signal_actions;
    if (!table) return Error::kNoSys;
    set &= ~kUnblockable;
    bool rearm_alarm = false;
    // Takes the first pending signal of `set`, under the signal lock.
    auto take = [&]() -> int {
        g_signal_lock.assert_held();
        ThreadSignals& s = self->signals;
        int sig = next_signal((s.pending | table->pending) & set, 0);
        if (sig) rearm_alarm = take_pending(*table, s, sig, info) && sig == kSigAlrm;
        return sig;
    };
    int sig;
    {
        sync::NoInterruptsGuard lock(g_signal_lock);
        sig = take();
        if (!sig && !poll) {
            self->signals.saved_blocked = set;
            __atomic_store_n(&self->signals.sigwaiting, true, __ATOMIC_RELEASE);
        }
    }
    WakeReason reason = WakeReason::kTimedOut;
    if (!sig && !poll) {
        reason = sleep_until(deadline);  // no deadline: until a signal or a kill
        sync::NoInterruptsGuard lock(g_signal_lock);
        __atomic_store_n(&self->signals.sigwaiting, false, __ATOMIC_RELEASE);
        self->signals.saved_blocked = 0;
        sig = take();
    }
    if (rearm_alarm) rearm_real_timer(*self->process);
    if (sig && info.code == kSiTimer) info.status = posix_timer_signal_taken(*self->process, info);
    if (sig) return sig;
    if (reason == WakeReason::kTimedOut) return Error::kAgain;
    return Error::kInterrupted;  // Linux's answer: no restart
}

void return_from_handler(arch::InterruptFrame& regs) {
    Thread* self = self_thread();
    Process* p = self->process;
    // The handler's `ret` popped the return address: the frame starts 8
    // bytes below the stack pointer it left.
    uint64_t frame_at = regs.rsp - 8;
    HeapPtr<DeliveryScratch> scratch(DeliveryScratch::try_create());
    bool ok = scratch.get() &&
              sys::copy_from_user(&scratch->frame, frame_at, sizeof(scratch->frame)).ok();
    uint64_t fpstate = ok ? scratch->frame.uc.mcontext.fpstate : 0;
    uint8_t* fpu = ok ? scratch->fpu.data() : nullptr;
    if (ok && fpstate) {
        // The legacy region first; its software bytes say whether an xsave
        // image follows, and how long it is (never more than this CPU's).
        const SignalFpuLayout layout = signal_fpu_layout();
        ok = sys::copy_from_user(fpu, fpstate, kFxsaveBytes).ok();
        size_t bytes = ok ? signal_fpu_bytes_to_read(fpu, layout) : 0;
        if (ok && bytes > kFxsaveBytes)
            ok = sys::copy_from_user(fpu + kFxsaveBytes, fpstate + kFxsaveBytes,
                                     bytes - kFxsaveBytes)
                     .ok();
        ok = ok && prepare_signal_fpu_restore(fpu, bytes, layout);
    }
    arch::InterruptFrame restored = regs;
    SigSet blocked = 0;
    if (ok) ok = restore_signal_frame(scratch->frame, restored, blocked).ok();
    if (!ok) {
        // exit_current never returns: the scratch block goes first, or it
        // would leak with every forged frame.
        delete scratch.release();
        format(p->kill_reason, sizeof(p->kill_reason),
               "killed: SIGSEGV (rt_sigreturn with a bad frame at 0x%lx)", frame_at);
        kprintf("[pid %d %s] %s\n", p->pid, p->name, p->kill_reason);
        exit_current(kSigSegv);
    }
    if (fpstate)
        arch::fpu_restore(fpu);  // checked and made safe above
    else
        load_clean_fpu(fpu);
    const LinuxStack& st = scratch->frame.uc.stack;
    AltStack alt{st.sp, uint32_t(st.flags) & ~kSsOnStack, st.size};
    (void)change_altstack(&alt, nullptr, restored.rsp);
    regs = restored;
    regs.error_code = ~uint64_t(0);  // no restart of "the call" rt_sigreturn
    sync::NoInterruptsGuard lock(g_signal_lock);
    self->signals.blocked = blocked;
}

Result<void> change_altstack(const AltStack* new_stack, AltStack* old_stack, uint64_t user_rsp) {
    Thread* self = self_thread();
    sync::NoInterruptsGuard lock(g_signal_lock);
    ThreadSignals& s = self->signals;
    bool on = on_altstack(s, user_rsp);
    if (old_stack) {
        *old_stack = AltStack{s.altstack_sp, s.altstack_flags, s.altstack_size};
        if (on) old_stack->flags = kSsOnStack;
        if (s.altstack_flags & kSsDisable) *old_stack = AltStack{0, kSsDisable, 0};
    }
    if (!new_stack) return {};
    if (on) return Error::kPermission;
    uint32_t mode = new_stack->flags & ~kSsAutoDisarm;
    if (mode != 0 && mode != kSsDisable && mode != kSsOnStack) return Error::kInvalid;
    if (mode == kSsDisable) {
        s.altstack_flags = kSsDisable;
        s.altstack_sp = s.altstack_size = 0;
        return {};
    }
    if (new_stack->size < kMinSigStackSize) return Error::kNoMemory;
    s.altstack_sp = new_stack->sp;
    s.altstack_size = new_stack->size;
    s.altstack_flags = new_stack->flags & kSsAutoDisarm;
    return {};
}

SignalActions* new_signal_actions(const SignalActions* inherit_ignored) NO_THREAD_SAFETY_ANALYSIS {
    auto* table = new (std::nothrow) SignalActions;
    if (!table || !inherit_ignored) return table;
    sync::NoInterruptsGuard lock(g_signal_lock);
    for (int i = 0; i < kSignalCount; ++i)
        if (inherit_ignored->actions[i].handler == kSigIgn) table->actions[i].handler = kSigIgn;
    return table;
}

bool parent_wants_stop_reports(const Process& parent) {
    if (!parent.signal_actions) return false;
    sync::NoInterruptsGuard lock(g_signal_lock);
    return !(parent.signal_actions->action(kSigChld).flags & kSaNoCldStop);
}

bool reaps_children_itself(const Process& parent, int exit_signal) {
    if (!parent.signal_actions || exit_signal != kSigChld) return false;
    sync::NoInterruptsGuard lock(g_signal_lock);
    const SigAction& a = parent.signal_actions->action(kSigChld);
    return a.handler == kSigIgn || (a.flags & kSaNoCldWait);
}

}  // namespace nyanos::proc
