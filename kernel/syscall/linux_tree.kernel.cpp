// Linux: the calls that change the tree — mkdir, mkdirat, mknod, mknodat
// (regular files and FIFOs), unlink, unlinkat,
// rmdir, rename, renameat, renameat2, link, linkat, symlink, symlinkat,
// chmod, fchmod, fchmodat, chown, fchown, lchown, fchownat, utimensat,
// utimes, utime, truncate, ftruncate, fsync, fdatasync, sync, syncfs.
// The path rules (which names a call takes, and what a trailing '/' or a
// last "." or ".." means) are Linux's namei.c; the tree's own checks are
// fs/tmpfs.h's. /dev and /proc take no changes (EACCES, EPERM, ENOENT or
// EXDEV as Linux's say for a file system that does not have the operation
// or the name), and their mount points are EBUSY.
#include <string.h>

#include "fs/files.h"
#include "fs/kernel_hooks.h"
#include "lib/credentials.h"
#include "proc/scheduler.h"
#include "syscall/file_support.h"
#include "syscall/linux_abi.h"
#include "syscall/linux_fs.h"
#include "syscall/linux_socket.h"
#include "syscall/user_memory.h"

namespace nyanos::sys::linux_fs {

namespace {

using fs::DescriptionRef;
using fs::Inode;
using fs::Node;

constexpr uint32_t kAtRemoveDir = 0x200;
constexpr uint32_t kAtSymlinkFollow = 0x400;
constexpr uint32_t kBlockDevice = 0060000;  // S_IFBLK
constexpr uint32_t kSocket = 0140000;       // S_IFSOCK

uint32_t my_umask() {
    return proc::current_process()->resources.umask();
}

bool privileged() {
    return creds::privileged(proc::current_process()->resources.credentials());
}

// Whether a path is only slashes ("/", "//"): the root, which every call
// that would name it refuses in its own way.
bool is_root_path(const char* path) {
    if (!path[0]) return false;
    for (const char* p = path; *p; ++p) {
        if (*p != '/') return false;
    }
    return true;
}

// The directory a new or removed name lives in, and the name.
struct Place {
    Node dir;
    fs::LastName last;
};

Result<Place> place_of(int dirfd, const char* path) {
    Node start = TRY(start_of(dirfd, path));
    Place out;
    out.dir = TRY(fs::vfs().resolve_parent(lookup_context(), start, path, &out.last));
    return out;
}

// What is at `last` in `dir` now (invalid if nothing).
Node existing(const Place& at) {
    return fs::vfs().child(at.dir, at.last.name, at.last.length);
}

// A name in the root tree whose inode is `node`'s, or a reason why not: a
// mount point (/dev, /proc: EBUSY), or a node of theirs (`other`).
Result<void> tree_name(const Place& at, Error other) {
    if (!at.dir.inode) return other;
    if (at.dir.inode.get() == fs::vfs().tree().root()) {
        Node n = existing(at);
        if (n.valid() && !n.inode) return Error::kBusy;
    }
    return {};
}

// Which file system a directory is in: the root tree, /dev or /proc.
int mount_of(const Node& dir) {
    if (dir.inode) return 0;
    return fs::in_proc(dir.special) ? 2 : 1;
}

// Why a name in /dev or /proc cannot be removed (unlink, rmdir): Linux's
// procfs has no unlink or rmdir (EPERM) for a name it has, and fails the
// lookup (ENOENT) of one it lacks; /dev, a writable devtmpfs on Linux but a
// fixed table here, refuses (EACCES).
Error no_removal(const Place& at) {
    if (!fs::in_proc(at.dir.special)) return Error::kAccess;
    return existing(at).valid() ? Error::kPermission : Error::kNoEntry;
}

// Where a new name `path` goes (mkdir, mknod, symlink, link), with Linux's
// filename_create checks: the root, ".", ".." or a name taken is EEXIST; a
// trailing '/' asks for a directory (ENOENT for anything else).
Result<Place> new_name_at(int dirfd, const char* path, bool directory) {
    if (is_root_path(path)) return Error::kExists;
    Place at = TRY(place_of(dirfd, path));
    if (at.last.is_dot_or_dotdot || existing(at).valid()) return Error::kExists;
    if (at.last.trailing_slash && !directory) return Error::kNoEntry;
    return at;
}

// Makes `path` a new inode of `type` in the root tree, owned by the caller.
// A `refusal` (a node the caller may not make) comes after the new-name
// checks, as Linux's vfs_mknod comes after filename_create.
Result<void> create_at(int dirfd, uint64_t user_path, fs::NodeType type, uint32_t permissions,
                       const char* target = nullptr, uint32_t device = 0,
                       Result<void> refusal = {}) {
    UserPath path;
    TRY(path.copy_from(user_path));
    Place at = TRY(new_name_at(dirfd, path.get(), type == fs::NodeType::kDirectory));
    TRY(refusal);
    TRY(tree_name(at, fs::no_new_name(at.dir.special)));
    const fs::LookupContext ctx = lookup_context();
    TRY(fs::vfs().tree().create(at.dir.inode.get(), at.last.name, at.last.length, type, permissions,
                                ctx.uid, ctx.gid, target, device));
    return {};
}

Result<void> do_mkdirat(int dirfd, uint64_t user_path, uint32_t mode) {
    return create_at(dirfd, user_path, fs::NodeType::kDirectory, mode & 01777 & ~my_umask());
}

// mknod: regular files, FIFOs and character devices (`device` in Linux's
// encoding; one no driver has opens as ENXIO, as on Linux), a device only
// for a privileged caller (CAP_MKNOD; 0:0, the whiteout, for anyone). No
// block devices or sockets: EPERM, Linux's answer where the caller may not
// make them. A directory is EPERM and a type that is none EINVAL before
// the name is looked at (may_mknod); the others after EEXIST.
Result<void> do_mknodat(int dirfd, uint64_t user_path, uint32_t mode, uint32_t device) {
    fs::NodeType type = fs::NodeType::kRegular;
    Result<void> refusal = {};
    switch (mode & fs::mode_bits::kTypeMask) {
        case 0:
        case fs::mode_bits::kRegular:
            type = fs::NodeType::kRegular;
            break;
        case fs::mode_bits::kFifo:
            type = fs::NodeType::kFifo;
            break;
        case fs::mode_bits::kCharDevice:
            type = fs::NodeType::kCharDevice;
            if (device && !creds::privileged(proc::current_process()->resources.credentials()))
                refusal = Error::kPermission;
            break;
        case kBlockDevice:
        case kSocket:
            refusal = Error::kPermission;
            break;
        case fs::mode_bits::kDirectory:
            return Error::kPermission;
        default:
            return Error::kInvalid;
    }
    return create_at(dirfd, user_path, type, mode & 07777 & ~my_umask(), nullptr,
                     type == fs::NodeType::kCharDevice ? device : 0, refusal);
}

Result<void> do_rmdir(int dirfd, const char* path) {
    if (is_root_path(path)) return Error::kBusy;
    Place at = TRY(place_of(dirfd, path));
    if (at.last.is_dot_or_dotdot) return at.last.length == 1 ? Error::kInvalid : Error::kNotEmpty;
    TRY(tree_name(at, no_removal(at)));
    return fs::vfs().tree().remove(at.dir.inode.get(), at.last.name, at.last.length, true);
}

Result<void> do_unlink(int dirfd, const char* path) {
    if (is_root_path(path)) return Error::kIsDirectory;
    Place at = TRY(place_of(dirfd, path));
    if (at.last.is_dot_or_dotdot) return Error::kIsDirectory;
    Node victim = existing(at);
    if (at.last.trailing_slash) {
        // "file/": Linux's unlinkat reports what the name is.
        if (!victim.valid()) return Error::kNoEntry;
        return fs::vfs().is_directory(victim) ? Error::kIsDirectory : Error::kNotDirectory;
    }
    TRY(tree_name(at, no_removal(at)));
    return fs::vfs().tree().remove(at.dir.inode.get(), at.last.name, at.last.length, false);
}

Result<void> do_unlinkat(int dirfd, uint64_t user_path, uint32_t flags) {
    if (flags & ~kAtRemoveDir) return Error::kInvalid;
    UserPath path;
    TRY(path.copy_from(user_path));
    return flags & kAtRemoveDir ? do_rmdir(dirfd, path.get()) : do_unlink(dirfd, path.get());
}

Result<void> do_renameat2(int old_dirfd, uint64_t user_old, int new_dirfd, uint64_t user_new,
                          uint32_t flags) {
    if (flags & ~(fs::kRenameNoReplace | fs::kRenameExchange)) return Error::kInvalid;
    if ((flags & fs::kRenameNoReplace) && (flags & fs::kRenameExchange)) return Error::kInvalid;
    UserPath old_path, new_path;
    TRY(old_path.copy_from(user_old));
    TRY(new_path.copy_from(user_new));
    if (is_root_path(old_path.get())) return Error::kBusy;
    if (is_root_path(new_path.get()))
        return flags & fs::kRenameNoReplace ? Error::kExists : Error::kBusy;
    Place from = TRY(place_of(old_dirfd, old_path.get()));
    Place to = TRY(place_of(new_dirfd, new_path.get()));
    // Linux's order: two file systems (EXDEV), then the last names, then
    // the source's lookup.
    if (mount_of(from.dir) != mount_of(to.dir)) return Error::kCrossDevice;
    if (from.last.is_dot_or_dotdot) return Error::kBusy;
    if (to.last.is_dot_or_dotdot)
        return flags & fs::kRenameNoReplace ? Error::kExists : Error::kBusy;
    Node source = existing(from);
    if (!source.valid()) return Error::kNoEntry;
    if (!from.dir.inode) return Error::kPermission;  // /dev and /proc rename nothing
    TRY(tree_name(from, Error::kCrossDevice));
    TRY(tree_name(to, Error::kCrossDevice));
    // A '/' after a name asks for a directory.
    if (!fs::vfs().is_directory(source) && (from.last.trailing_slash || to.last.trailing_slash))
        return Error::kNotDirectory;
    return fs::vfs().tree().rename(from.dir.inode.get(), from.last.name, from.last.length,
                                   to.dir.inode.get(), to.last.name, to.last.length, flags);
}

Result<void> do_linkat(int old_dirfd, uint64_t user_old, int new_dirfd, uint64_t user_new,
                       uint32_t flags) {
    if (flags & ~(kAtSymlinkFollow | linux_abi::kAtEmptyPath)) return Error::kInvalid;
    UserPath old_path, new_path;
    TRY(old_path.copy_from(user_old));
    TRY(new_path.copy_from(user_new));
    DescriptionRef file;
    // linkat follows the source's last link only with AT_SYMLINK_FOLLOW.
    uint32_t lookup = flags & kAtSymlinkFollow ? 0 : linux_abi::kAtSymlinkNoFollow;
    Node source =
        TRY(node_at(old_dirfd, old_path.get(), lookup | (flags & linux_abi::kAtEmptyPath), file));
    Place to = TRY(new_name_at(new_dirfd, new_path.get(), false));
    if (!source.inode) return source.valid() ? Error::kCrossDevice : Error::kNoEntry;
    if (!to.dir.inode) return Error::kCrossDevice;
    if (source.inode->type == fs::NodeType::kDirectory) return Error::kPermission;
    return fs::vfs().tree().link(to.dir.inode.get(), to.last.name, to.last.length,
                                 source.inode.get());
}

Result<void> do_symlinkat(uint64_t user_target, int new_dirfd, uint64_t user_new) {
    UserPath target;
    TRY(target.copy_from(user_target));
    if (target.empty()) return Error::kNoEntry;
    return create_at(new_dirfd, user_new, fs::NodeType::kSymlink, 0777, target.get());
}

// The node a metadata change applies to: `path` from `dirfd` (with
// AT_EMPTY_PATH and "" the descriptor's own), or the descriptor `fd`.
Result<Node> changed_node(int dirfd, uint64_t user_path, uint32_t at_flags) {
    UserPath path;
    TRY(path.copy_from(user_path));
    DescriptionRef file;
    Node node = TRY(node_at(dirfd, path.get(), at_flags, file));
    if (!node.valid()) return Error::kPermission;  // a pipe: nothing to change here
    return node;
}

Result<Node> node_of_fd(int fd) {
    DescriptionRef file = TRY(file_of(fd));
    if (!file->node()) return Error::kPermission;
    return *file->node();
}

Result<void> change_mode(const Node& node, uint32_t mode) {
    if (!node.inode) return Error::kPermission;
    fs::vfs().tree().set_permissions(node.inode.get(), mode);
    return {};
}

Result<void> change_owner(const Node& node, uint32_t uid, uint32_t gid) {
    if (!node.inode) return Error::kPermission;
    // Only a privileged caller gives files away (CAP_CHOWN); one that is not
    // may set what it is already (Linux lets the owner pick one of its
    // groups too: not tracked here).
    if (!privileged()) {
        fs::FileStat st;
        fs::vfs().stat(node, st);
        if ((uid != fs::Tmpfs::kKeepId && uid != st.uid) ||
            (gid != fs::Tmpfs::kKeepId && gid != st.gid))
            return Error::kPermission;
    }
    fs::vfs().tree().set_owner(node.inode.get(), uid, gid);
    return {};
}

// utimensat's two times: UTIME_NOW and UTIME_OMIT in nsec, else a time
// with 0 <= nsec < 10^9 (EINVAL). A null pointer sets both to now.
constexpr int64_t kUtimeNow = (1l << 30) - 1;
constexpr int64_t kUtimeOmit = (1l << 30) - 2;

Result<void> time_change(const linux_abi::Timespec& t, fs::TimeChange& out) {
    if (t.nsec == kUtimeOmit) {
        out.kind = fs::TimeChange::Kind::kOmit;
    } else if (t.nsec == kUtimeNow) {
        out.kind = fs::TimeChange::Kind::kNow;
    } else {
        if (t.nsec < 0 || t.nsec >= 1000000000) return Error::kInvalid;
        out.kind = fs::TimeChange::Kind::kSet;
        out.time = fs::FileTime{t.sec, t.nsec};
    }
    return {};
}

Result<void> apply_times(const Node& node, const fs::TimeChange& atime,
                         const fs::TimeChange& mtime) {
    if (!node.inode) return Error::kPermission;
    fs::vfs().tree().set_times(node.inode.get(), atime, mtime);
    return {};
}

Result<void> do_utimensat(int dirfd, uint64_t user_path, uint64_t user_times, uint32_t flags) {
    if (flags & ~(linux_abi::kAtSymlinkNoFollow | linux_abi::kAtEmptyPath)) return Error::kInvalid;
    fs::TimeChange atime{fs::TimeChange::Kind::kNow, {}}, mtime = atime;
    if (user_times) {
        linux_abi::Timespec t[2];
        TRY(copy_from_user(t, user_times, sizeof(t)));
        TRY(time_change(t[0], atime));
        TRY(time_change(t[1], mtime));
        if (atime.kind == fs::TimeChange::Kind::kOmit && mtime.kind == fs::TimeChange::Kind::kOmit)
            return {};
    }
    // A null path is the descriptor itself (the call futimens makes).
    if (!user_path) {
        if (dirfd == linux_abi::kAtFdCwd) return Error::kFault;
        return apply_times(TRY(node_of_fd(dirfd)), atime, mtime);
    }
    return apply_times(TRY(changed_node(dirfd, user_path, flags)), atime, mtime);
}

// utimes and futimesat: struct timeval[2] (microseconds), or now for null.
Result<void> do_utimes(int dirfd, uint64_t user_path, uint64_t user_times) {
    fs::TimeChange atime{fs::TimeChange::Kind::kNow, {}}, mtime = atime;
    if (user_times) {
        linux_abi::Timeval t[2];
        TRY(copy_from_user(t, user_times, sizeof(t)));
        fs::TimeChange* out[2] = {&atime, &mtime};
        for (int k = 0; k < 2; ++k) {
            if (t[k].usec < 0 || t[k].usec >= 1000000) return Error::kInvalid;
            *out[k] = fs::TimeChange{fs::TimeChange::Kind::kSet,
                                     fs::FileTime{t[k].sec, t[k].usec * 1000}};
        }
    }
    Node node = TRY(changed_node(dirfd, user_path, 0));
    return apply_times(node, atime, mtime);
}

// utime: struct utimbuf { time_t actime, modtime; } (seconds), or now.
Result<void> do_utime(uint64_t user_path, uint64_t user_times) {
    fs::TimeChange atime{fs::TimeChange::Kind::kNow, {}}, mtime = atime;
    if (user_times) {
        int64_t t[2];
        TRY(copy_from_user(t, user_times, sizeof(t)));
        atime = fs::TimeChange{fs::TimeChange::Kind::kSet, fs::FileTime{t[0], 0}};
        mtime = fs::TimeChange{fs::TimeChange::Kind::kSet, fs::FileTime{t[1], 0}};
    }
    Node node = TRY(changed_node(linux_abi::kAtFdCwd, user_path, 0));
    return apply_times(node, atime, mtime);
}

// A truncate that grows a regular file past the caller's RLIMIT_FSIZE:
// SIGXFSZ and EFBIG, as Linux's inode_newsize_ok (shrinking is always
// allowed).
Result<void> within_size_limit(Inode* file, uint64_t length) {
    if (length <= fs::vfs().tree().size_of(file)) return {};
    if (length <= fs::file_size_limit()) return {};
    fs::file_size_limit_exceeded();
    return Error::kFileTooBig;
}

// Linux's order: a negative length is EINVAL before the path or the
// descriptor is looked at.
Result<void> do_truncate(uint64_t user_path, int64_t length) {
    if (length < 0) return Error::kInvalid;
    UserPath path;
    TRY(path.copy_from(user_path));
    Node start = TRY(start_of(linux_abi::kAtFdCwd, path.get()));
    Node node = TRY(fs::vfs().resolve(lookup_context(), start, path.get(), true));
    if (fs::vfs().is_directory(node)) return Error::kIsDirectory;
    if (!node.inode || node.inode->type != fs::NodeType::kRegular) return Error::kInvalid;
    TRY(within_size_limit(node.inode.get(), uint64_t(length)));
    return fs::vfs().tree().truncate_by_name(node.inode.get(), uint64_t(length));
}

Result<void> do_ftruncate(int fd, int64_t length) {
    if (length < 0) return Error::kInvalid;
    DescriptionRef file = TRY(file_of(fd));
    if (!file->writable()) return Error::kInvalid;
    const Node* node = file->node();
    if (node && node->inode && node->inode->type == fs::NodeType::kRegular)
        TRY(within_size_limit(node->inode.get(), uint64_t(length)));
    return file->truncate(uint64_t(length));
}

Result<void> do_fsync(int fd) {
    DescriptionRef file = TRY(file_of(fd));
    return file->sync();
}

}  // namespace

int64_t mkdir(SyscallFrame& f) {
    return result_of(do_mkdirat(linux_abi::kAtFdCwd, f.rdi, uint32_t(f.rsi)));
}

int64_t mkdirat(SyscallFrame& f) {
    return result_of(do_mkdirat(int(f.rdi), f.rsi, uint32_t(f.rdx)));
}

int64_t mknod(SyscallFrame& f) {
    return result_of(do_mknodat(linux_abi::kAtFdCwd, f.rdi, uint32_t(f.rsi), uint32_t(f.rdx)));
}

int64_t mknodat(SyscallFrame& f) {
    return result_of(do_mknodat(int(f.rdi), f.rsi, uint32_t(f.rdx), uint32_t(f.r10)));
}

int64_t unlink(SyscallFrame& f) {
    return result_of(do_unlinkat(linux_abi::kAtFdCwd, f.rdi, 0));
}

int64_t rmdir(SyscallFrame& f) {
    return result_of(do_unlinkat(linux_abi::kAtFdCwd, f.rdi, kAtRemoveDir));
}

int64_t unlinkat(SyscallFrame& f) {
    return result_of(do_unlinkat(int(f.rdi), f.rsi, uint32_t(f.rdx)));
}

int64_t rename(SyscallFrame& f) {
    return result_of(do_renameat2(linux_abi::kAtFdCwd, f.rdi, linux_abi::kAtFdCwd, f.rsi, 0));
}

int64_t renameat(SyscallFrame& f) {
    return result_of(do_renameat2(int(f.rdi), f.rsi, int(f.rdx), f.r10, 0));
}

int64_t renameat2(SyscallFrame& f) {
    return result_of(do_renameat2(int(f.rdi), f.rsi, int(f.rdx), f.r10, uint32_t(f.r8)));
}

int64_t link(SyscallFrame& f) {
    return result_of(do_linkat(linux_abi::kAtFdCwd, f.rdi, linux_abi::kAtFdCwd, f.rsi, 0));
}

int64_t linkat(SyscallFrame& f) {
    return result_of(do_linkat(int(f.rdi), f.rsi, int(f.rdx), f.r10, uint32_t(f.r8)));
}

int64_t symlink(SyscallFrame& f) {
    return result_of(do_symlinkat(f.rdi, linux_abi::kAtFdCwd, f.rsi));
}

int64_t symlinkat(SyscallFrame& f) {
    return result_of(do_symlinkat(f.rdi, int(f.rsi), f.rdx));
}

int64_t chmod(SyscallFrame& f) {
    auto node = changed_node(linux_abi::kAtFdCwd, f.rdi, 0);
    if (!node.ok()) return errno_of(node.error());
    return result_of(change_mode(node.value(), uint32_t(f.rsi)));
}

int64_t fchmodat(SyscallFrame& f) {
    // Linux 6.1's fchmodat takes no flags argument.
    auto node = changed_node(int(f.rdi), f.rsi, 0);
    if (!node.ok()) return errno_of(node.error());
    return result_of(change_mode(node.value(), uint32_t(f.rdx)));
}

int64_t fchmod(SyscallFrame& f) {
    auto node = node_of_fd(int(f.rdi));
    if (!node.ok()) return errno_of(node.error());
    return result_of(change_mode(node.value(), uint32_t(f.rsi)));
}

int64_t chown(SyscallFrame& f) {
    auto node = changed_node(linux_abi::kAtFdCwd, f.rdi, 0);
    if (!node.ok()) return errno_of(node.error());
    return result_of(change_owner(node.value(), uint32_t(f.rsi), uint32_t(f.rdx)));
}

int64_t lchown(SyscallFrame& f) {
    auto node = changed_node(linux_abi::kAtFdCwd, f.rdi, linux_abi::kAtSymlinkNoFollow);
    if (!node.ok()) return errno_of(node.error());
    return result_of(change_owner(node.value(), uint32_t(f.rsi), uint32_t(f.rdx)));
}

int64_t fchown(SyscallFrame& f) {
    auto node = node_of_fd(int(f.rdi));
    if (!node.ok()) return errno_of(node.error());
    return result_of(change_owner(node.value(), uint32_t(f.rsi), uint32_t(f.rdx)));
}

int64_t fchownat(SyscallFrame& f) {
    uint32_t flags = uint32_t(f.r8);
    if (flags & ~(linux_abi::kAtSymlinkNoFollow | linux_abi::kAtEmptyPath))
        return errno_of(Error::kInvalid);
    auto node = changed_node(int(f.rdi), f.rsi, flags);
    if (!node.ok()) return errno_of(node.error());
    return result_of(change_owner(node.value(), uint32_t(f.rdx), uint32_t(f.r10)));
}

int64_t utimensat(SyscallFrame& f) {
    return result_of(do_utimensat(int(f.rdi), f.rsi, f.rdx, uint32_t(f.r10)));
}

int64_t utimes(SyscallFrame& f) {
    return result_of(do_utimes(linux_abi::kAtFdCwd, f.rdi, f.rsi));
}

int64_t futimesat(SyscallFrame& f) {
    return result_of(do_utimes(int(f.rdi), f.rsi, f.rdx));
}

int64_t utime(SyscallFrame& f) {
    return result_of(do_utime(f.rdi, f.rsi));
}

int64_t truncate(SyscallFrame& f) {
    return result_of(do_truncate(f.rdi, int64_t(f.rsi)));
}

int64_t ftruncate(SyscallFrame& f) {
    return result_of(do_ftruncate(int(f.rdi), int64_t(f.rsi)));
}

int64_t fsync(SyscallFrame& f) {
    return result_of(do_fsync(int(f.rdi)));
}

int64_t sync(SyscallFrame&) {
    return 0;  // the tree is in memory: nothing to write back
}

int64_t syncfs(SyscallFrame& f) {
    auto file = file_of(int(f.rdi));
    return file.ok() ? 0 : errno_of(file.error());
}

}  // namespace nyanos::sys::linux_fs

namespace nyanos::sys::linux_fs {

// bind() of a Unix socket to a path (syscall/linux_socket.h): as mknod of
// an S_IFSOCK node with the socket's mode (0777) less the umask.
Result<fs::InodeRef> make_socket_node(const char* path) {
    Place at = TRY(new_name_at(linux_abi::kAtFdCwd, path, false));
    TRY(tree_name(at, fs::no_new_name(at.dir.special)));
    const fs::LookupContext ctx = lookup_context();
    return fs::vfs().tree().create(at.dir.inode.get(), at.last.name, at.last.length,
                                   fs::NodeType::kSocket, 0777 & ~my_umask(), ctx.uid, ctx.gid);
}

// Takes back the node make_socket_node made, when the bind fails after.
void remove_socket_node(const char* path) {
    auto at = place_of(linux_abi::kAtFdCwd, path);
    if (at.ok() && at.value().dir.inode)
        (void)fs::vfs().tree().remove(at.value().dir.inode.get(), at.value().last.name,
                                      at.value().last.length, false);
}

}  // namespace nyanos::sys::linux_fs
