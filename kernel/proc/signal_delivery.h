// Sending and delivering signals (the rules: proc/signals.h; the frame a
// handler runs on: proc/signal_frame.h).
#pragma once

#include <stdint.h>

#include "arch/x86_64/interrupt_frame.h"
#include "nyanos/lib/result.h"
#include "proc/process.h"
#include "proc/signal_frame.h"
#include "proc/signals.h"

namespace nyanos::proc {

// Sends `sig` to `target` (a whole process), or to one of its threads
// when `thread` is given. A NyanOS program dies of any signal; SIGKILL,
// and a signal whose default action ends a Linux process that neither
// handles nor blocks it and is not stopped, end the process at once (as
// Linux does; a stopped one dies of it once continued); an
// ignored signal that is not blocked is dropped; otherwise it becomes
// pending (proc/signal_queue.h: a realtime one queued) and a thread
// blocked in an interruptible wait is woken. kAgain when a realtime
// signal other than kill()'s finds no room in the queue. SIGCONT discards
// pending stop signals and a stop signal a pending SIGCONT (continuing a
// stopped process is continue_process_locked's). Interrupts on or off,
// and from the timer interrupt (a standard signal: nothing to allocate);
// the caller keeps `target` alive (the table lock, or it is the caller).
// A process-directed signal (no `thread`) picks the thread it wakes under
// the signal lock and wakes it after: the caller holds the table lock (or
// the timer lock, for a timer's signal), so that the thread cannot be
// freed in between.
Result<void> send_signal(Process* target, int sig, const PendingInfo& info,
                         Thread* thread = nullptr);

// Which thread of `p` should take a process-directed signal among `bits`:
// the first that has not ended and blocks not all of them (Linux's
// complete_signal looks the same way, the leader first); nullptr if none
// does now (the signal waits, pending, for one to unblock it). A thread that
// is ending blocks every signal, so none is aimed at it.
Thread* thread_to_take(const Process& p, SigSet bits) REQUIRES(g_signal_lock);

// The FPU image a handler's frame holds on this CPU (signal_frame.h: an
// xsave image where XSAVE is on), for the frames and for AT_MINSIGSTKSZ.
SignalFpuLayout signal_fpu_layout();

// Whether `target` has a handler for `sig` (not SIG_DFL, not SIG_IGN).
bool handles_signal(const Process& target, int sig);
// Whether the calling thread blocks `sig` or its process ignores it (the
// terminal's SIGTTIN and SIGTTOU rules: such a reader or writer gets EIO,
// or goes ahead, instead of being stopped).
bool current_ignores_or_blocks(int sig);

// Whether `thread` has a signal pending that it does not block, so that a
// wait it starts must end at once (kInterrupted). Read without the signal
// lock, under the scheduler lock: a sender marks the signal pending before
// it takes the scheduler lock to wake the thread.
bool signal_interrupts_wait(const Thread* thread);

// On the way back to user mode (interrupts on, the current thread's saved
// user registers in `regs`): delivers what is pending and not blocked
// (handler frames, default actions, dies if one is fatal), then turns an
// interrupted system call's restart code into EINTR or a restart. True if
// `regs` changed beyond rax.
bool deliver_signals(arch::InterruptFrame& regs);

// A fault in user mode that the program may handle: true if a handler will
// run (the signal is queued), false if the caller must kill the process.
bool signal_fault(int sig, int32_t code, uint64_t addr);

// The Linux calls' kernel sides.
Result<void> change_signal_action(int sig, const SigAction* new_action, SigAction* old_action);
Result<SigSet> change_signal_mask(int how, const SigSet* set);
SigSet pending_signals();
// rt_sigsuspend: waits with `mask` until a signal is delivered. Always
// returns kRestartNoHand (EINTR once a handler ran).
Error suspend_with_mask(SigSet mask);
// ppoll, pselect6 and epoll_pwait(2): `mask` (less SIGKILL and SIGSTOP)
// takes the thread's mask's place for one wait, which a signal it
// unblocks interrupts (Linux's set_user_sigmask). After the wait,
// end_wait_mask puts the thread's own mask back at once, unless the call
// was `interrupted`: then signal delivery on the way out records the own
// mask in the handler's frame (sigreturn restores it) or, with no handler
// to run, puts it back itself, so that a signal the temporary mask let in
// is taken under that mask (Linux's restore_saved_sigmask_unless).
void begin_wait_mask(SigSet mask);
void end_wait_mask(bool interrupted);
// rt_sigtimedwait: takes a pending signal of `set` (blocked or not; never
// SIGKILL or SIGSTOP) into `info`, waiting for one until `deadline` unless
// `poll`. kAgain when none came in time, kInterrupted when another signal
// (or a kill) ended the wait first; the signal otherwise.
Result<int> wait_for_signal(SigSet set, Deadline deadline, bool poll, PendingInfo& info);
// Fired after any signal is made pending (signalfd's poll subscribes to
// it, as Linux's signalfd_notify wakes signalfd pollers at every send).
class WaitEvent;
WaitEvent& signal_sent_event();
// rt_sigreturn: the registers and mask saved in the frame at the user
// stack. Kills the process (SIGSEGV) on a bad frame.
void return_from_handler(arch::InterruptFrame& regs);
// sigaltstack. `new_stack` may be nullptr; `old_stack` receives the old one.
struct AltStack {
    uint64_t sp;
    uint32_t flags;
    uint64_t size;
};
Result<void> change_altstack(const AltStack* new_stack, AltStack* old_stack, uint64_t user_rsp);

// The signal actions a new Linux process starts with (execve keeps only
// which signals are ignored). nullptr on no memory.
SignalActions* new_signal_actions(const SignalActions* inherit_ignored);

// Whether `parent` wants SIGCHLD when a child stops or continues (no
// SA_NOCLDSTOP), and whether its children's exits reap themselves
// (SIGCHLD ignored, or SA_NOCLDWAIT; only for the exit signal SIGCHLD).
bool parent_wants_stop_reports(const Process& parent);
bool reaps_children_itself(const Process& parent, int exit_signal);

}  // namespace nyanos::proc
