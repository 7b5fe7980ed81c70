// RecordLockTable: the bookkeeping of Linux's byte-range advisory locks,
// fcntl's F_SETLK family. A lock covers [start, end] of a file (end
// inclusive; kToEnd for "to the end, however far it grows") and has an
// owner: for a classic POSIX lock the descriptor table it was taken
// through (Linux's current->files: every fd of the file in that table
// shares it, a close of any of them drops it, fork does not pass it on),
// for an open-file-description (OFD) lock the description. Read locks of
// different owners may overlap; a write lock excludes every other owner's
// lock on its bytes. An owner's own locks never overlap: a new one
// replaces its old ones over that range, and touching locks of one kind
// merge, as Linux's posix_lock_inode does. Portable: the kernel
// (fs/record_lock.kernel.cpp) adds the lock around it and the waiting.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "nyanos/lib/result.h"

namespace nyanos::fs {

class RecordLockTable {
public:
    enum class Kind : uint8_t { kRead, kWrite };
    static constexpr uint64_t kToEnd = uint64_t(INT64_MAX);  // Linux's OFFSET_MAX

    struct Lock {
        const void* file;
        const void* owner;
        int32_t pid;  // who took it (F_GETLK reports it; -1 for an OFD lock)
        Kind kind;
        uint64_t start, end;
        Lock* next;
    };

    // A thread waiting for `blocker`'s lock, on its own stack while it
    // waits (deadlock detection follows these).
    struct Waiter {
        const void* owner;
        const void* blocker;
        Waiter* next;
    };

    RecordLockTable() = default;
    RecordLockTable(const RecordLockTable&) = delete;
    RecordLockTable& operator=(const RecordLockTable&) = delete;
    ~RecordLockTable();

    // Another owner's lock on `file` that a `kind` lock of `owner` over
    // [start, end] would conflict with (the first one); nullptr if none.
    const Lock* conflict(const void* file, const void* owner, Kind kind, uint64_t start,
                         uint64_t end) const;
    // `owner` locks [start, end] of `file` as `kind`: true, with its own
    // locks there replaced and merged; false, with nothing changed, when
    // another owner's lock conflicts. ENOMEM changes nothing either.
    Result<bool> lock(const void* file, const void* owner, int32_t pid, Kind kind, uint64_t start,
                      uint64_t end);
    // Drops `owner`'s locks over [start, end] (cutting those that reach
    // past it); true if anything was dropped. ENOMEM (cutting one in two)
    // changes nothing.
    Result<bool> unlock(const void* file, const void* owner, uint64_t start, uint64_t end);
    // Drops every lock `owner` holds on `file`, or on every file when
    // `file` is nullptr; true if there was one.
    bool release(const void* file, const void* owner);

    // Whether `owner` waiting for `blocker` would close a cycle of owners
    // each waiting for the next (EDEADLK), following at most a few steps as
    // Linux's posix_locks_deadlock does.
    bool would_deadlock(const void* owner, const void* blocker) const;
    void add_waiter(Waiter& w);
    void remove_waiter(Waiter& w);
    // The waiters were woken: none waits for anyone until it looks again
    // and records its new blocker (a woken waiter's old link would report a
    // deadlock that is gone, as Linux clears fl_blocker when it wakes).
    void forget_blockers();

    // Locks held, on all files.
    size_t count() const { return m_count; }
    // The first of them (then through `next`), in no particular order.
    const Lock* first() const { return m_head; }

private:
    static bool overlaps(const Lock& l, uint64_t start, uint64_t end) {
        return l.start <= end && start <= l.end;
    }
    static bool touches(const Lock& l, uint64_t start, uint64_t end) {
        return l.start <= end + 1 && start <= l.end + 1;
    }
    void insert(Lock* l);
    void remove(Lock** link);
    // Takes [start, end] out of the lock at *link, which overlaps it:
    // drops it, shortens it, or cuts it in two with `spare` (which is then
    // used up: the caller allocated it). Returns the link to look at next.
    Lock** cut_out(Lock** link, uint64_t start, uint64_t end, Lock*& spare);

    Lock* m_head = nullptr;
    size_t m_count = 0;
    Waiter* m_waiters = nullptr;
};

}  // namespace nyanos::fs
