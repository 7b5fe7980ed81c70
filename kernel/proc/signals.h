// Signals as Linux defines them (signal(7)): numbers 1..64, a per-process
// table of actions, per-thread masks, and what each signal does by default.
// The rules here are portable and host-tested; delivery (building frames on
// user stacks, waking threads) is proc/signal_delivery.
//
// NyanOS programs know one kind of signal, the fatal one (kill, Ctrl-C, a
// fault): for them every signal ends the process, as before. The Linux
// personality gets the full model: handlers, masks, ignoring, queuing.
//
// Standard signals (1..31) keep one pending instance each; realtime
// signals (32..64) are queued, one instance per send (proc/signal_queue.h).
// Stop signals stop the whole process and SIGCONT continues it
// (proc/lifecycle.h: stop_current_process).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "lib/nospec.h"
#include "nyanos/lib/result.h"
#include "proc/interval_timer.h"
#include "sync/spinlock.h"

namespace nyanos::proc {

// The signal lock: every process's SignalActions and every thread's
// ThreadSignals. Taken with interrupts off; after the process table lock
// and before the scheduler lock (docs/locking.md).
extern sync::SpinLock g_signal_lock;

inline constexpr int kSignalCount = 64;

// Linux's signal numbers (x86_64).
inline constexpr int kSigHup = 1, kSigInt = 2, kSigQuit = 3, kSigIll = 4, kSigTrap = 5,
                     kSigAbrt = 6, kSigBus = 7, kSigFpe = 8, kSigKill = 9, kSigUsr1 = 10,
                     kSigSegv = 11, kSigUsr2 = 12, kSigPipe = 13, kSigAlrm = 14, kSigTerm = 15,
                     kSigStkflt = 16, kSigChld = 17, kSigCont = 18, kSigStop = 19, kSigTstp = 20,
                     kSigTtin = 21, kSigTtou = 22, kSigUrg = 23, kSigXcpu = 24, kSigXfsz = 25,
                     kSigVtalrm = 26, kSigProf = 27, kSigWinch = 28, kSigIo = 29, kSigPwr = 30,
                     kSigSys = 31;

// A set of signals: bit n - 1 is signal n (Linux's sigset_t, 8 bytes).
using SigSet = uint64_t;
constexpr SigSet sig_bit(int sig) {
    return 1ull << (sig - 1);
}
constexpr bool valid_signal(int sig) {
    return sig >= 1 && sig <= kSignalCount;
}
// SIGRTMIN..SIGRTMAX as the kernel numbers them (C libraries keep the
// first two or three for themselves and start their SIGRTMIN above).
inline constexpr int kSigRtMin = 32;
constexpr bool is_realtime(int sig) {
    return sig >= kSigRtMin;
}
inline constexpr SigSet kStandardSignals = (1ull << (kSigRtMin - 1)) - 1;
// The signals whose default action stops the process.
inline constexpr SigSet kStopSignals =
    sig_bit(kSigStop) | sig_bit(kSigTstp) | sig_bit(kSigTtin) | sig_bit(kSigTtou);
// SIGKILL and SIGSTOP can be neither caught, blocked nor ignored.
inline constexpr SigSet kUnblockable = sig_bit(kSigKill) | sig_bit(kSigStop);
// Signals a fault raises: delivered before any other pending one, so the
// handler sees the fault's state (Linux's SYNCHRONOUS_MASK).
inline constexpr SigSet kSynchronous = sig_bit(kSigSegv) | sig_bit(kSigBus) | sig_bit(kSigIll) |
                                       sig_bit(kSigTrap) | sig_bit(kSigFpe) | sig_bit(kSigSys);

enum class DefaultAction : uint8_t { kTerminate, kCore, kIgnore, kStop, kContinue };
DefaultAction default_action(int sig);

// sa_handler values and sa_flags bits (Linux's).
inline constexpr uint64_t kSigDfl = 0, kSigIgn = 1;
inline constexpr uint64_t kSaNoCldStop = 1, kSaNoCldWait = 2, kSaSiginfo = 4,
                          kSaRestorer = 0x04000000, kSaOnStack = 0x08000000,
                          kSaRestart = 0x10000000, kSaNoDefer = 0x40000000,
                          kSaResetHand = 0x80000000;

// What rt_sigaction passes: Linux's struct kernel_sigaction on x86_64.
struct SigAction {
    uint64_t handler;  // kSigDfl, kSigIgn or the handler's address
    uint64_t flags;
    uint64_t restorer;  // where the handler returns (SA_RESTORER, required on x86_64)
    SigSet mask;        // blocked while the handler runs
};
static_assert(sizeof(SigAction) == 32);

// What the kernel keeps of a pending signal, to build its siginfo.
struct PendingInfo {
    int32_t code;    // si_code: SI_USER, SI_TKILL, SI_KERNEL, SEGV_MAPERR, CLD_EXITED, ...
    int32_t pid;     // sender (SI_USER, SI_TKILL) or child (SIGCHLD)
    int32_t status;  // SIGCHLD: exit code or signal
    int32_t reserved;
    uint64_t addr;  // faults: the address (si_addr); sigqueue: the value (si_value)
};

inline constexpr int32_t kSiUser = 0, kSiKernel = 0x80, kSiQueue = -1, kSiTimer = -2, kSiTkill = -6,
                         kSegvMapErr = 1, kSegvAccErr = 2, kIllIllOpn = 2, kFpeIntDiv = 1,
                         kTrapBrkpt = 1, kBusAdrErr = 2, kCldExited = 1, kCldKilled = 2,
                         kCldDumped = 3, kCldStopped = 5, kCldContinued = 6;

struct ThreadSignals;

// One pending instance of a realtime signal. The sender allocates it
// before it takes the signal lock (so the lock is never held across an
// allocation that could be avoided); the process's SignalActions owns it
// from the moment it is queued until the signal is taken or discarded.
struct QueuedSignal {
    QueuedSignal* next = nullptr;
    // Directed at this thread (tkill, tgsigqueueinfo); nullptr: at the
    // process, for any of its threads to take.
    const ThreadSignals* thread = nullptr;
    int sig = 0;
    PendingInfo info{};
};

// A process's signal table (shared by its threads) and its pending
// signals. Not copyable: it owns the queued instances, freed with it (an
// exit with signals pending leaks nothing).
struct SignalActions {
    SigAction actions[kSignalCount] GUARDED_BY(g_signal_lock) = {};
    // Directed at the process: any of its threads may take them.
    SigSet pending GUARDED_BY(g_signal_lock) = 0;
    // The details of pending standard signals (one instance per number,
    // thread- or process-directed). Realtime signals keep theirs in their
    // queued instances.
    PendingInfo info[kSigRtMin - 1] GUARDED_BY(g_signal_lock) = {};
    // The realtime instances of the process and of its threads, oldest
    // first, and how many there are.
    QueuedSignal* queue GUARDED_BY(g_signal_lock) = nullptr;
    uint32_t queued GUARDED_BY(g_signal_lock) = 0;
    // Counts the SIGCONTs sent: a thread that took a stop signal stops only
    // if no SIGCONT came after it (lifecycle.h: stop_current_process).
    uint32_t continue_count GUARDED_BY(g_signal_lock) = 0;
    // The process is stopped (JobState::stopped, which the table lock
    // guards, as senders see it): a fatal signal then waits for SIGCONT
    // like any other; only SIGKILL ends a stopped process at once.
    bool stopped GUARDED_BY(g_signal_lock) = false;
    // setitimer's three timers and alarm's (proc/process_timers.h), as
    // Linux keeps them with the signal state: none armed in a new process;
    // execve carries them over to the new table. Under the timer lock.
    IntervalTimers timers;

