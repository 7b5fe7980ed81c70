// The Linux personality's file ABI (syscall/linux_abi.h, the flags in
// fs/file_description.h) against the host's own Linux x86_64 headers:
// every constant and structure layout a Linux program sees must be the
// real one. Then the getdents64 records parsed as glibc parses them.
#include <doctest/doctest.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "fs/file_description.h"
#include "syscall/linux_abi.h"

using namespace nyanos;
using namespace nyanos::fs;
namespace la = nyanos::sys::linux_abi;

TEST_CASE("linux abi: open flags, AT_*, fcntl, poll events, st_mode bits are Linux's") {
    using namespace open_flags;
    CHECK(kReadOnly == O_RDONLY);
    CHECK(kWriteOnly == O_WRONLY);
    CHECK(kReadWrite == O_RDWR);
    CHECK(kAccessMode == O_ACCMODE);
    CHECK(kCreate == O_CREAT);
    CHECK(kExclusive == O_EXCL);
    CHECK(kNoCtty == O_NOCTTY);
    CHECK(kTruncate == O_TRUNC);
    CHECK(kAppend == O_APPEND);
    CHECK(kNonBlock == O_NONBLOCK);
    CHECK(kDsync == O_DSYNC);
    CHECK(kDirect == O_DIRECT);
    CHECK(kLargeFile == 0100000);  // glibc's O_LARGEFILE is 0 on x86_64; the kernel's is this
    CHECK(kDirectory == O_DIRECTORY);
    CHECK(kNoFollow == O_NOFOLLOW);
    CHECK(kNoAtime == O_NOATIME);
    CHECK(kCloseOnExec == O_CLOEXEC);
    CHECK(kSync == O_SYNC);
    CHECK(kPath == O_PATH);
    CHECK(kTmpFile == O_TMPFILE);

    CHECK(la::kAtFdCwd == AT_FDCWD);
    CHECK(la::kAtSymlinkNoFollow == AT_SYMLINK_NOFOLLOW);
    CHECK(la::kAtEaccess == AT_EACCESS);
    CHECK(la::kAtNoAutomount == AT_NO_AUTOMOUNT);
    CHECK(la::kAtEmptyPath == AT_EMPTY_PATH);
    CHECK(la::kFDupFd == F_DUPFD);
    CHECK(la::kFGetFd == F_GETFD);
    CHECK(la::kFSetFd == F_SETFD);
    CHECK(la::kFGetFl == F_GETFL);
    CHECK(la::kFSetFl == F_SETFL);
    CHECK(la::kFDupFdCloexec == F_DUPFD_CLOEXEC);
    CHECK(la::kFSetPipeSz == F_SETPIPE_SZ);
    CHECK(la::kFGetPipeSz == F_GETPIPE_SZ);
    CHECK(la::kFdCloexec == FD_CLOEXEC);
    CHECK(la::kFionbio == FIONBIO);
    CHECK(la::kFioclex == FIOCLEX);
    CHECK(la::kFionclex == FIONCLEX);
    CHECK(la::kXOk == X_OK);
    CHECK(la::kWOk == W_OK);
    CHECK(la::kROk == R_OK);
    CHECK(la::kIovMax == IOV_MAX);

    CHECK(poll_events::kIn == POLLIN);
    CHECK(poll_events::kPri == POLLPRI);
    CHECK(poll_events::kOut == POLLOUT);
    CHECK(poll_events::kError == POLLERR);
    CHECK(poll_events::kHangUp == POLLHUP);
    CHECK(poll_events::kInvalid == POLLNVAL);
    CHECK(poll_events::kReadNormal == POLLRDNORM);
    CHECK(poll_events::kWriteNormal == POLLWRNORM);

    CHECK(mode_bits::kTypeMask == S_IFMT);
    CHECK(mode_bits::kFifo == S_IFIFO);
    CHECK(mode_bits::kCharDevice == S_IFCHR);
    CHECK(mode_bits::kDirectory == S_IFDIR);
    CHECK(mode_bits::kRegular == S_IFREG);
    CHECK(mode_bits::kSymlink == S_IFLNK);
    CHECK(kDtFifo == DT_FIFO);
    CHECK(kDtChar == DT_CHR);
    CHECK(kDtDir == DT_DIR);
    CHECK(kDtReg == DT_REG);
    CHECK(kDtLink == DT_LNK);

    CHECK(make_device(1, 3) == makedev(1, 3));
    CHECK(make_device(5, 1) == makedev(5, 1));
    CHECK(make_device(0, 300) == makedev(0, 300));
}

