// Linux: the calls that take a path or look at the tree — open, openat,
// creat, the stat family, statfs and fstatfs, getdents64, getcwd, chdir, fchdir, readlink,
// readlinkat, access, faccessat, faccessat2. Paths resolve against the
// caller's working directory or a directory descriptor (fs/vfs.h).
#include <string.h>

#include <new>

#include "fs/files.h"
#include "fs/open.h"
#include "lib/heap_ptr.h"
#include "proc/lifecycle.h"
#include "proc/scheduler.h"
#include "syscall/file_support.h"
#include "syscall/linux_abi.h"
#include "syscall/linux_fs.h"
#include "syscall/user_memory.h"

namespace nyanos::sys::linux_fs {

namespace {

using fs::DescriptionRef;
using fs::Node;
namespace of = fs::open_flags;

Result<int64_t> do_openat(int dirfd, uint64_t user_path, uint32_t flags, uint32_t mode) {
    UserPath path;
    TRY(path.copy_from(user_path));
    if ((flags & of::kTmpFile) == of::kTmpFile) {
        // An unnamed file to write: not made here (Linux's answer for a
        // file system without tmpfile).
        uint32_t access = flags & of::kAccessMode;
        return access == of::kReadOnly ? Error::kInvalid : Error::kNotSupported;
    }
    Node start = TRY(start_of(dirfd, path.get()));
    const uint32_t permissions = mode & 07777 & ~proc::current_process()->resources.umask();
    DescriptionRef file =
        TRY(fs::open_path(fs::vfs(), lookup_context(), start, path.get(), flags, permissions));
    return int64_t(TRY(
        current_files().install(static_cast<DescriptionRef&&>(file), flags & of::kCloseOnExec)));
}

Result<void> do_fstatat(int dirfd, uint64_t user_path, uint64_t user_stat, uint64_t at_flags) {
    if (at_flags & ~uint64_t(linux_abi::kAtSymlinkNoFollow | linux_abi::kAtNoAutomount |
                             linux_abi::kAtEmptyPath))
        return Error::kInvalid;
    UserPath path;
    TRY(path.copy_from(user_path));
    DescriptionRef file;
    Node node = TRY(node_at(dirfd, path.get(), uint32_t(at_flags), file));
    fs::FileStat st;
    if (node.valid()) {
        fs::vfs().stat(node, st);
    } else {
        file->stat(st);
    }
    linux_abi::Stat out = linux_abi::to_stat(st);
    return copy_to_user(user_stat, &out, sizeof(out));
}

// statx: the same lookup as fstatat, Linux 6.1's checks in its order (the
// mask and the flags, then the path). Every basic field is filled whatever
// the mask asks for, as Linux does for a file system that has them all at
// hand.
Result<void> do_statx(int dirfd, uint64_t user_path, uint32_t at_flags, uint32_t mask,
                      uint64_t user_statx) {
    if (mask & linux_abi::kStatxReserved) return Error::kInvalid;
    if ((at_flags & linux_abi::kAtStatxSyncType) == linux_abi::kAtStatxSyncType)
        return Error::kInvalid;
    if (at_flags & ~(linux_abi::kAtSymlinkNoFollow | linux_abi::kAtNoAutomount |
                     linux_abi::kAtEmptyPath | linux_abi::kAtStatxSyncType))
        return Error::kInvalid;
    UserPath path;
    TRY(path.copy_from(user_path));
    DescriptionRef file;
    Node node = TRY(node_at(dirfd, path.get(), at_flags & ~linux_abi::kAtStatxSyncType, file));
    fs::FileStat st;
    if (node.valid()) {
        fs::vfs().stat(node, st);
    } else {
        file->stat(st);
    }
    linux_abi::Statx out = linux_abi::to_statx(st, fs::mount_id(st.device));
    return copy_to_user(user_statx, &out, sizeof(out));
}

// statfs and fstatfs: the file system of the file's stat (fs/file_system_stats.h).
Result<void> put_statfs(const fs::FileStat& st, uint64_t user_buffer) {
    linux_abi::Statfs out = linux_abi::to_statfs(fs::file_system_stats(fs::vfs(), st));
    return copy_to_user(user_buffer, &out, sizeof(out));
}

Result<void> do_statfs(uint64_t user_path, uint64_t user_buffer) {
    UserPath path;
    TRY(path.copy_from(user_path));
    if (path.empty()) return Error::kNoEntry;
    Node start = TRY(start_of(linux_abi::kAtFdCwd, path.get()));
    Node node = TRY(fs::vfs().resolve(lookup_context(), start, path.get(), true));
    fs::FileStat st;
    fs::vfs().stat(node, st);
    return put_statfs(st, user_buffer);
}

Result<void> do_fstatfs(int fd, uint64_t user_buffer) {
    DescriptionRef file = TRY(file_of(fd));
    fs::FileStat st;
    file->stat(st);
    return put_statfs(st, user_buffer);
}

Result<void> do_fstat(int fd, uint64_t user_stat) {
    DescriptionRef file = TRY(file_of(fd));
    fs::FileStat st;
    file->stat(st);
    linux_abi::Stat out = linux_abi::to_stat(st);
    return copy_to_user(user_stat, &out, sizeof(out));
}

// getdents64: one struct linux_dirent64 per entry, each 8-byte aligned,
// as many as fit.
struct DirentSink {
    fs::IoBuffer out;
    size_t used = 0;
    bool full = false;   // an entry did not fit
    bool fault = false;  // the buffer faulted

