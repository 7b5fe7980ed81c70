#include "fs/file_description.h"

#include "fs/kernel_hooks.h"

namespace nyanos::fs {

void FileDescription::set_status_flags(uint32_t flags) {
    uint32_t old = __atomic_load_n(&m_flags, __ATOMIC_RELAXED);
    uint32_t wanted;
    do {
        wanted = (old & ~open_flags::kSettable) | (flags & open_flags::kSettable);
    } while (!__atomic_compare_exchange_n(&m_flags, &old, wanted, false, __ATOMIC_RELAXED,
                                          __ATOMIC_RELAXED));
}

bool FileDescription::readable() const {
    uint32_t mode = flags() & open_flags::kAccessMode;
    return mode == open_flags::kReadOnly || mode == open_flags::kReadWrite;
}

bool FileDescription::writable() const {
    uint32_t mode = flags() & open_flags::kAccessMode;
    return mode == open_flags::kWriteOnly || mode == open_flags::kReadWrite;
}

// Linux's answers for a file without the operation.
Result<size_t> FileDescription::read(IoBuffer&) {
    return Error::kInvalid;
}
Result<size_t> FileDescription::write(IoBuffer&) {
    return Error::kInvalid;
}
Result<size_t> FileDescription::pread(IoBuffer&, uint64_t) {
    return Error::kIllegalSeek;
}
Result<size_t> FileDescription::pwrite(IoBuffer&, uint64_t) {
    return Error::kIllegalSeek;
}
Result<uint64_t> FileDescription::seek(int64_t, int) {
    return Error::kIllegalSeek;
}
uint32_t FileDescription::poll(proc::PollWaiter*) {
    return poll_events::kIn | poll_events::kReadNormal | poll_events::kOut |
           poll_events::kWriteNormal;
}
Result<int64_t> FileDescription::ioctl(uint32_t, uint64_t) {
    return Error::kNotTty;
}
Result<void> FileDescription::read_directory(EntrySink, void*) {
    return Error::kNotDirectory;
}

FileDescription::~FileDescription() {
    if (__atomic_load_n(&m_flocked, __ATOMIC_RELAXED)) release_flocks(this);
    if (__atomic_load_n(&m_record_locked, __ATOMIC_RELAXED)) release_description_record_locks(this);
}

Result<void> FileDescription::truncate(uint64_t) {
    return Error::kInvalid;
}

Result<void> FileDescription::sync() {
    return Error::kInvalid;
}

Result<uint64_t> FileDescription::seek_within(int64_t offset, int whence, uint64_t size) {
    sync::Guard lock(m_offset_lock);
    int64_t base;
    switch (whence) {
        case 0:  // SEEK_SET
            base = 0;
            break;
        case 1:  // SEEK_CUR
            base = int64_t(m_offset);
            break;
        case 2:  // SEEK_END
            base = int64_t(size);
            break;
        default:
            return Error::kInvalid;
    }
    int64_t result;
    if (__builtin_add_overflow(base, offset, &result)) return Error::kOverflow;
    if (result < 0) return Error::kInvalid;
    m_offset = uint64_t(result);
    return m_offset;
}

Result<size_t> do_read(FileDescription& d, IoBuffer& out) {
    if (!d.readable()) return Error::kBadFd;
    return d.read(out);
}

Result<size_t> do_write(FileDescription& d, IoBuffer& in) {
    if (!d.writable()) return Error::kBadFd;
    return d.write(in);
}

Result<size_t> do_pread(FileDescription& d, IoBuffer& out, uint64_t offset) {
    if (!d.readable()) return Error::kBadFd;
    if (int64_t(offset) < 0) return Error::kInvalid;
    return d.pread(out, offset);
}

Result<size_t> do_pwrite(FileDescription& d, IoBuffer& in, uint64_t offset) {
    if (!d.writable()) return Error::kBadFd;
    if (int64_t(offset) < 0) return Error::kInvalid;
    return d.pwrite(in, offset);
}

}  // namespace nyanos::fs
