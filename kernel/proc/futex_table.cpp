#include "proc/futex_table.h"

#include "lib/panic.h"

namespace nyanos::proc {

size_t FutexTable::bucket_of(const FutexKey& key) {
    // Words are 4-byte aligned; neighbouring words land in neighbouring
    // buckets, and the memory's address spreads processes apart.
    uint64_t h = (key.address >> 2) ^ (reinterpret_cast<uintptr_t>(key.memory) >> 4);
    h ^= h >> 17;
    h *= 0x9e3779b97f4a7c15ull;
    return size_t(h >> 58) % kBuckets;
}

void FutexTable::enqueue(FutexWaiter* w) {
    VERIFY(!w->queued);
    Bucket& b = m_buckets[bucket_of(w->key)];
    w->next = nullptr;
    w->prev = b.tail;
    if (b.tail)
        b.tail->next = w;
    else
        b.head = w;
    b.tail = w;
    w->queued = true;
}

void FutexTable::unlink(FutexWaiter* w) {
    Bucket& b = m_buckets[bucket_of(w->key)];
    if (w->prev)
        w->prev->next = w->next;
    else
        b.head = w->next;
    if (w->next)
        w->next->prev = w->prev;
    else
        b.tail = w->prev;
    w->prev = w->next = nullptr;
    w->queued = false;
}

void FutexTable::remove(FutexWaiter* w) {
    if (w->queued) unlink(w);
}

size_t FutexTable::waiters_on(const FutexKey& key) const {
    size_t n = 0;
    for (const FutexWaiter* w = m_buckets[bucket_of(key)].head; w; w = w->next)
        if (w->key == key) ++n;
    return n;
}

}  // namespace nyanos::proc
