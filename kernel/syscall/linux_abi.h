// Linux x86_64's user-visible structures and constants for the file system
// calls (the layouts of its UAPI headers, checked by size and offset).
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fs/file_system_stats.h"
#include "fs/file_description.h"

namespace nyanos::sys::linux_abi {

// struct stat (arch/x86/include/uapi/asm/stat.h, x86_64).
struct Stat {
    uint64_t dev;
    uint64_t ino;
    uint64_t nlink;
    uint32_t mode;
    uint32_t uid;
    uint32_t gid;
    uint32_t pad0;
    uint64_t rdev;
    int64_t size;
    int64_t blksize;
    int64_t blocks;
    uint64_t atime, atime_nsec;
    uint64_t mtime, mtime_nsec;
    uint64_t ctime, ctime_nsec;
    int64_t unused[3];
};
static_assert(sizeof(Stat) == 144);
static_assert(offsetof(Stat, mode) == 24 && offsetof(Stat, rdev) == 40);
static_assert(offsetof(Stat, size) == 48 && offsetof(Stat, atime) == 72);

// struct statfs (x86-64: every field a long, f_fsid two ints).
struct Statfs {
    int64_t type;
    int64_t bsize;
    uint64_t blocks, bfree, bavail, files, ffree;
    int32_t fsid[2];
    int64_t namelen;
    int64_t frsize;
    int64_t flags;
    int64_t spare[4];
};
static_assert(sizeof(Statfs) == 120);
static_assert(offsetof(Statfs, fsid) == 56 && offsetof(Statfs, flags) == 80);

inline Statfs to_statfs(const fs::FileSystemStats& s) {
    Statfs out{};
    out.type = int64_t(s.type);
    out.bsize = int64_t(s.block_size);
    out.blocks = s.blocks;
    out.bfree = s.blocks_free;
    out.bavail = s.blocks_available;
    out.files = s.files;
    out.ffree = s.files_free;
    out.fsid[0] = int32_t(s.fsid[0]);
    out.fsid[1] = int32_t(s.fsid[1]);
    out.namelen = int64_t(s.name_max);
    out.frsize = int64_t(s.fragment_size);
    out.flags = int64_t(s.flags);
    return out;
}

// struct linux_dirent64: this header, then the NUL-terminated name, the
// record padded to 8 bytes.
struct Dirent64Header {
    uint64_t ino;
    int64_t off;
    uint16_t reclen;
    uint8_t type;
} __attribute__((packed));
static_assert(sizeof(Dirent64Header) == 19);

// The bytes of one linux_dirent64 record for `e`: a header, the name and
// its NUL, zeros up to a multiple of 8.
inline constexpr size_t dirent64_size(size_t name_length) {
    return (sizeof(Dirent64Header) + name_length + 1 + 7) & ~size_t(7);
}
inline constexpr size_t kMaxDirent64 = dirent64_size(255);

// Writes `e`'s record into out[0..room); returns its size, or 0 if it does
// not fit.
inline size_t put_dirent64(const fs::DirectoryEntry& e, uint8_t* out, size_t room) {
    size_t name_length = strlen(e.name);
    size_t record = dirent64_size(name_length);
    if (record > room) return 0;
    Dirent64Header h{e.inode, int64_t(e.next_offset), uint16_t(record), e.type};
    memcpy(out, &h, sizeof(h));
    memcpy(out + sizeof(h), e.name, name_length);
    memset(out + sizeof(h) + name_length, 0, record - sizeof(h) - name_length);
    return record;
}

// struct stat from what the tree reports: owner root, times the epoch
// (the tree has neither yet).
inline Stat to_stat(const fs::FileStat& s) {
    Stat out;
    memset(&out, 0, sizeof(out));
    out.dev = s.device;
    out.ino = s.inode;
    out.nlink = s.links;
    out.mode = s.mode;
    out.rdev = s.rdevice;
    out.size = s.size;
    out.blksize = s.block_size;
    out.blocks = s.blocks;
    out.uid = s.uid;
    out.gid = s.gid;
    out.atime = uint64_t(s.atime.seconds);
    out.atime_nsec = uint64_t(s.atime.nanoseconds);
    out.mtime = uint64_t(s.mtime.seconds);
    out.mtime_nsec = uint64_t(s.mtime.nanoseconds);
    out.ctime = uint64_t(s.ctime.seconds);
    out.ctime_nsec = uint64_t(s.ctime.nanoseconds);
    return out;
}

// struct statx (include/uapi/linux/stat.h).
struct StatxTimestamp {
    int64_t seconds;
    uint32_t nanoseconds;
    int32_t reserved;
};
struct Statx {
    uint32_t mask;
    uint32_t blksize;
    uint64_t attributes;
    uint32_t nlink;
    uint32_t uid;
    uint32_t gid;
    uint16_t mode;
    uint16_t spare0;
    uint64_t ino;
    uint64_t size;
    uint64_t blocks;
    uint64_t attributes_mask;
    StatxTimestamp atime, btime, ctime, mtime;
    uint32_t rdev_major, rdev_minor;
    uint32_t dev_major, dev_minor;
    uint64_t mnt_id;
    uint32_t dio_mem_align, dio_offset_align;
    uint64_t spare3[12];
};
static_assert(sizeof(Statx) == 256);
static_assert(offsetof(Statx, atime) == 64 && offsetof(Statx, rdev_major) == 128);
static_assert(offsetof(Statx, mnt_id) == 144);

// statx's request mask and flags.
inline constexpr uint32_t kStatxBasicStats = 0x7ff;  // type, mode, nlink ... blocks
inline constexpr uint32_t kStatxMntId = 0x1000;
inline constexpr uint32_t kStatxReserved = 0x80000000u;
inline constexpr uint32_t kAtStatxSyncType = 0x6000;
// The attributes every file's statx can report (the VFS's own: automount,
// mount root, DAX), none of which applies to a file here.
inline constexpr uint64_t kStatxAttributesKnown = 0x1000 | 0x2000 | 0x200000;

// The major and minor halves of a dev_t (Linux's new_decode_dev).
constexpr uint32_t device_major(uint64_t dev) {
    return uint32_t(((dev >> 8) & 0xfff) | ((dev >> 32) & ~0xfffull));
}
constexpr uint32_t device_minor(uint64_t dev) {
    return uint32_t((dev & 0xff) | ((dev >> 12) & ~0xffull));
}

// struct statx from a file's stat: the basic fields and the mount ID, as
// Linux 6.1 reports a tmpfs or proc file (no birth time).
inline Statx to_statx(const fs::FileStat& s, uint64_t mount_id) {
    Statx out;
    memset(&out, 0, sizeof(out));
    out.mask = kStatxBasicStats | kStatxMntId;
    out.blksize = uint32_t(s.block_size);
    out.attributes_mask = kStatxAttributesKnown;
    out.nlink = uint32_t(s.links);
    out.uid = s.uid;
    out.gid = s.gid;
    out.mode = uint16_t(s.mode);
    out.ino = s.inode;
    out.size = uint64_t(s.size);
    out.blocks = uint64_t(s.blocks);
    out.atime = {s.atime.seconds, uint32_t(s.atime.nanoseconds), 0};
    out.mtime = {s.mtime.seconds, uint32_t(s.mtime.nanoseconds), 0};
    out.ctime = {s.ctime.seconds, uint32_t(s.ctime.nanoseconds), 0};
    out.rdev_major = device_major(s.rdevice);
    out.rdev_minor = device_minor(s.rdevice);
    out.dev_major = device_major(s.device);
    out.dev_minor = device_minor(s.device);
    out.mnt_id = mount_id;
    return out;
}

struct PollFd {
    int32_t fd;
    int16_t events;
    int16_t revents;
};
static_assert(sizeof(PollFd) == 8);

struct Timespec {
    int64_t sec;
    int64_t nsec;
};
struct Timeval {
    int64_t sec;
    int64_t usec;
};

inline constexpr int kAtFdCwd = -100;
inline constexpr uint32_t kAtSymlinkNoFollow = 0x100;
inline constexpr uint32_t kAtEaccess = 0x200;
inline constexpr uint32_t kAtNoAutomount = 0x800;
inline constexpr uint32_t kAtEmptyPath = 0x1000;

inline constexpr int kIovMax = 1024;  // UIO_MAXIOV

// fcntl.
inline constexpr int kFDupFd = 0, kFGetFd = 1, kFSetFd = 2, kFGetFl = 3, kFSetFl = 4;
inline constexpr int kFDupFdCloexec = 1030, kFSetPipeSz = 1031, kFGetPipeSz = 1032;
// Byte-range locks: classic (owned by the descriptor table) and
// open-file-description ones; struct flock's l_type values.
inline constexpr int kFGetLk = 5, kFSetLk = 6, kFSetLkw = 7;
inline constexpr int kFOfdGetLk = 36, kFOfdSetLk = 37, kFOfdSetLkw = 38;
inline constexpr int16_t kFRdLck = 0, kFWrLck = 1, kFUnLck = 2;
// struct flock on x86_64.
struct Flock {
    int16_t type;
    int16_t whence;
    int64_t start;
    int64_t length;
    int32_t pid;
};
static_assert(sizeof(Flock) == 32);
inline constexpr int kFdCloexec = 1;

// Generic ioctls every descriptor answers.
inline constexpr uint32_t kFionbio = 0x5421, kFioclex = 0x5451, kFionclex = 0x5450;

// close_range flags.
inline constexpr uint32_t kCloseRangeUnshare = 2, kCloseRangeCloexec = 4;

// access modes.
inline constexpr uint32_t kXOk = 1, kWOk = 2, kROk = 4;

}  // namespace nyanos::sys::linux_abi
