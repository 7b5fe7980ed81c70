// Linux: read, write, readv, writev, pread64, pwrite64, preadv, pwritev,
// preadv2, pwritev2, lseek, ioctl, sendfile. Linux's order of checks: the descriptor (EBADF), its
// access mode (EBADF), the buffer (EFAULT, before anything waits), then the file.
#include <new>

#include "fs/fd_table.h"
#include "fs/file_description.h"
#include "fs/kernel_hooks.h"
#include "fs/unix_socket.h"
#include "lib/heap_ptr.h"
#include "proc/signal_hooks.h"
#include "syscall/file_support.h"
#include "syscall/iovec_copy.h"
#include "syscall/linux_abi.h"
#include "syscall/linux_fs.h"
#include "syscall/user_memory.h"

namespace nyanos::sys::linux_fs {

namespace {

using fs::DescriptionRef;
using fs::IoBuffer;
using fs::IoSegment;

// A write to `fd` that failed with EPIPE raises SIGPIPE too, but for a
// datagram or record socket (Linux's unix_dgram_sendmsg does not).
Result<size_t> pipe_signal(int fd, Result<size_t>&& r) {
    if (!r.ok() && r.error() == Error::kBrokenPipe) {
        auto file = file_of(fd);
        fs::SocketFile* socket = file.ok() ? file.value()->as_socket() : nullptr;
        if (!socket || socket->type() == fs::socket_abi::kSockStream)
            proc::raise_sigpipe_for_current();
    }
    return static_cast<Result<size_t>&&>(r);
}

Result<size_t> do_readv(int fd, uint64_t iov, uint64_t count) {
    DescriptionRef file = TRY(file_of(fd));
    if (!file->readable()) return Error::kBadFd;
    IovecCopy v;
    TRY(v.import(iov, count));
    IoBuffer out = v.buffer();
    if (out.length() == 0) return size_t(0);
    return file->read(out);
}

Result<size_t> do_writev(int fd, uint64_t iov, uint64_t count) {
    DescriptionRef file = TRY(file_of(fd));
    if (!file->writable()) return Error::kBadFd;
    IovecCopy v;
    TRY(v.import(iov, count));
    IoBuffer in = v.buffer();
    if (in.length() == 0) return size_t(0);
    return file->write(in);
}

Result<size_t> do_pread(int fd, uint64_t buffer, size_t length, int64_t offset) {
    if (offset < 0) return Error::kInvalid;
    DescriptionRef file = TRY(file_of(fd));
    if (!file->readable()) return Error::kBadFd;
    if (!is_user_range(buffer, length)) return Error::kFault;
    if (length > kMaxTransfer) length = kMaxTransfer;
    IoBuffer out = IoBuffer::user(buffer, length);
    return file->pread(out, uint64_t(offset));
}

Result<size_t> do_pwrite(int fd, uint64_t buffer, size_t length, int64_t offset) {
    if (offset < 0) return Error::kInvalid;
    DescriptionRef file = TRY(file_of(fd));
    if (!file->writable()) return Error::kBadFd;
    if (!is_user_range(buffer, length)) return Error::kFault;
    if (length > kMaxTransfer) length = kMaxTransfer;
    IoBuffer in = IoBuffer::user(buffer, length);
    return file->pwrite(in, uint64_t(offset));
}

// preadv2/pwritev2's RWF_* flags (linux/fs.h). HIPRI (polled direct I/O),
// DSYNC and SYNC change nothing for files that live in memory; NOWAIT and
// APPEND are not done here and, as any flag Linux does not know, give
// EOPNOTSUPP.
constexpr uint64_t kRwfHipri = 0x1, kRwfDsync = 0x2, kRwfSync = 0x4;
constexpr uint64_t kRwfAccepted = kRwfHipri | kRwfDsync | kRwfSync;

// Whether the file is a pipe, FIFO or socket, which Linux refuses any
// positional transfer (no FMODE_PREAD/PWRITE) before it looks at the access
// mode: ESPIPE comes before EBADF there.
bool has_no_positions(fs::FileDescription& file) {
    fs::FileStat st;
    file.stat(st);
    uint32_t type = st.mode & 0170000;
    return type == 0010000 || type == 0140000;  // S_IFIFO, S_IFSOCK
}

// preadv(2) and preadv2: `offset` -1 (preadv2 only) reads at the file's
// own offset as readv does. Linux's order: a negative offset (EINVAL),
// the descriptor (EBADF), a file without positions (ESPIPE), the access
// (EBADF), the vector (EINVAL, EFAULT), an empty transfer
// (0, before the flags are looked at), the flags (EOPNOTSUPP).
Result<size_t> do_preadv(int fd, uint64_t iov, uint64_t count, int64_t offset, uint64_t flags,
                         bool allow_current) {
    bool current = allow_current && offset == -1;
    if (offset < 0 && !current) return Error::kInvalid;
    DescriptionRef file = TRY(file_of(fd));
    if (!current && has_no_positions(*file)) return Error::kIllegalSeek;
    if (!file->readable()) return Error::kBadFd;
    IovecCopy v;
    TRY(v.import(iov, count));
    IoBuffer out = v.buffer();
    if (out.length() == 0) return size_t(0);
    if (flags & ~kRwfAccepted) return Error::kNotSupported;
    if (current) return file->read(out);
    return file->pread(out, uint64_t(offset));
}

// pwritev(2) and pwritev2, the same way round.
Result<size_t> do_pwritev(int fd, uint64_t iov, uint64_t count, int64_t offset, uint64_t flags,
                          bool allow_current) {
    bool current = allow_current && offset == -1;
    if (offset < 0 && !current) return Error::kInvalid;
    DescriptionRef file = TRY(file_of(fd));
    if (!current && has_no_positions(*file)) return Error::kIllegalSeek;
    if (!file->writable()) return Error::kBadFd;
    IovecCopy v;
    TRY(v.import(iov, count));
    IoBuffer in = v.buffer();
    if (in.length() == 0) return size_t(0);
    if (flags & ~kRwfAccepted) return Error::kNotSupported;
    if (current) return file->write(in);
    return file->pwrite(in, uint64_t(offset));
}

Result<int64_t> do_ioctl(int fd, uint32_t request, uint64_t arg) {
    DescriptionRef file = TRY(file_of(fd));
    switch (request) {
        case linux_abi::kFioclex:
        case linux_abi::kFionclex:
            TRY(current_files().set_close_on_exec_flag(fd, request == linux_abi::kFioclex));
            return int64_t(0);
        case linux_abi::kFionbio: {
            int on;
            TRY(copy_from_user(&on, arg, sizeof(on)));
            uint32_t flags = file->flags() & ~fs::open_flags::kNonBlock;
            file->set_status_flags(on ? flags | fs::open_flags::kNonBlock : flags);
            return int64_t(0);
        }
        default:
            return file->ioctl(request, arg);
    }
}

// sendfile(out, in, offset*, count): copies through a kernel buffer. With
// `offset`, reads from *offset (and updates it) leaving in's own offset
// alone; without, reads at in's offset, which ends past what was written.
Result<size_t> do_sendfile(int out_fd, int in_fd, uint64_t offset_ptr, size_t count) {
    DescriptionRef in = TRY(file_of(in_fd));
    if (!in->readable()) return Error::kBadFd;
    DescriptionRef out = TRY(file_of(out_fd));
    if (!out->writable()) return Error::kBadFd;
    int64_t position = 0;
    if (offset_ptr) {
        TRY(copy_from_user(&position, offset_ptr, sizeof(position)));
        if (position < 0) return Error::kInvalid;
    }
    if (count > kMaxTransfer) count = kMaxTransfer;
    constexpr size_t kPiece = 16 * 1024;
    HeapPtr<char[]> bounce(new (std::nothrow) char[kPiece]);
    if (!bounce.get()) return Error::kNoMemory;
    size_t total = 0;
    Error failure{};
    while (total < count) {
        size_t want = count - total < kPiece ? count - total : kPiece;
        IoBuffer chunk = IoBuffer::kernel(bounce.get(), want);
        auto got = offset_ptr ? in->pread(chunk, uint64_t(position)) : in->read(chunk);
        if (!got.ok()) {
            failure = got.error();
            break;
        }
        size_t n = got.value();
        if (n == 0) break;
        size_t written = 0;
        while (written < n) {
            IoBuffer piece = IoBuffer::kernel(bounce.get() + written, n - written);
            auto w = out->write(piece);
            if (!w.ok()) {
                failure = w.error();
                break;
            }
            if (w.value() == 0) break;
            written += w.value();
        }
        total += written;
        position += int64_t(written);
        if (written < n) {
            // What was read and not written goes back to the input.
            if (!offset_ptr) (void)in->seek(-int64_t(n - written), 1);
            break;
        }
        // A short read is all there is for now (a terminal's line, what a
        // pipe held) or the end of a file: reading on would block, or
        // read nothing.
        if (n < want) break;
        if (fs::io_checkpoint()) break;
    }
    if (offset_ptr && total) TRY(copy_to_user(offset_ptr, &position, sizeof(position)));
    if (total) return total;
    if (failure != Error{}) return failure;
    return size_t(0);
}

}  // namespace

int64_t read(SyscallFrame& f) {
    return result_of(read_fd(int(f.rdi), f.rsi, f.rdx));
}

int64_t write(SyscallFrame& f) {
    return result_of(pipe_signal(int(f.rdi), write_fd(int(f.rdi), f.rsi, f.rdx)));
}

int64_t readv(SyscallFrame& f) {
    return result_of(do_readv(int(f.rdi), f.rsi, f.rdx));
}

int64_t writev(SyscallFrame& f) {
    return result_of(pipe_signal(int(f.rdi), do_writev(int(f.rdi), f.rsi, f.rdx)));
}

int64_t pread64(SyscallFrame& f) {
    return result_of(do_pread(int(f.rdi), f.rsi, f.rdx, int64_t(f.r10)));
}

int64_t pwrite64(SyscallFrame& f) {
    return result_of(pipe_signal(int(f.rdi), do_pwrite(int(f.rdi), f.rsi, f.rdx, int64_t(f.r10))));
}

// preadv(fd, iov, count, pos_low, pos_high): on x86_64 the low half is
// the whole offset (Linux's pos_from_hilo shifts the high half out).
int64_t preadv(SyscallFrame& f) {
    return result_of(do_preadv(int(f.rdi), f.rsi, f.rdx, int64_t(f.r10), 0, false));
}

int64_t pwritev(SyscallFrame& f) {
    return result_of(
        pipe_signal(int(f.rdi), do_pwritev(int(f.rdi), f.rsi, f.rdx, int64_t(f.r10), 0, false)));
}

int64_t preadv2(SyscallFrame& f) {
    return result_of(do_preadv(int(f.rdi), f.rsi, f.rdx, int64_t(f.r10), f.r9, true));
}

int64_t pwritev2(SyscallFrame& f) {
    return result_of(
        pipe_signal(int(f.rdi), do_pwritev(int(f.rdi), f.rsi, f.rdx, int64_t(f.r10), f.r9, true)));
}

int64_t lseek(SyscallFrame& f) {
    auto file = file_of(int(f.rdi));
    if (!file.ok()) return errno_of(file.error());
    int whence = int(f.rdx);
    // SEEK_SET, SEEK_CUR, SEEK_END, SEEK_DATA, SEEK_HOLE (the file's seek
    // refuses what it does not have).
    if (uint32_t(f.rdx) > 4) return errno_of(Error::kInvalid);
    return result_of(file.value()->seek(int64_t(f.rsi), whence));
}

int64_t ioctl(SyscallFrame& f) {
    return result_of(do_ioctl(int(f.rdi), uint32_t(f.rsi), f.rdx));
}

int64_t sendfile(SyscallFrame& f) {
    return result_of(pipe_signal(int(f.rdi), do_sendfile(int(f.rdi), int(f.rsi), f.rdx, f.r10)));
}

}  // namespace nyanos::sys::linux_fs
