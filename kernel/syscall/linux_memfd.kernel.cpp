// Linux: memfd_create and fallocate, the calls that make or size a file of
// the memory tree (fs/tmpfs.h) without a path.
#include <string.h>

#include "fs/file_description.h"
#include "fs/files.h"
#include "fs/tmpfs.h"
#include "fs/tree_files.h"
#include "syscall/file_support.h"
#include "syscall/linux_abi.h"
#include "syscall/linux_fs.h"

namespace nyanos::sys::linux_fs {

namespace {

using fs::DescriptionRef;
namespace of = fs::open_flags;

// memfd_create's flags (linux/memfd.h) as Linux 6.1 has them.
constexpr uint64_t kMfdCloexec = 0x1, kMfdAllowSealing = 0x2, kMfdHugetlb = 0x4;
// A name longer than NAME_MAX less "memfd:" is EINVAL (MFD_NAME_MAX_LEN).
constexpr char kMemfdPrefix[] = "memfd:";
constexpr size_t kMemfdNameMax = 255 - (sizeof(kMemfdPrefix) - 1);

// fallocate's modes (linux/falloc.h).
constexpr uint64_t kFallocKeepSize = 0x1;

// memfd_create(name, flags): a regular file of the memory tree with no
// name, open for reading and writing, mode 0777 as Linux's. Linux's order:
// the flags (EINVAL; MFD_HUGETLB too: there are no huge pages to back one),
// the name (EFAULT, EINVAL when too long), then the file (ENOSPC, ENOMEM,
// EMFILE). MFD_ALLOW_SEALING is accepted; no seal is ever added (fcntl's
// F_ADD_SEALS is not done here).
Result<int64_t> do_memfd_create(uint64_t user_name, uint64_t flags) {
    if (flags & ~(kMfdCloexec | kMfdAllowSealing)) return Error::kInvalid;
    (void)kMfdHugetlb;
    UserPath name;
    auto copied = name.copy_from(user_name);
    if (!copied.ok())
        return copied.error() == Error::kNameTooLong ? Error::kInvalid : copied.error();
    size_t length = strlen(name.get());
    if (length > kMemfdNameMax) return Error::kInvalid;
    char shown[sizeof(kMemfdPrefix) + kMemfdNameMax];
    memcpy(shown, kMemfdPrefix, sizeof(kMemfdPrefix) - 1);
    memcpy(shown + sizeof(kMemfdPrefix) - 1, name.get(), length + 1);
    fs::LookupContext ctx = lookup_context();
    fs::InodeRef inode = TRY(fs::vfs().tree().create_unlinked(shown, 0777, ctx.uid, ctx.gid));
    fs::Node node;
    node.inode = static_cast<fs::InodeRef&&>(inode);
    DescriptionRef file = TRY(fs::RegularFile::try_create(fs::vfs(), static_cast<fs::Node&&>(node),
                                                          of::kReadWrite | of::kLargeFile));
    return int64_t(
        TRY(current_files().install(static_cast<DescriptionRef&&>(file), flags & kMfdCloexec)));
}

// fallocate(fd, mode, offset, length) on a file of the tree: mode 0 makes
// it at least offset + length bytes (the tree keeps pages as they are
// written, so nothing is reserved ahead); FALLOC_FL_KEEP_SIZE changes
// nothing. Linux's order (vfs_fallocate): the range (EINVAL), the mode
// (EOPNOTSUPP for anything else), the access (EBADF), the kind of file
// (ESPIPE for a pipe, EISDIR, ENODEV), the size (EFBIG).
Result<void> do_fallocate(int fd, uint64_t mode, int64_t offset, int64_t length) {
    if (offset < 0 || length <= 0) return Error::kInvalid;
    if (mode & ~kFallocKeepSize) return Error::kNotSupported;
    DescriptionRef file = TRY(file_of(fd));
    if (!file->writable()) return Error::kBadFd;
    fs::FileStat st;
    file->stat(st);
    uint32_t type = st.mode & 0170000;
    if (type == 0010000) return Error::kIllegalSeek;  // S_IFIFO (and pipes)
    if (type == 0040000) return Error::kIsDirectory;
    const fs::Node* node = file->node();
    if (type != 0100000 || !node || !node->inode) return Error::kNoDevice;
    uint64_t end = uint64_t(offset) + uint64_t(length);
    if (end > uint64_t(INT64_MAX) || end > fs::kMaxFileSize) return Error::kFileTooBig;
    if (mode & kFallocKeepSize) return {};
    return fs::vfs().tree().grow(node->inode.get(), end);
}

}  // namespace

int64_t memfd_create(SyscallFrame& f) {
    return result_of(do_memfd_create(f.rdi, f.rsi));
}

int64_t fallocate(SyscallFrame& f) {
    return result_of(do_fallocate(int(f.rdi), f.rsi, int64_t(f.rdx), int64_t(f.r10)));
}

}  // namespace nyanos::sys::linux_fs
