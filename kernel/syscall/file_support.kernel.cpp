#include "syscall/file_support.h"

#include <new>

#include "fs/files.h"
#include "proc/scheduler.h"
#include "syscall/user_memory.h"

namespace nyanos::sys {

fs::FdTable& current_files() {
    return *proc::current_process()->files;
}

int fd_limit() {
    uint64_t soft = proc::current_process()->resources.limit(rlimit::kNofile).soft;
    return soft > uint64_t(fs::FdTable::kMaxFds) ? fs::FdTable::kMaxFds : int(soft);
}

Result<fs::DescriptionRef> file_of(int fd) {
    return current_files().get(fd);
}

fs::LookupContext lookup_context() {
    proc::Process* p = proc::current_process();
    const fs::Vfs& tree = fs::vfs();
    return fs::LookupContext::of_process(tree.node_of(p->cwd), tree.node_of(p->exe).entry, p->pid);
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

}  // namespace nyanos::sys
