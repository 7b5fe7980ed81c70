// Linux: close, close_range, dup, dup2, dup3, fcntl, flock, pipe, pipe2 —
// the descriptor table (fs/fd_table.h) seen through Linux's arguments.
#include "fs/fd_table.h"
#include "fs/file_description.h"
#include "fs/flock.h"
#include "fs/pipe.h"
#include "proc/lifecycle.h"
#include "proc/scheduler.h"
#include "syscall/file_support.h"
#include "syscall/linux_abi.h"
#include "syscall/linux_fs.h"
#include "syscall/user_memory.h"

namespace nyanos::sys::linux_fs {

namespace {

using fs::DescriptionRef;
using fs::FdTable;
namespace of = fs::open_flags;

Result<int> do_dup2(int fd, int target) {
    if (fd == target) {
        // dup2 onto itself changes nothing, if fd is open.
        TRY(file_of(fd));
        return target;
    }
    return current_files().duplicate_to(fd, target, false, fd_limit());
}

Result<int> do_dup3(int fd, int target, uint64_t flags) {
    if (flags & ~uint64_t(of::kCloseOnExec)) return Error::kInvalid;
    if (fd == target) return Error::kInvalid;
    return current_files().duplicate_to(fd, target, flags & of::kCloseOnExec, fd_limit());
}

Result<int64_t> do_fcntl(int fd, int command, uint64_t arg) {
    DescriptionRef file = TRY(file_of(fd));
    FdTable& files = current_files();
    switch (command) {
        case linux_abi::kFDupFd:
        case linux_abi::kFDupFdCloexec: {
            int limit = fd_limit();
            if (arg >= uint64_t(limit)) return Error::kInvalid;
            return int64_t(
                TRY(files.duplicate(fd, int(arg), command == linux_abi::kFDupFdCloexec, limit)));
        }
        case linux_abi::kFGetFd:
            return int64_t(TRY(files.close_on_exec_flag(fd)) ? linux_abi::kFdCloexec : 0);
        case linux_abi::kFSetFd:
            TRY(files.set_close_on_exec_flag(fd, arg & linux_abi::kFdCloexec));
            return int64_t(0);
        case linux_abi::kFGetFl:
            return int64_t(file->flags());
        case linux_abi::kFSetFl:
            file->set_status_flags(uint32_t(arg));
            return int64_t(0);
        case linux_abi::kFGetPipeSz: {
            fs::FileStat st;
            file->stat(st);
            if ((st.mode & fs::mode_bits::kTypeMask) != fs::mode_bits::kFifo) return Error::kBadFd;
            return int64_t(65536);
        }
        default:
            // File locks, leases, signals on I/O, seals, F_SETPIPE_SZ: none yet.
            return Error::kInvalid;
    }
}

Result<void> do_pipe2(uint64_t user_fds, uint64_t flags) {
    if (flags & ~uint64_t(of::kCloseOnExec | of::kNonBlock)) return Error::kInvalid;
    DescriptionRef read_end, write_end;
    TRY(fs::create_pipe(uint32_t(flags), read_end, write_end));
    int fds[2];
    FdTable& files = current_files();
    TRY(files.install_pair(static_cast<DescriptionRef&&>(read_end),
                           static_cast<DescriptionRef&&>(write_end), flags & of::kCloseOnExec, fds,
                           fd_limit()));
    auto copied = copy_to_user(user_fds, fds, sizeof(fds));
    if (!copied.ok()) {
        (void)files.close(fds[0]);
        (void)files.close(fds[1]);
        return copied.error();
    }
    return {};
}

Result<void> do_close_range(uint32_t first, uint32_t last, uint32_t flags) {
    if (flags & ~(linux_abi::kCloseRangeUnshare | linux_abi::kCloseRangeCloexec))
        return Error::kInvalid;
    if (first > last) return Error::kInvalid;
    if (flags & linux_abi::kCloseRangeUnshare) TRY(proc::unshare_files(proc::current_process()));
    current_files().close_range(first, last, flags & linux_abi::kCloseRangeCloexec);
    return {};
}

}  // namespace

int64_t close(SyscallFrame& f) {
    return result_of(current_files().close(int(f.rdi)));
}

int64_t close_range(SyscallFrame& f) {
    return result_of(do_close_range(uint32_t(f.rdi), uint32_t(f.rsi), uint32_t(f.rdx)));
}

int64_t dup(SyscallFrame& f) {
    return result_of(current_files().duplicate(int(f.rdi), 0, false, fd_limit()));
}

int64_t dup2(SyscallFrame& f) {
    return result_of(do_dup2(int(f.rdi), int(f.rsi)));
}

int64_t dup3(SyscallFrame& f) {
    return result_of(do_dup3(int(f.rdi), int(f.rsi), f.rdx));
}

int64_t fcntl(SyscallFrame& f) {
    return result_of(do_fcntl(int(f.rdi), int(f.rsi), f.rdx));
}

int64_t flock(SyscallFrame& f) {
    auto file = file_of(int(f.rdi));
    if (!file.ok()) return errno_of(file.error());
    return result_of(fs::flock(*file.value(), int(f.rsi)));
}

int64_t pipe(SyscallFrame& f) {
    return result_of(do_pipe2(f.rdi, 0));
}

int64_t pipe2(SyscallFrame& f) {
    return result_of(do_pipe2(f.rdi, f.rsi));
}

}  // namespace nyanos::sys::linux_fs
