#include "fs/flock_table.h"

#include <new>

namespace nyanos::fs {

FlockTable::~FlockTable() {
    while (m_head) {
        Entry* next = m_head->next;
        delete m_head;
        m_head = next;
    }
}

Result<bool> FlockTable::try_lock(const void* file, const void* owner, Kind kind) {
    // The owner's own lock first: kept, or given up for the other kind.
    for (Entry** p = &m_head; *p; p = &(*p)->next) {
        Entry* e = *p;
        if (e->file != file || e->owner != owner) continue;
        if (e->kind == kind) return true;
        *p = e->next;
        delete e;
        break;
    }
    for (Entry* e = m_head; e; e = e->next) {
        if (e->file != file) continue;
        if (kind == Kind::kExclusive || e->kind == Kind::kExclusive) return false;
    }
    auto* added = new (std::nothrow) Entry{file, owner, kind, m_head};
    if (!added) return Error::kNoMemory;
    m_head = added;
    return true;
}

bool FlockTable::unlock(const void* file, const void* owner) {
    for (Entry** p = &m_head; *p; p = &(*p)->next) {
        Entry* e = *p;
        if (e->file != file || e->owner != owner) continue;
        *p = e->next;
        delete e;
        return true;
    }
    return false;
}

bool FlockTable::release_owner(const void* owner) {
    bool any = false;
    for (Entry** p = &m_head; *p;) {
        Entry* e = *p;
        if (e->owner != owner) {
            p = &e->next;
            continue;
        }
        *p = e->next;
        delete e;
        any = true;
    }
    return any;
}

size_t FlockTable::count() const {
    size_t n = 0;
    for (Entry* e = m_head; e; e = e->next) ++n;
    return n;
}

}  // namespace nyanos::fs
