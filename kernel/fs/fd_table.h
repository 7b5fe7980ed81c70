// FdTable: a process's file descriptors. Each maps a small number to an
// open file description (one reference each) and its FD_CLOEXEC flag. The
// lowest free number is handed out first, below the caller's RLIMIT_NOFILE
// (each allocating call takes it: EMFILE beyond; 1024 by default, as
// Linux's soft limit), and never at kMaxFds or above (Linux's nr_open).
//
// A table is reference counted so that threads created with CLONE_FILES
// can share one; fork gives the child a copy (try_clone: the same
// descriptions, each one reference more), NyanOS's spawn-style exec a copy
// without the close-on-exec descriptors (try_clone_for_spawn), and execve
// closes those at its commit (close_on_exec). The process layer's calls:
//   spawn:  child->files = TRY(parent->files->try_clone_for_spawn());
//   fork:   child->files = TRY(parent->files->try_clone());
//   execve: FdTable::copy_if_shared(files) before the commit (a table
//           shared with another holder is replaced by a copy first:
//           proc::unshare_files), files->close_on_exec() at it;
//   exit:   FdTable::release(files).
//
// Locking: one leaf-ish spinlock per table (it only nests the heap's, to
// grow the slot array). Descriptions are never released with it held: a
// release may close a pipe end, which takes the pipe's and the
// scheduler's locks.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "fs/file_description.h"
#include "nyanos/lib/result.h"
#include "sync/spinlock.h"

namespace nyanos::fs {

class FdTable {
public:
    // RLIMIT_NOFILE's default soft limit, and the highest any limit can
    // make the table (fs.nr_open's default; rlimit::kNrOpen).
    static constexpr int kDefaultLimit = 1024;
    static constexpr int kMaxFds = 1024 * 1024;

    // An empty table with one reference. ENOMEM.
    static Result<FdTable*> try_create();
    // For fork (every descriptor, the same FD_CLOEXEC flags) and for
    // NyanOS's spawn (only those without FD_CLOEXEC); one reference. ENOMEM,
    // and then nothing has changed.
    Result<FdTable*> try_clone() EXCLUDES(m_lock);
    Result<FdTable*> try_clone_for_spawn() EXCLUDES(m_lock);

    void add_ref() { m_refs.add(); }
    // Drops a reference; the last closes every descriptor and frees the table.
    void release_ref();
    // release_ref, then null: what exit does with its pointer (null is fine).
    static void release(FdTable*& table);
    // Before an exec commits: if `table` is shared, a copy the caller alone
    // will hold (one reference), else nullptr. The caller puts the copy in
    // place of `table` (where others may look, under their lock), then drops
    // its reference to `table`. ENOMEM.
    static Result<FdTable*> copy_if_shared(FdTable* table);
    bool is_shared() const { return m_refs.count() > 1; }

    // Installs `d` on the lowest free descriptor >= `lowest`; EMFILE when
    // none is below `limit` (the caller's RLIMIT_NOFILE; capped at
    // kMaxFds), ENOMEM.
    Result<int> install(DescriptionRef d, bool cloexec, int lowest = 0, int limit = kDefaultLimit)
        EXCLUDES(m_lock);
    // Installs both or neither (pipe): fds[0] gets `a`, fds[1] `b`.
    Result<void> install_pair(DescriptionRef a, DescriptionRef b, bool cloexec, int fds[2],
                              int limit = kDefaultLimit) EXCLUDES(m_lock);

    // The description behind `fd` (a new reference); EBADF.
    Result<DescriptionRef> get(int fd) EXCLUDES(m_lock);
    // EBADF if `fd` is not open.
    Result<void> close(int fd) EXCLUDES(m_lock);
    // dup and F_DUPFD: `fd`'s description on the lowest free descriptor >=
    // `lowest` and below `limit`. EBADF, EMFILE, ENOMEM (EINVAL for a bad
    // `lowest` is the caller's).
    Result<int> duplicate(int fd, int lowest, bool cloexec, int limit = kDefaultLimit)
        EXCLUDES(m_lock);
    // dup2/dup3: `fd`'s description on `target`, closing what was there.
    // EBADF for a closed `fd` or a `target` outside [0, limit); ENOMEM.
    // `fd == target` returns target when `fd` is open (dup2's rule; dup3's
    // EINVAL is the caller's).
    Result<int> duplicate_to(int fd, int target, bool cloexec, int limit = kDefaultLimit)
        EXCLUDES(m_lock);

    Result<bool> close_on_exec_flag(int fd) EXCLUDES(m_lock);
    Result<void> set_close_on_exec_flag(int fd, bool cloexec) EXCLUDES(m_lock);
    // At exec: closes every descriptor marked FD_CLOEXEC.
    void close_on_exec() EXCLUDES(m_lock);
    // close_range(first, last, flags): closes (or with `only_mark`, marks
    // close-on-exec) every open descriptor in [first, last].
    void close_range(unsigned first, unsigned last, bool only_mark) EXCLUDES(m_lock);

    // How many descriptors are open.
    int open_count() const EXCLUDES(m_lock);
    // How many descriptors the table has room for now (/proc's FDSize).
    int capacity() const EXCLUDES(m_lock);
    // The lowest open descriptor >= `fd`, or -1 if none (/proc/<pid>/fd).
    int first_open_from(int fd) const EXCLUDES(m_lock);

private:
    struct Slot {
        FileDescription* description = nullptr;  // null: free
        bool cloexec = false;
    };
    // The first slots are part of the table itself: most processes never
    // open more, and a table then costs one heap allocation, not two.
    static constexpr int kFirstCapacity = 4;

    FdTable() NO_THREAD_SAFETY_ANALYSIS : m_slots(m_first_slots), m_capacity(kFirstCapacity) {}
    ~FdTable();

    // The lowest free descriptor >= `lowest`, or `limit` if none is below it.
    int lowest_free_locked(int lowest, int limit) const REQUIRES(m_lock);
    // Grows the slot array so that `fd` fits. ENOMEM.
    // A slot let go of `d` (outside the lock): the table's classic record
    // locks on its file go, then the slot's reference.
    void let_go(FileDescription* d) EXCLUDES(m_lock);
    Result<void> ensure_capacity_locked(int fd) REQUIRES(m_lock);
    bool is_open_locked(int fd) const REQUIRES(m_lock);
    // The slot of `fd`, which the caller has checked is below m_capacity.
    // Descriptor numbers come from user space: the index is clamped under
    // speculation too (Spectre v1, lib/nospec.h), so a mispredicted bound
    // check never loads a "description" from past the table.
    Slot& slot_locked(int fd) const REQUIRES(m_lock);
    Result<FdTable*> clone(bool skip_cloexec) EXCLUDES(m_lock);
    // m_first_slots of a table no other thread can reach yet (clone fills
    // them before it returns the table).
    Slot* unshared_first_slots() NO_THREAD_SAFETY_ANALYSIS { return m_first_slots; }
    // Empties [first, last] of slots for which `pick` holds, one at a time,
    // releasing each description with the lock dropped.
    template <typename Pick>
    void close_matching(int first, int last, Pick&& pick) EXCLUDES(m_lock);

    RefCount m_refs;
    mutable sync::SpinLock m_lock;
    // m_first_slots until the table grows past kFirstCapacity, then an
    // array of its own (freed when it grows again, and with the table).
    Slot* m_slots GUARDED_BY(m_lock);
    int m_capacity GUARDED_BY(m_lock);
    Slot m_first_slots[kFirstCapacity] GUARDED_BY(m_lock);
};

}  // namespace nyanos::fs