TEST_CASE("linux abi: struct stat, pollfd, iovec, timespec layouts") {
    CHECK(sizeof(la::Stat) == sizeof(struct stat));
    CHECK(offsetof(la::Stat, dev) == offsetof(struct stat, st_dev));
    CHECK(offsetof(la::Stat, ino) == offsetof(struct stat, st_ino));
    CHECK(offsetof(la::Stat, nlink) == offsetof(struct stat, st_nlink));
    CHECK(offsetof(la::Stat, mode) == offsetof(struct stat, st_mode));
    CHECK(offsetof(la::Stat, uid) == offsetof(struct stat, st_uid));
    CHECK(offsetof(la::Stat, gid) == offsetof(struct stat, st_gid));
    CHECK(offsetof(la::Stat, rdev) == offsetof(struct stat, st_rdev));
    CHECK(offsetof(la::Stat, size) == offsetof(struct stat, st_size));
    CHECK(offsetof(la::Stat, blksize) == offsetof(struct stat, st_blksize));
    CHECK(offsetof(la::Stat, blocks) == offsetof(struct stat, st_blocks));
    CHECK(offsetof(la::Stat, atime) == offsetof(struct stat, st_atim));
    CHECK(offsetof(la::Stat, mtime) == offsetof(struct stat, st_mtim));
    CHECK(offsetof(la::Stat, ctime) == offsetof(struct stat, st_ctim));

    CHECK(sizeof(la::PollFd) == sizeof(struct pollfd));
    CHECK(offsetof(la::PollFd, events) == offsetof(struct pollfd, events));
    CHECK(offsetof(la::PollFd, revents) == offsetof(struct pollfd, revents));
    CHECK(sizeof(IoSegment) == sizeof(struct iovec));
    CHECK(offsetof(IoSegment, length) == offsetof(struct iovec, iov_len));
    CHECK(sizeof(la::Timespec) == sizeof(struct timespec));
    CHECK(sizeof(la::Timeval) == sizeof(struct timeval));

    FileStat s;
    s.device = 1;
    s.inode = 77;
    s.links = 2;
    s.mode = S_IFDIR | 0755;
    s.rdevice = makedev(5, 1);
    s.size = 12345;
    s.blocks = 25;
    la::Stat out = la::to_stat(s);
    struct stat host;
    static_assert(sizeof(host) == sizeof(out));
    memcpy(&host, &out, sizeof(host));
    CHECK(host.st_ino == 77);
    CHECK(host.st_nlink == 2);
    CHECK(S_ISDIR(host.st_mode));
    CHECK(major(host.st_rdev) == 5);
    CHECK(host.st_size == 12345);
    CHECK(host.st_blksize == 4096);
    CHECK(host.st_blocks == 25);
    CHECK(host.st_uid == 0);
    CHECK(host.st_mtim.tv_sec == 0);
}

TEST_CASE("linux abi: getdents64 records parse as glibc's struct dirent64") {
    std::vector<uint8_t> buffer(4096);
    std::string long_name(255, 'n');
    const char* names[] = {".", "..", "a", "exactly-8", long_name.c_str()};
    size_t used = 0;
    for (size_t i = 0; i < 5; ++i) {
        DirectoryEntry e{100 + i, uint8_t(i < 2 ? kDtDir : kDtReg), names[i], i + 1};
        size_t n = la::put_dirent64(e, buffer.data() + used, buffer.size() - used);
        REQUIRE(n != 0);
        CHECK(n % 8 == 0);
        used += n;
    }
    DirectoryEntry big{1, kDtReg, names[4], 0};
    CHECK(la::put_dirent64(big, buffer.data(), la::dirent64_size(255) - 1) == 0);
    CHECK(la::kMaxDirent64 == 280);
    size_t at = 0;
    for (size_t i = 0; i < 5; ++i) {
        const auto* d = reinterpret_cast<const struct dirent64*>(buffer.data() + at);
        CHECK(d->d_ino == 100 + i);
        CHECK(d->d_off == int64_t(i + 1));
        CHECK(std::string(d->d_name) == names[i]);
        CHECK(d->d_type == (i < 2 ? DT_DIR : DT_REG));
        at += d->d_reclen;
    }
    CHECK(at == used);
}
