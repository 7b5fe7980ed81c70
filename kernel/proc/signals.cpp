#include "proc/signals.h"

#include "proc/signal_queue.h"

namespace nyanos::proc {

sync::SpinLock g_signal_lock;

DefaultAction default_action(int sig) {
    switch (sig) {
        case kSigQuit:
        case kSigIll:
        case kSigTrap:
        case kSigAbrt:
        case kSigBus:
        case kSigFpe:
        case kSigSegv:
        case kSigXcpu:
        case kSigXfsz:
        case kSigSys:
            return DefaultAction::kCore;
        case kSigChld:
        case kSigUrg:
        case kSigWinch:
            return DefaultAction::kIgnore;
        case kSigCont:
            return DefaultAction::kContinue;
        case kSigStop:
        case kSigTstp:
        case kSigTtin:
        case kSigTtou:
            return DefaultAction::kStop;
        default:
            return DefaultAction::kTerminate;  // the realtime signals too
    }
}

bool SignalActions::ignores(int sig) const {
    uint64_t handler = action(sig).handler;
    if (handler == kSigIgn) return sig != kSigKill && sig != kSigStop;
    if (handler != kSigDfl) return false;
    DefaultAction d = default_action(sig);
    return d == DefaultAction::kIgnore || d == DefaultAction::kContinue;
}

int next_signal(SigSet pending, SigSet blocked) {
    SigSet ready = pending & ~blocked;
    if (!ready) return 0;
    SigSet first = ready & kSynchronous;
    if (first) ready = first;
    return __builtin_ctzll(ready) + 1;
}

Result<void> change_action(SignalActions& table, ThreadSignals& thread, int sig,
                           const SigAction* new_action, SigAction* old_action) {
    if (!valid_signal(sig)) return Error::kInvalid;
    if (new_action && (sig == kSigKill || sig == kSigStop)) return Error::kInvalid;
    if (old_action) *old_action = table.action(sig);
    if (!new_action) return {};
    SigAction& slot = table.actions[SignalActions::signal_slot(sig)];
    slot = *new_action;
    slot.mask &= ~kUnblockable;
    if (table.ignores(sig)) {
        discard_pending(table, nullptr, sig_bit(sig));
        discard_pending(table, &thread, sig_bit(sig));
    }
    return {};
}

Result<SigSet> apply_mask_change(SigSet blocked, int how, SigSet set) {
    switch (how) {
        case kSigBlock:
            blocked |= set;
            break;
        case kSigUnblock:
            blocked &= ~set;
            break;
        case kSigSetMask:
            blocked = set;
            break;
        default:
            return Error::kInvalid;
    }
    return blocked & ~kUnblockable;
}

}  // namespace nyanos::proc
