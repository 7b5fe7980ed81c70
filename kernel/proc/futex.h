// Futexes: threads of a process wait on a 32-bit word of its memory until
// another thread wakes that word (Linux's futex(2); the bookkeeping is
// proc/futex_table.h). The compare in a wait and the enqueue happen under
// one lock, the futex lock, which every wake takes too: a wake that follows
// a change of the word can never slip in between a waiter's check and its
// sleep.
#pragma once

#include <stdint.h>

#include "nyanos/lib/result.h"
#include "proc/futex_table.h"
#include "proc/process.h"
#include "proc/thread.h"

namespace nyanos::proc {

// Which word: `address` in `p`'s memory. With `is_private`
// (FUTEX_PRIVATE_FLAG) it is known by that memory and address, as it is in
// private mappings anyway; a shared wait or wake on a MAP_SHARED mapping
// names the physical word, so that processes sharing the mapping meet on it
// (Linux keys such a futex by the page behind it). Interrupts on (a shared
// key is looked up under the memory lock).
//
// FUTEX_WAIT(_BITSET): if the word at `address` of `p`'s memory holds
// `expected`, sleeps until a wake whose bitset meets `bitset` reaches it,
// or `deadline`. kAgain if the word differs, kFault if it cannot be read,
// kTimedOut, kRestartSys when a signal or a kill ends the wait (the
// caller decides between a restart and EINTR). `address` is 4-byte aligned.
Result<void> futex_wait(Process& p, uint64_t address, bool is_private, uint32_t expected,
                        uint32_t bitset, Deadline deadline);

// FUTEX_WAKE(_BITSET): wakes up to `max` waiters on the word; returns how
// many. kFault for a shared wake where nothing readable is mapped. Takes
// the futex lock and the scheduler lock.
Result<int> futex_wake(Process& p, uint64_t address, bool is_private, int max, uint32_t bitset);

// FUTEX_REQUEUE / FUTEX_CMP_REQUEUE: wakes up to `max_wake` waiters on
// `from` and moves up to `max_requeue` others to `to`; with `compare`, only
// if the word at `from` still holds `expected` (kAgain otherwise). Returns
// woken + moved. kFault if a word cannot be read.
Result<int> futex_requeue(Process& p, uint64_t from, uint64_t to, bool is_private, int max_wake,
                          int max_requeue, bool compare, uint32_t expected);

// The robust-futex list's head is three words (Linux's struct
// robust_list_head): set_robust_list insists on this length.
inline constexpr uint64_t kRobustListHeadBytes = 24;

// A thread is ending: every futex on its robust list (set_robust_list) that
// it still owns (the word's low 30 bits are its tid) is marked
// FUTEX_OWNER_DIED, keeping FUTEX_WAITERS, and one waiter is woken if there
// were any, as Linux does, so a robust mutex's next locker learns of the
// death instead of waiting forever. The list is the thread's own memory:
// a bad pointer or a cycle ends the walk (at most 2,048 entries), never more.
// Interrupts on (it reads and writes user memory).
void release_robust_futexes(Process& p, const Thread& t, uint64_t head);

}  // namespace nyanos::proc
