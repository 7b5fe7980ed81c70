// FlockTable: the bookkeeping of flock(2) locks, Linux's whole-file
// advisory locks. A lock belongs to an open file description (dup and fork
// share it; a second open() of the same file is another owner) and lives
// until it is unlocked or its description is closed for the last time.
// Many owners may hold a shared lock on a file, or one owner an exclusive
// one. Portable: the kernel (fs/flock.kernel.cpp) adds the lock around it
// and the waiting; the host tests drive it directly.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "nyanos/lib/result.h"

namespace nyanos::fs {

class FlockTable {
public:
    enum class Kind : uint8_t { kShared, kExclusive };

    FlockTable() = default;
    FlockTable(const FlockTable&) = delete;
    FlockTable& operator=(const FlockTable&) = delete;
    ~FlockTable();

    // `owner` asks for a lock of `kind` on `file`. Linux's order: an owner
    // already holding that kind keeps it (true); one holding the other kind
    // gives it up first (a conversion is not atomic: it may be left with
    // none); then the lock is granted (true) unless another owner's lock
    // conflicts (false: wait or EWOULDBLOCK). ENOMEM.
    Result<bool> try_lock(const void* file, const void* owner, Kind kind);
    // Drops `owner`'s lock on `file`, if any; true if there was one.
    bool unlock(const void* file, const void* owner);
    // Drops every lock `owner` holds (its description is gone); true if
    // there was one.
    bool release_owner(const void* owner);
    // Locks held, on all files.
    size_t count() const;

private:
    struct Entry {
        const void* file;
        const void* owner;
        Kind kind;
        Entry* next;
    };
    Entry* m_head = nullptr;
};

}  // namespace nyanos::fs
