#include "syscall/file_support.h"

#include <new>

#include "fs/files.h"
#include "proc/lifecycle.h"
#include "proc/scheduler.h"
#include "syscall/linux_abi.h"
#include "syscall/user_memory.h"

namespace nyanos::sys {

fs::FdTable& current_files() {
    return *proc::current_process()->files;
}

int fd_limit() {
    uint64_t soft = proc::current_process()->resources.limit(rlimit::kNofile).soft;
    return soft > uint64_t(fs::FdTable::kMaxFds) ? fs::FdTable::kMaxFds : int(soft);
}

Result<void> install_pair_for_user(fs::DescriptionRef&& first, fs::DescriptionRef&& second,
                                   bool cloexec, uint64_t user_fds) {
    int fds[2];
    fs::FdTable& files = current_files();
    TRY(files.install_pair(static_cast<fs::DescriptionRef&&>(first),
                           static_cast<fs::DescriptionRef&&>(second), cloexec, fds, fd_limit()));
    auto copied = copy_to_user(user_fds, fds, sizeof(fds));
    if (!copied.ok()) {
        (void)files.close(fds[0]);
        (void)files.close(fds[1]);
        return copied.error();
    }
    return {};
}

Result<fs::DescriptionRef> file_of(int fd) {
    return current_files().get(fd);
}

fs::LookupContext lookup_context() {
    proc::Process* p = proc::current_process();
    fs::LookupContext ctx = fs::LookupContext::of_process(proc::working_directory(p),
                                                          proc::root_directory(p), p->exe, p->pid);
    creds::Credentials ids = p->resources.credentials();
    ctx.uid = ids.uid.fs;
    ctx.gid = ids.gid.fs;
    return ctx;
}

Result<size_t> read_fd(int fd, uint64_t buffer, size_t length) {
    fs::DescriptionRef file = TRY(file_of(fd));
    if (!file->readable()) return Error::kBadFd;
    if (!is_user_range(buffer, length)) return Error::kFault;
    if (length > kMaxTransfer) length = kMaxTransfer;
    auto out = fs::IoBuffer::user(buffer, length);
    return file->read(out);
}

Result<size_t> write_fd(int fd, uint64_t buffer, size_t length) {
    fs::DescriptionRef file = TRY(file_of(fd));
    if (!file->writable()) return Error::kBadFd;
    if (!is_user_range(buffer, length)) return Error::kFault;
    if (length > kMaxTransfer) length = kMaxTransfer;
    auto in = fs::IoBuffer::user(buffer, length);
    return file->write(in);
}

UserPath::~UserPath() {
    delete[] m_buffer;
}

Result<void> UserPath::copy_from(uint64_t user_path) {
    if (!m_buffer) {
        m_buffer = new (std::nothrow) char[fs::kPathMax];
        if (!m_buffer) return Error::kNoMemory;
    }
    m_buffer[0] = 0;
    TRY(copy_string_from_user(m_buffer, user_path, fs::kPathMax));
    return {};
}

Result<fs::Node> start_of(int dirfd, const char* path) {
    if (path[0] == '/' || dirfd == linux_abi::kAtFdCwd) return fs::Node{};
    fs::DescriptionRef dir = TRY(file_of(dirfd));
    const fs::Node* node = dir->node();
    if (!node || !fs::vfs().is_directory(*node)) return Error::kNotDirectory;
    return *node;
}

Result<fs::Node> node_at(int dirfd, const char* path, uint32_t at_flags, fs::DescriptionRef& file) {
    if (!path[0]) {
        if (!(at_flags & linux_abi::kAtEmptyPath)) return Error::kNoEntry;
        if (dirfd == linux_abi::kAtFdCwd)
            return lookup_context().cwd.valid() ? lookup_context().cwd : fs::vfs().root();
        file = TRY(file_of(dirfd));
        return file->node() ? *file->node() : fs::Node{};
    }
    fs::Node start = TRY(start_of(dirfd, path));
    return fs::vfs().resolve(lookup_context(), start, path,
                             !(at_flags & linux_abi::kAtSymlinkNoFollow));
}

}  // namespace nyanos::sys