    static bool take(void* ctx, const fs::DirectoryEntry& e) {
        auto* s = static_cast<DirentSink*>(ctx);
        uint8_t bytes[linux_abi::kMaxDirent64];
        size_t room = s->out.length() - s->used;
        size_t record =
            linux_abi::put_dirent64(e, bytes, room < sizeof(bytes) ? room : sizeof(bytes));
        if (!record) {
            s->full = true;
            return false;
        }
        if (!s->out.store(s->used, bytes, record).ok()) {
            s->fault = true;
            return false;
        }
        s->used += record;
        return true;
    }
};

Result<size_t> do_getdents64(int fd, uint64_t buffer, size_t length) {
    DescriptionRef dir = TRY(file_of(fd));
    if (!is_user_range(buffer, length)) return Error::kFault;
    if (length > kMaxTransfer) length = kMaxTransfer;
    DirentSink sink{fs::IoBuffer::user(buffer, length)};
    TRY(dir->read_directory(DirentSink::take, &sink));
    if (sink.used) return sink.used;
    if (sink.fault) return Error::kFault;
    if (sink.full) return Error::kInvalid;  // not even one entry fits
    return size_t(0);
}

// A working directory that was removed has no path: ENOENT, as Linux's.
// The path of `cwd` as a process chrooted to `root` sees it: from its
// root; "(unreachable)" and the tree's path if it is outside (Linux's
// getcwd). `out` holds kPathMax bytes.
Result<size_t> path_from_root(const Node& cwd, const Node& root, char* out) {
    size_t length = TRY(fs::vfs().path_of(cwd, out, fs::kPathMax));
    if (!root.valid()) return length;
    HeapPtr<char[]> top(new (std::nothrow) char[fs::kPathMax]);
    if (!top.get()) return Error::kNoMemory;
    size_t n = TRY(fs::vfs().path_of(root, top.get(), fs::kPathMax));
    if (n == 1) return length;  // chrooted to "/"
    if (length == n && !memcmp(out, top.get(), n)) {
        out[0] = '/';
        out[1] = '\0';
        return 1;
    }
    if (length > n && !memcmp(out, top.get(), n) && out[n] == '/') {
        memmove(out, out + n, length - n + 1);
        return length - n;
    }
    static const char kUnreachable[] = "(unreachable)";
    const size_t k = sizeof(kUnreachable) - 1;
    if (length + k + 1 > fs::kPathMax) return Error::kNameTooLong;
    memmove(out + k, out, length + 1);
    memcpy(out, kUnreachable, k);
    return length + k;
}

Result<int64_t> do_getcwd(uint64_t buffer, uint64_t size) {
    fs::LookupContext ctx = lookup_context();
    Node cwd = ctx.cwd.valid() ? ctx.cwd : fs::vfs().root_of(ctx);
    fs::FileStat st;
    fs::vfs().stat(cwd, st);
    if (st.links == 0) return Error::kNoEntry;
    HeapPtr<char[]> path(new (std::nothrow) char[fs::kPathMax]);
    if (!path.get()) return Error::kNoMemory;
    size_t length = TRY(path_from_root(cwd, ctx.root, path.get()));
    if (length + 1 > size) return Error::kRange;
    TRY(copy_to_user(buffer, path.get(), length + 1));
    return int64_t(length + 1);
}

Result<void> change_directory(Node node) {
    if (!fs::vfs().is_directory(node)) return Error::kNotDirectory;
    proc::set_working_directory(fs::NodeHold::of(fs::vfs(), node));
    return {};
}

Result<void> do_chdir(uint64_t user_path) {
    UserPath path;
    TRY(path.copy_from(user_path));
    Node node = TRY(fs::vfs().resolve(lookup_context(), Node{}, path.get(), true));
    return change_directory(node);
}

// chroot: the path's lookup errors first (EFAULT, ENOENT, ENOTDIR, ELOOP,
// ENAMETOOLONG), then EPERM without CAP_SYS_CHROOT, as Linux orders them.
// The working directory stays where it is.
Result<void> do_chroot(uint64_t user_path) {
    UserPath path;
    TRY(path.copy_from(user_path));
    Node node = TRY(fs::vfs().resolve(lookup_context(), Node{}, path.get(), true));
    if (!fs::vfs().is_directory(node)) return Error::kNotDirectory;
    proc::Process* p = proc::current_process();
    if (!creds::privileged(p->resources.credentials())) return Error::kPermission;
    return p->resources.set_root(fs::NodeHold::of(fs::vfs(), node));
}

Result<void> do_fchdir(int fd) {
    DescriptionRef file = TRY(file_of(fd));
    if (!file->node()) return Error::kNotDirectory;
    return change_directory(*file->node());
}

Result<int64_t> do_readlinkat(int dirfd, uint64_t user_path, uint64_t buffer, int64_t size) {
    if (int32_t(size) <= 0) return Error::kInvalid;
    UserPath path;
    TRY(path.copy_from(user_path));
    if (path.empty()) return Error::kNoEntry;
    Node start = TRY(start_of(dirfd, path.get()));
    fs::LookupContext ctx = lookup_context();
    Node node = TRY(fs::vfs().resolve(ctx, start, path.get(), false));
    HeapPtr<char[]> target(new (std::nothrow) char[fs::kPathMax]);
    if (!target.get()) return Error::kNoMemory;
    size_t n = TRY(fs::vfs().read_link(ctx, node, target.get(), fs::kPathMax));
    if (n > size_t(int32_t(size))) n = size_t(int32_t(size));
    TRY(copy_to_user(buffer, target.get(), n));  // no NUL, as Linux
    return int64_t(n);
}

// Everyone is root: reading and writing are always allowed; executing
// needs an execute bit (directories may always be searched).
Result<void> do_faccessat(int dirfd, uint64_t user_path, uint64_t mode, uint64_t at_flags) {
    if (mode & ~uint64_t(linux_abi::kROk | linux_abi::kWOk | linux_abi::kXOk))
        return Error::kInvalid;
    if (at_flags &
        ~uint64_t(linux_abi::kAtEaccess | linux_abi::kAtSymlinkNoFollow | linux_abi::kAtEmptyPath))
        return Error::kInvalid;
    UserPath path;
    TRY(path.copy_from(user_path));
    DescriptionRef file;
    Node node = TRY(node_at(dirfd, path.get(), uint32_t(at_flags), file));
    fs::FileStat st;
    if (node.valid()) {
        fs::vfs().stat(node, st);
    } else {
        file->stat(st);
    }
    uint32_t type = st.mode & fs::mode_bits::kTypeMask;
    if ((mode & linux_abi::kXOk) && type != fs::mode_bits::kDirectory &&
        !(st.mode & fs::mode_bits::kAnyExecute))
        return Error::kAccess;
    return {};
}

}  // namespace

int64_t open(SyscallFrame& f) {
    return result_of(do_openat(linux_abi::kAtFdCwd, f.rdi, uint32_t(f.rsi), uint32_t(f.rdx)));
}

int64_t openat(SyscallFrame& f) {
    return result_of(do_openat(int(f.rdi), f.rsi, uint32_t(f.rdx), uint32_t(f.r10)));
}

int64_t creat(SyscallFrame& f) {
    return result_of(do_openat(linux_abi::kAtFdCwd, f.rdi,
                               of::kCreate | of::kWriteOnly | of::kTruncate, uint32_t(f.rsi)));
}

int64_t stat(SyscallFrame& f) {
    return result_of(do_fstatat(linux_abi::kAtFdCwd, f.rdi, f.rsi, 0));
}

int64_t lstat(SyscallFrame& f) {
    return result_of(do_fstatat(linux_abi::kAtFdCwd, f.rdi, f.rsi, linux_abi::kAtSymlinkNoFollow));
}

int64_t fstat(SyscallFrame& f) {
    return result_of(do_fstat(int(f.rdi), f.rsi));
}

int64_t newfstatat(SyscallFrame& f) {
    return result_of(do_fstatat(int(f.rdi), f.rsi, f.rdx, f.r10));
}

int64_t statx(SyscallFrame& f) {
    return result_of(do_statx(int(f.rdi), f.rsi, uint32_t(f.rdx), uint32_t(f.r10), f.r8));
}

int64_t getdents64(SyscallFrame& f) {
    return result_of(do_getdents64(int(f.rdi), f.rsi, size_t(uint32_t(f.rdx))));
}

int64_t getcwd(SyscallFrame& f) {
    return result_of(do_getcwd(f.rdi, f.rsi));
}

int64_t chdir(SyscallFrame& f) {
    return result_of(do_chdir(f.rdi));
}

int64_t chroot(SyscallFrame& f) {
    return result_of(do_chroot(f.rdi));
}

int64_t fchdir(SyscallFrame& f) {
    return result_of(do_fchdir(int(f.rdi)));
}

int64_t statfs(SyscallFrame& f) {
    return result_of(do_statfs(f.rdi, f.rsi));
}

int64_t fstatfs(SyscallFrame& f) {
    return result_of(do_fstatfs(int(f.rdi), f.rsi));
}

int64_t readlink(SyscallFrame& f) {
    return result_of(do_readlinkat(linux_abi::kAtFdCwd, f.rdi, f.rsi, int64_t(f.rdx)));
}

int64_t readlinkat(SyscallFrame& f) {
    return result_of(do_readlinkat(int(f.rdi), f.rsi, f.rdx, int64_t(f.r10)));
}

int64_t access(SyscallFrame& f) {
    return result_of(do_faccessat(linux_abi::kAtFdCwd, f.rdi, f.rsi, 0));
}

int64_t faccessat(SyscallFrame& f) {
    return result_of(do_faccessat(int(f.rdi), f.rsi, f.rdx, 0));
}

int64_t faccessat2(SyscallFrame& f) {
    return result_of(do_faccessat(int(f.rdi), f.rsi, f.rdx, f.r10));
}

}  // namespace nyanos::sys::linux_fs
