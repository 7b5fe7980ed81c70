// What the file system calls of both personalities share: the calling
// process's descriptor table and lookup context, user paths, and read and
// write with Linux's order of checks.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "fs/fd_table.h"
#include "fs/file_description.h"
#include "fs/vfs.h"
#include "nyanos/lib/result.h"

namespace nyanos::sys {

// The calling process's descriptor table.
fs::FdTable& current_files();
// One past the highest descriptor the caller may get: its RLIMIT_NOFILE
// soft limit (capped at FdTable::kMaxFds).
int fd_limit();
// pipe2 and socketpair: installs the two ends as the caller's two lowest
// free descriptors and copies the pair to `user_fds` (int[2]); EMFILE,
// ENOMEM, and EFAULT after closing both again.
Result<void> install_pair_for_user(fs::DescriptionRef&& first, fs::DescriptionRef&& second,
                                   bool cloexec, uint64_t user_fds);
// The description behind the caller's `fd` (a reference held for the
// call); EBADF.
Result<fs::DescriptionRef> file_of(int fd);
// How the caller's paths resolve (its working directory, its program).
fs::LookupContext lookup_context();

// The longest read or write one call does (Linux's MAX_RW_COUNT, INT_MAX
// rounded down to a page): a longer one is cut to it.
inline constexpr size_t kMaxTransfer = 0x7ffff000;

// read(fd, buf, length) and write: EBADF (not open, or not open for that),
// EFAULT when the buffer is not in the user half (before anything waits),
// then the file's own answer.
Result<size_t> read_fd(int fd, uint64_t buffer, size_t length);
Result<size_t> write_fd(int fd, uint64_t buffer, size_t length);

// Where a relative `path` starts: the working directory for AT_FDCWD
// (an invalid node), else the directory behind `dirfd` (EBADF, ENOTDIR for
// anything else). An absolute path ignores `dirfd`, as Linux does.
Result<fs::Node> start_of(int dirfd, const char* path);
// The node an *at call names: `path` from `dirfd` (the last link followed
// unless AT_SYMLINK_NOFOLLOW), or with AT_EMPTY_PATH and an empty path
// the directory descriptor itself (`file` then holds the description when
// it has no node, a pipe for instance: the node is invalid).
Result<fs::Node> node_at(int dirfd, const char* path, uint32_t at_flags, fs::DescriptionRef& file);

// A path copied in from user memory, into a kernel heap buffer of
// fs::kPathMax bytes (too large for a kernel stack).
class UserPath {
public:
    UserPath() = default;
    ~UserPath();
    UserPath(const UserPath&) = delete;
    UserPath& operator=(const UserPath&) = delete;

    // EFAULT, ENAMETOOLONG (no NUL within kPathMax bytes), ENOMEM.
    Result<void> copy_from(uint64_t user_path);
    const char* get() const { return m_buffer; }
    bool empty() const { return m_buffer[0] == 0; }

private:
    char* m_buffer = nullptr;
};

}  // namespace nyanos::sys
