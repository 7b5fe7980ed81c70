// Linux: close, close_range, dup, dup2, dup3, fcntl (record locks too), flock, pipe, pipe2 —
// the descriptor table (fs/fd_table.h) seen through Linux's arguments.
#include "fs/fd_table.h"
#include "fs/file_description.h"
#include "fs/flock.h"
#include "fs/pipe.h"
#include "fs/record_lock.h"
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

// The bytes struct flock names, as Linux's flock_to_posix_lock reads it:
// from the start, the offset or the end (SEEK_*), a negative length
// reaching back before l_start, 0 reaching to the end however far it
// grows. EINVAL for another whence or a range before byte 0, EOVERFLOW
// past the largest offset.
Result<void> flock_range(fs::FileDescription& d, const linux_abi::Flock& l, uint64_t& start,
                         uint64_t& end) {
    constexpr int64_t kMax = INT64_MAX;
    int64_t base;
    switch (l.whence) {
        case 0:
            base = 0;
            break;
        case 1: {
            auto offset = d.seek(0, 1);  // a stream has none: 0, as its f_pos
            base = offset.ok() ? int64_t(offset.value()) : 0;
            break;
        }
        case 2: {
            fs::FileStat st;
            d.stat(st);
            base = st.size;
            break;
        }
        default:
            return Error::kInvalid;
    }
    if (l.start > kMax - base) return Error::kOverflow;
    int64_t first = base + l.start, last;
    if (first < 0) return Error::kInvalid;
    if (l.length > 0) {
        if (l.length - 1 > kMax - first) return Error::kOverflow;
        last = first + l.length - 1;
    } else if (l.length < 0) {
        if (first + l.length < 0) return Error::kInvalid;
        last = first - 1;
        first += l.length;
    } else {
        last = kMax;
    }
    start = uint64_t(first);
    end = uint64_t(last);
    return {};
}

// F_GETLK, F_SETLK, F_SETLKW and their open-file-description forms, with
// Linux's check order (fcntl_getlk, fcntl_setlk).
Result<int64_t> do_record_lock(int fd, fs::FileDescription& d, int command, uint64_t arg) {
    using Kind = fs::RecordLockTable::Kind;
    linux_abi::Flock l;
    TRY(copy_from_user(&l, arg, sizeof(l)));
    const bool ofd = command >= linux_abi::kFOfdGetLk;
    const bool get = command == linux_abi::kFGetLk || command == linux_abi::kFOfdGetLk;
    const bool lock_type = l.type == linux_abi::kFRdLck || l.type == linux_abi::kFWrLck;
    if (get && !lock_type) return Error::kInvalid;
    uint64_t start, end;
    TRY(flock_range(d, l, start, end));
    if (!lock_type && l.type != linux_abi::kFUnLck) return Error::kInvalid;
    if (!get && l.type == linux_abi::kFRdLck && !d.readable()) return Error::kBadFd;
    if (!get && l.type == linux_abi::kFWrLck && !d.writable()) return Error::kBadFd;
    if (ofd && l.pid != 0) return Error::kInvalid;
    const fs::RecordLockOwner owner =
        ofd ? fs::RecordLockOwner{&d, -1, true}
            : fs::RecordLockOwner{&current_files(), proc::current_process()->pid, false};
    const Kind kind = l.type == linux_abi::kFRdLck ? Kind::kRead : Kind::kWrite;
    if (get) {
        fs::RecordLockTable::Lock found;
        if (!fs::find_conflicting_record_lock(d, owner, kind, start, end, found)) {
            l.type = linux_abi::kFUnLck;
        } else {
            l.type = found.kind == Kind::kRead ? linux_abi::kFRdLck : linux_abi::kFWrLck;
            l.whence = 0;
            l.start = int64_t(found.start);
            l.length =
                found.end == fs::RecordLockTable::kToEnd ? 0 : int64_t(found.end - found.start + 1);
            l.pid = found.pid;
        }
        TRY(copy_to_user(arg, &l, sizeof(l)));
        return int64_t(0);
    }
    if (l.type == linux_abi::kFUnLck) {
        TRY(fs::clear_record_lock(d, owner, start, end));
        return int64_t(0);
    }
    const bool wait = command == linux_abi::kFSetLkw || command == linux_abi::kFOfdSetLkw;
    TRY(fs::set_record_lock(d, owner, kind, start, end, wait));
    // A classic lock is the table's: if another thread closed the
    // descriptor meanwhile (its close found no lock to drop), the lock must
    // not outlive it (Linux's fcntl_setlk looks again too).
    if (!ofd) {
        auto still = current_files().get(fd);
        if (!still.ok() || still.value().get() != &d) {
            (void)fs::clear_record_lock(d, owner, start, end);
            return Error::kBadFd;
        }
    }
    return int64_t(0);
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
        case linux_abi::kFGetLk:
        case linux_abi::kFSetLk:
        case linux_abi::kFSetLkw:
        case linux_abi::kFOfdGetLk:
        case linux_abi::kFOfdSetLk:
        case linux_abi::kFOfdSetLkw:
            return do_record_lock(fd, *file, command, arg);
        default:
            // Leases, signals on I/O, seals, F_SETPIPE_SZ: none yet.
            return Error::kInvalid;
    }
}

Result<void> do_pipe2(uint64_t user_fds, uint64_t flags) {
    if (flags & ~uint64_t(of::kCloseOnExec | of::kNonBlock)) return Error::kInvalid;
    DescriptionRef read_end, write_end;
    TRY(fs::create_pipe(uint32_t(flags), read_end, write_end));
    return install_pair_for_user(static_cast<DescriptionRef&&>(read_end),
                                 static_cast<DescriptionRef&&>(write_end), flags & of::kCloseOnExec,
                                 user_fds);
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
