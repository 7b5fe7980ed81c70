// What portable file code needs from the kernel around it. The kernel
// defines these in fs/kernel_hooks.kernel.cpp; the host tests in test/host.
#pragma once

#include <stdint.h>

#include "fs/file_description.h"
#include "fs/inode.h"
#include "nyanos/lib/result.h"

namespace nyanos::fs {

// Between the chunks of a long copy (a read of /dev/zero, of a large
// file, a console write): yields if this thread's quantum has run out.
// True if a kill or a signal to take is pending: the copy stops where it
// is and returns what it has done (callers check only after a first
// chunk), and the kill or the handler comes on the way out of the system
// call, once every reference the call holds has been dropped.
bool io_checkpoint();

// The calling process's RLIMIT_FSIZE soft limit in bytes (~0: none): how
// large its writes may make a regular file (fs::Tmpfs::write).
uint64_t file_size_limit();
// A write started at or past that limit (it fails with EFBIG): SIGXFSZ to
// the calling thread, as Linux's send_sig (by default it ends the process;
// caught or ignored, the caller sees EFBIG).
void file_size_limit_exceeded();

// This thread's slot for fs::free_messages (fs/socket_queue.cpp): null
// while no call runs on the thread, else where the outermost call keeps
// the messages still to free.
void*& socket_messages_to_free();

// /proc's view of the process table. A process here is a thread group
// (its pid; not another thread's ID), zombies included, as Linux lists them.
bool process_exists(int32_t pid);
// A file of the root tree (inode number `inode`) was truncated to `size`
// bytes: every process's mappings of it lose their pages past the end
// (mm::ProcessMemory::unmap_file_past).
void unmap_file_from_processes(uint32_t inode, uint64_t size);
// A description that took flock(2) locks is gone: they go (fs/flock.h).
void release_flocks(const FileDescription* d);
// A description that took fcntl's OFD locks is gone: they go
// (fs/record_lock.h).
void release_description_record_locks(const FileDescription* d);
// Descriptor table `table` lets go of a descriptor of `d`: the classic
// fcntl locks the table holds on `d`'s file go, as POSIX says of any close
// (fs/record_lock.h).
void release_table_record_locks(const void* table, const FileDescription* d);
// The smallest pid of a process that is >= `from`, or 0 if none.
int32_t first_process_from(int32_t from);
// Process `pid`'s threads (not those that have ended): whether `tid` is
// one, and the smallest tid >= `from` (0: none). The process a thread
// `tid` belongs to (0: no such thread).
bool thread_exists(int32_t pid, int32_t tid);
int32_t first_thread_from(int32_t pid, int32_t from);
int32_t thread_group_of(int32_t tid);
// The program process `pid` runs (null: none, or no such process).
RefPtr<Inode> process_program(int32_t pid);
// Process `pid`'s working directory as a node id (0: the root); ESRCH if
// there is no such process.
Result<uint32_t> process_cwd(int32_t pid);
// Process `pid`'s open file `fd` (a new reference): ESRCH if there is no
// such process (or it has no descriptor table: a zombie), EBADF if `fd` is
// not open.
Result<DescriptionRef> process_file(int32_t pid, int32_t fd);
// The lowest descriptor >= `from` open in process `pid`, or -1 if none.
int32_t first_fd_from(int32_t pid, int32_t from);

}  // namespace nyanos::fs
