#include "proc/signal_queue.h"

#include "proc/posix_timer.h"

namespace nyanos::proc {

namespace {

SigSet& pending_set(SignalActions& table, ThreadSignals* thread) REQUIRES(g_signal_lock) {
    return thread ? thread->pending : table.pending;
}

// Sets and clears pending bits with release stores: the wait path reads
// them without the lock (signal_interrupts_wait).
void set_bits(SigSet& set, SigSet bits) {
    __atomic_or_fetch(&set, bits, __ATOMIC_RELEASE);
}
void clear_bits(SigSet& set, SigSet bits) {
    __atomic_and_fetch(&set, ~bits, __ATOMIC_RELEASE);
}

// Whether an instance of `sig` for `owner` is queued.
bool queued_for(const SignalActions& table, const ThreadSignals* owner, int sig)
    REQUIRES(g_signal_lock) {
    for (const QueuedSignal* q = table.queue; q; q = q->next)
        if (q->sig == sig && q->thread == owner) return true;
    return false;
}

}  // namespace

Result<void> add_pending(SignalActions& table, ThreadSignals* thread, int sig,
                         const PendingInfo& info, QueuedSignal*& entry, uint64_t limit) {
    SigSet& set = pending_set(table, thread);
    const SigSet bit = sig_bit(sig);
    if (!is_realtime(sig)) {
        if (set & bit) return {};
        table.info[SignalActions::info_slot(sig)] = info;
        set_bits(set, bit);
        return {};
    }
    if (entry && pending_count(table, thread) < limit) {
        QueuedSignal* q = entry;
        entry = nullptr;
        q->next = nullptr;
        q->thread = thread;
        q->sig = sig;
        q->info = info;
        QueuedSignal** link = &table.queue;
        while (*link) link = &(*link)->next;
        *link = q;
        ++table.queued;
        set_bits(set, bit);
        return {};
    }
    if (info.code != kSiUser) return Error::kAgain;
    set_bits(set, bit);  // pending without its details
    return {};
}

bool take_pending(SignalActions& table, ThreadSignals& thread, int sig, PendingInfo& info) {
    const SigSet bit = sig_bit(sig);
    ThreadSignals* owner = (thread.pending & bit) ? &thread : nullptr;
    SigSet& set = pending_set(table, owner);
    if (!is_realtime(sig)) {
        info = table.info[SignalActions::info_slot(sig)];
        clear_bits(set, bit);
        return !owner;
    }
    QueuedSignal** link = &table.queue;
    while (*link && !((*link)->sig == sig && (*link)->thread == owner)) link = &(*link)->next;
    if (QueuedSignal* q = *link) {
        *link = q->next;
        --table.queued;
        info = q->info;
        delete q;
    } else {
        info = PendingInfo{kSiUser, 0, 0, 0, 0};  // queued without its details
    }
    if (!queued_for(table, owner, sig)) clear_bits(set, bit);
    return !owner;
}

void discard_pending(SignalActions& table, ThreadSignals* thread, SigSet mask) {
    clear_bits(pending_set(table, thread), mask);
    QueuedSignal** link = &table.queue;
    while (QueuedSignal* q = *link) {
        if (q->thread == thread && (mask & sig_bit(q->sig))) {
            *link = q->next;
            --table.queued;
            delete q;
        } else {
            link = &q->next;
        }
    }
}

uint64_t pending_count(const SignalActions& table, const ThreadSignals* thread) {
    SigSet standard = table.pending & kStandardSignals;
    uint64_t count = uint64_t(__builtin_popcountll(standard)) + table.queued;
    if (thread) count += uint64_t(__builtin_popcountll(thread->pending & kStandardSignals));
    return count;
}

void move_pending(SignalActions& from, SignalActions& to) {
    to.pending = from.pending;
    for (int i = 0; i < kSigRtMin - 1; ++i) to.info[i] = from.info[i];
    to.queue = from.queue;
    to.queued = from.queued;
    to.continue_count = from.continue_count;
    from.pending = 0;
    from.queue = nullptr;
    from.queued = 0;
}

SignalActions::~SignalActions() NO_THREAD_SAFETY_ANALYSIS {
    // No one else can reach a table being destroyed: no lock.
    while (QueuedSignal* q = queue) {
        queue = q->next;
        delete q;
    }
    delete timers.posix;
}

PendingInfo* pending_timer_info(SignalActions& table, ThreadSignals* thread, int sig,
                                int32_t timer_id) {
    if (!(pending_set(table, thread) & sig_bit(sig))) return nullptr;
    auto mine = [&](const PendingInfo& info) {
        return info.code == kSiTimer && info.pid == timer_id;
    };
    if (!is_realtime(sig)) {
        PendingInfo& info = table.info[SignalActions::info_slot(sig)];
        return mine(info) ? &info : nullptr;
    }
    for (QueuedSignal* q = table.queue; q; q = q->next)
        if (q->sig == sig && q->thread == thread && mine(q->info)) return &q->info;
    return nullptr;
}

}  // namespace nyanos::proc
