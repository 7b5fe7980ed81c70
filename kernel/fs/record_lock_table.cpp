#include "fs/record_lock_table.h"

#include <new>

namespace nyanos::fs {

namespace {
// Linux's MAX_DEADLK_ITERATIONS: a longer chain is not reported.
constexpr int kDeadlockSteps = 10;
}  // namespace

RecordLockTable::~RecordLockTable() {
    while (m_head) remove(&m_head);
}

void RecordLockTable::insert(Lock* l) {
    l->next = m_head;
    m_head = l;
    ++m_count;
}

void RecordLockTable::remove(Lock** link) {
    Lock* l = *link;
    *link = l->next;
    delete l;
    --m_count;
}

RecordLockTable::Lock** RecordLockTable::cut_out(Lock** link, uint64_t start, uint64_t end,
                                                 Lock*& spare) {
    Lock* l = *link;
    const bool left = l->start < start;
    const bool right = l->end > end;
    if (left && right) {
        *spare = *l;
        spare->start = end + 1;
        spare->next = l->next;
        l->next = spare;
        l->end = start - 1;
        ++m_count;
        spare = nullptr;
    } else if (left) {
        l->end = start - 1;
    } else if (right) {
        l->start = end + 1;
    } else {
        remove(link);
        return link;
    }
    return &l->next;
}

const RecordLockTable::Lock* RecordLockTable::conflict(const void* file, const void* owner,
                                                       Kind kind, uint64_t start,
                                                       uint64_t end) const {
    for (const Lock* l = m_head; l; l = l->next) {
        if (l->file != file || l->owner == owner || !overlaps(*l, start, end)) continue;
        if (kind == Kind::kWrite || l->kind == Kind::kWrite) return l;
    }
    return nullptr;
}

Result<bool> RecordLockTable::lock(const void* file, const void* owner, int32_t pid, Kind kind,
                                   uint64_t start, uint64_t end) {
    if (conflict(file, owner, kind, start, end)) return false;
    // Everything that can fail first: the new lock and the second half of
    // an old one of the other kind that the new one cuts in two.
    Lock* fresh = new (std::nothrow) Lock{};
    Lock* spare = new (std::nothrow) Lock{};
    if (!fresh || !spare) {
        delete fresh;
        delete spare;
        return Error::kNoMemory;
    }
    // The owner's locks of the same kind that overlap or touch the range
    // merge into the new one. (Two of them never touch each other, so one
    // pass against the asked range finds them all.)
    uint64_t merged_start = start, merged_end = end;
    for (Lock** p = &m_head; *p;) {
        Lock* l = *p;
        if (l->file == file && l->owner == owner && l->kind == kind && touches(*l, start, end)) {
            if (l->start < merged_start) merged_start = l->start;
            if (l->end > merged_end) merged_end = l->end;
            remove(p);
            continue;
        }
        p = &l->next;
    }
    // Its locks of the other kind lose the range: dropped, shortened, or
    // cut in two around it.
    for (Lock** p = &m_head; *p;) {
        Lock* l = *p;
        if (l->file == file && l->owner == owner && l->kind != kind && overlaps(*l, start, end))
            p = cut_out(p, start, end, spare);
        else
            p = &l->next;
    }
    *fresh = Lock{file, owner, pid, kind, merged_start, merged_end, nullptr};
    insert(fresh);
    delete spare;
    return true;
}

Result<bool> RecordLockTable::unlock(const void* file, const void* owner, uint64_t start,
                                     uint64_t end) {
    // Only a lock reaching past both ends of the range is cut in two; the
    // owner's locks do not overlap, so there is at most one.
    Lock* spare = nullptr;
    for (Lock* l = m_head; l; l = l->next) {
        if (l->file == file && l->owner == owner && l->start < start && l->end > end) {
            spare = new (std::nothrow) Lock{};
            if (!spare) return Error::kNoMemory;
            break;
        }
    }
    bool dropped = false;
    for (Lock** p = &m_head; *p;) {
        Lock* l = *p;
        if (l->file != file || l->owner != owner || !overlaps(*l, start, end)) {
            p = &l->next;
            continue;
        }
        dropped = true;
        p = cut_out(p, start, end, spare);
    }
    delete spare;
    return dropped;
}

bool RecordLockTable::release(const void* file, const void* owner) {
    bool dropped = false;
    for (Lock** p = &m_head; *p;) {
        if ((*p)->owner == owner && (!file || (*p)->file == file)) {
            remove(p);
            dropped = true;
        } else {
            p = &(*p)->next;
        }
    }
    return dropped;
}

bool RecordLockTable::would_deadlock(const void* owner, const void* blocker) const {
    const void* next = blocker;
    for (int step = 0; next && step < kDeadlockSteps; ++step) {
        if (next == owner) return true;
        const void* waits_for = nullptr;
        for (const Waiter* w = m_waiters; w; w = w->next) {
            if (w->owner == next) {
                waits_for = w->blocker;
                break;
            }
        }
        next = waits_for;
    }
    return false;
}

void RecordLockTable::add_waiter(Waiter& w) {
    w.next = m_waiters;
    m_waiters = &w;
}

void RecordLockTable::forget_blockers() {
    for (Waiter* w = m_waiters; w; w = w->next) w->blocker = nullptr;
}

void RecordLockTable::remove_waiter(Waiter& w) {
    for (Waiter** p = &m_waiters; *p; p = &(*p)->next) {
        if (*p == &w) {
            *p = w.next;
            return;
        }
    }
}

}  // namespace nyanos::fs
