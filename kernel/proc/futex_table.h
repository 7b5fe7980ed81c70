// The futex waiters of every process, by the word they wait on: the portable
// bookkeeping behind Linux's futex(2) (proc/futex.h blocks and wakes the
// threads). A waiter lives on its own thread's stack for the length of its
// wait; the table only links it in. Not synchronised: the caller holds the
// futex lock around every call, and a waiter that leaves (woken, timed out,
// interrupted) takes itself out under the same lock.
//
// Keys: a word is named by the memory it is in (proc/memory_space.h: every
// thread of a process, and processes sharing it through CLONE_VM) and its
// user address. So threads meet on a word whether they say
// FUTEX_PRIVATE_FLAG or not (musl's pthread_join waits without the flag and
// the exiting thread's clear-tid wake has none, while its other waits say
// private). A shared (not private) futex in a MAP_SHARED mapping is keyed
// by the word's physical address instead (proc/futex.kernel.cpp), so the
// processes mapping it meet there.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace nyanos::proc {

struct FutexKey {
    const void* memory = nullptr;  // whose memory (the process)
    uint64_t address = 0;          // the word's user address (4-byte aligned)
    bool operator==(const FutexKey&) const = default;
};

// FUTEX_WAIT_BITSET / FUTEX_WAKE_BITSET: a wake reaches a waiter when their
// bitsets share a bit; plain WAIT and WAKE use all bits.
inline constexpr uint32_t kFutexBitsetAny = 0xffffffffu;

struct FutexWaiter {
    FutexKey key;
    uint32_t bitset = kFutexBitsetAny;
    // Set when a wake took it out of the table: it was woken, whatever else
    // ended its wait meanwhile (a wake is never lost to a timeout).
    bool woken = false;
    bool queued = false;
    FutexWaiter* prev = nullptr;
    FutexWaiter* next = nullptr;
};

class FutexTable {
public:
    static constexpr size_t kBuckets = 64;

    // Queues `w` (not queued) behind the waiters already on its key.
    void enqueue(FutexWaiter* w);
    // Takes `w` out if it is still queued (it timed out or was interrupted).
    void remove(FutexWaiter* w);

    // Takes out up to `max` waiters on `key` whose bitset shares a bit with
    // `bitset`, oldest first, marks them woken and calls wake(waiter) for
    // each (after which the waiter may return and its memory go: wake must
    // do what it does before the caller lets go of the lock). Returns how
    // many.
    template <typename Wake>
    int wake(const FutexKey& key, int max, uint32_t bitset, Wake&& wake) {
        int woken = 0;
        FutexWaiter* w = m_buckets[bucket_of(key)].head;
        while (w && woken < max) {
            FutexWaiter* next = w->next;
            if (w->key == key && (w->bitset & bitset)) {
                unlink(w);
                w->woken = true;
                ++woken;
                wake(w);
            }
            w = next;
        }
        return woken;
    }

    // FUTEX_REQUEUE: wakes up to `max_wake` waiters on `from` as wake()
    // does, then moves up to `max_requeue` of the rest to `to`, in order,
    // behind those already there. Returns woken + moved (Linux's count).
    template <typename Wake>
    int requeue(const FutexKey& from, const FutexKey& to, int max_wake, int max_requeue,
                Wake&& wake) {
        int count = this->wake(from, max_wake, kFutexBitsetAny, wake);
        // Taken out first, then queued on `to`: `to` may share the bucket
        // (or be `from` itself), and the walk must not meet them again.
        FutexWaiter* moving = nullptr;
        FutexWaiter** last = &moving;
        int moved = 0;
        FutexWaiter* w = m_buckets[bucket_of(from)].head;
        while (w && moved < max_requeue) {
            FutexWaiter* next = w->next;
            if (w->key == from) {
                unlink(w);
                *last = w;
                last = &w->next;
                ++moved;
            }
            w = next;
        }
        *last = nullptr;
        while (moving) {
            FutexWaiter* next = moving->next;
            moving->key = to;
            enqueue(moving);
            moving = next;
        }
        return count + moved;
    }

    // How many waiters are queued on `key` (tests and statistics).
    size_t waiters_on(const FutexKey& key) const;

private:
    struct Bucket {
        FutexWaiter* head = nullptr;
        FutexWaiter* tail = nullptr;
    };
    static size_t bucket_of(const FutexKey& key);
    void unlink(FutexWaiter* w);

    Bucket m_buckets[kBuckets];
};

}  // namespace nyanos::proc
