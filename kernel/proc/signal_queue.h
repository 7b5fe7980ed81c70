// Pending signals, as Linux's __send_signal_locked and collect_signal keep
// them: a standard signal is pending once however often it is sent (its
// details in SignalActions::info), a realtime one is queued once per send
// with its own details (QueuedSignal), bounded by RLIMIT_SIGPENDING.
// Taking a signal takes its thread-directed instance first, then the
// process's, and of realtime instances the oldest. Portable and
// host-tested; delivery is proc/signal_delivery.
//
// RLIMIT_SIGPENDING counts, as here, the process's pending signals: its
// queued realtime instances and its pending standard signals (Linux counts
// those of every process of the same real user; with one user running
// everything the difference is the other processes' pending signals).
#pragma once

#include <stdint.h>

#include "nyanos/lib/result.h"
#include "proc/signals.h"

namespace nyanos::proc {

// Makes `sig` pending in `table`, directed at `thread` or, when it is
// nullptr, at the process. A standard signal already pending there stays
// one instance (its first details kept). A realtime signal takes `entry`
// (the sender's allocation; set to nullptr when queued, the caller frees
// what is left) if the process has fewer than `limit` signals pending;
// without room or without an entry, a kill() (SI_USER) still makes it
// pending without its details (Linux loses them then too), anything else
// fails with kAgain and changes nothing.
Result<void> add_pending(SignalActions& table, ThreadSignals* thread, int sig,
                         const PendingInfo& info, QueuedSignal*& entry, uint64_t limit)
    REQUIRES(g_signal_lock);

// Takes one instance of pending signal `sig` for `thread`: its own first,
// else the process's. `info` receives its details (for a realtime signal
// queued without them: SI_USER from pid 0, as Linux reports it). The
// pending bit stays while another instance is queued. Returns whether the
// instance was the process's (false: the thread's); nothing if `sig` is
// not pending for either. Frees the instance's entry.
bool take_pending(SignalActions& table, ThreadSignals& thread, int sig, PendingInfo& info)
    REQUIRES(g_signal_lock);

// Discards every pending instance of the signals in `mask`: the process's
// when `thread` is nullptr, else `thread`'s. Frees their entries.
void discard_pending(SignalActions& table, ThreadSignals* thread, SigSet mask)
    REQUIRES(g_signal_lock);

// How many signals count against RLIMIT_SIGPENDING now (see above), with
// `thread`'s own standard signals.
uint64_t pending_count(const SignalActions& table, const ThreadSignals* thread)
    REQUIRES(g_signal_lock);

// The pending instance of `sig` (for `thread`, or the process when
// nullptr) that POSIX timer `timer_id` sent, if one is still pending: its
// details, where a new expiry adds to si_overrun instead of sending again
// (Linux's send_sigqueue). nullptr if none.
PendingInfo* pending_timer_info(SignalActions& table, ThreadSignals* thread, int sig,
                                int32_t timer_id) REQUIRES(g_signal_lock);

// execve: the process-directed pending signals (bits, details, queued
// instances) move from the old table to the new one. No allocation.
void move_pending(SignalActions& from, SignalActions& to) REQUIRES(g_signal_lock);

}  // namespace nyanos::proc
