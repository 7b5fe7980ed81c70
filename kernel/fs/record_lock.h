// fcntl's byte-range locks on open files (fs/record_lock.kernel.cpp keeps
// them in one fs/record_lock_table.h, with the waiting). A lock is keyed by
// its file as flock's are (fs/flock.h). Classic POSIX locks belong to the
// descriptor table they were taken through, and go when any descriptor of
// the file in that table is closed; open-file-description (OFD) locks
// belong to the description, and go with its last reference.
#pragma once

#include <stdint.h>

#include "fs/file_description.h"
#include "fs/record_lock_table.h"
#include "nyanos/lib/result.h"

namespace nyanos::fs {

class FdTable;

struct RecordLockOwner {
    const void* key;  // the descriptor table, or the description (OFD)
    int32_t pid;      // reported by F_GETLK: the taker's process, or -1 (OFD)
    bool ofd;
};

// F_GETLK: the lock that would conflict with a `kind` lock of `owner` over
// [start, end] of `d`'s file, copied into `out`; false when there is none.
bool find_conflicting_record_lock(const FileDescription& d, const RecordLockOwner& owner,
                                  RecordLockTable::Kind kind, uint64_t start, uint64_t end,
                                  RecordLockTable::Lock& out);
// F_SETLK/F_SETLKW: locks [start, end] as `kind`. EAGAIN when another
// owner's lock conflicts and `wait` is false; with `wait`, blocks until it
// goes (EDEADLK when two classic owners would wait for each other; a
// restart or EINTR for a signal). ENOMEM.
Result<void> set_record_lock(FileDescription& d, const RecordLockOwner& owner,
                             RecordLockTable::Kind kind, uint64_t start, uint64_t end, bool wait);
// F_UNLCK: drops `owner`'s locks over [start, end]. ENOMEM (cutting one).
Result<void> clear_record_lock(FileDescription& d, const RecordLockOwner& owner, uint64_t start,
                               uint64_t end);

}  // namespace nyanos::fs