    SignalActions() = default;
    ~SignalActions();
    SignalActions(const SignalActions&) = delete;
    SignalActions& operator=(const SignalActions&) = delete;

    const SigAction& action(int sig) const REQUIRES(g_signal_lock) {
        return actions[signal_slot(sig)];
    }
    // actions[]'s index for `sig`, which the caller has checked is valid.
    // Signal numbers come from user space: the index is clamped under
    // speculation too (Spectre v1, lib/nospec.h).
    static size_t signal_slot(int sig) { return array_index_nospec(size_t(sig - 1), kSignalCount); }
    // The same for info[] (the standard signals only).
    static size_t info_slot(int sig) { return array_index_nospec(size_t(sig - 1), kSigRtMin - 1); }
    // Whether a signal sent now, not blocked, would be dropped: SIG_IGN, or
    // SIG_DFL with a default action that does nothing (ignore, continue:
    // SIGCONT's continuing happens when it is sent, whatever its action).
    bool ignores(int sig) const REQUIRES(g_signal_lock);
};

// One thread's signal state.
// Written by the thread itself, and by senders (pending) under the lock;
// the wait path reads both without it (signal_interrupts_wait()).
struct ThreadSignals {
    SigSet blocked = 0;
    SigSet pending = 0;  // directed at this thread (tkill, faults)
    // rt_sigsuspend: the mask to put back once a handler has run (or the
    // wait ended without one).
    // rt_sigtimedwait, while `sigwaiting`: the set it waits for (in
    // saved_blocked: a thread is in one of the two calls at a time), whose
    // signals wake it though they stay blocked (Linux's real_blocked: an
    // ignored signal that is blocked is still queued for it).
    SigSet saved_blocked = 0;
    bool restore_saved = false;
    bool sigwaiting = false;
    // Blocked in a wait only a kill ends (WaitMode::kKillable: a stopped
    // process, a vfork parent): a signal for it leaves it blocked. Set by
    // the wait and read by interrupt_wait, both under the scheduler lock.
    // (Here rather than in Thread: it fills padding.)
    bool killable_wait = false;
    // sigaltstack: [sp, sp + size) when flags has no SS_DISABLE.
    uint32_t altstack_flags = 2;  // SS_DISABLE
    uint64_t altstack_sp = 0;
    uint64_t altstack_size = 0;
};

inline constexpr uint32_t kSsOnStack = 1, kSsDisable = 2, kSsAutoDisarm = 1u << 31;
// MINSIGSTKSZ: sigaltstack refuses smaller stacks (ENOMEM).
inline constexpr uint64_t kMinSigStackSize = 2048;

// The signal to take next from `pending` (signals not blocked), or 0:
// a fault's signal first, then the lowest number.
int next_signal(SigSet pending, SigSet blocked);

// rt_sigaction's rules: EINVAL for a number outside 1..64 and for a new
// action on SIGKILL or SIGSTOP. Stores the old action first when `old` is
// given. A new action that ignores the signal discards it where pending
// (POSIX): in the process and in `thread` (with several threads the
// caller discards it in the others: discard_pending). SIGKILL and SIGSTOP
// are taken out of the new mask.
Result<void> change_action(SignalActions& table, ThreadSignals& thread, int sig,
                           const SigAction* new_action, SigAction* old_action)
    REQUIRES(g_signal_lock);

// rt_sigprocmask's how: SIG_BLOCK, SIG_UNBLOCK, SIG_SETMASK. EINVAL for
// another. SIGKILL and SIGSTOP never end up blocked.
inline constexpr int kSigBlock = 0, kSigUnblock = 1, kSigSetMask = 2;
Result<SigSet> apply_mask_change(SigSet blocked, int how, SigSet set);

}  // namespace nyanos::proc
