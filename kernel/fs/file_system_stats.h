// What statfs and fstatfs report of the file system a file is on: the
// tree's three (the tmpfs root, the device directory on /dev, /proc) and
// the pipes' unnamed one, each with the magic number, block counts and
// mount flags Linux 6.1 gives its counterpart (tmpfs, devtmpfs, proc,
// pipefs). Portable: the host tests check every kind.
#pragma once

#include <stdint.h>

#include "fs/vfs.h"

namespace nyanos::fs {

// Linux's statfs magic numbers (include/uapi/linux/magic.h).
inline constexpr uint64_t kTmpfsMagic = 0x01021994;  // devtmpfs is a tmpfs
inline constexpr uint64_t kProcMagic = 0x9fa0;
inline constexpr uint64_t kPipefsMagic = 0x50495045;

// statfs's f_flags bits (ST_*; ST_VALID says f_flags means something).
namespace mount_flags {
inline constexpr uint64_t kReadOnly = 0x1;
inline constexpr uint64_t kNoSuid = 0x2;
inline constexpr uint64_t kNoDev = 0x4;
inline constexpr uint64_t kNoExec = 0x8;
inline constexpr uint64_t kValid = 0x20;
}  // namespace mount_flags

struct FileSystemStats {
    uint64_t type = 0;
    uint64_t block_size = 4096;
    uint64_t blocks = 0;
    uint64_t blocks_free = 0;
    uint64_t blocks_available = 0;
    uint64_t files = 0;
    uint64_t files_free = 0;
    uint32_t fsid[2] = {};
    uint64_t name_max = kNameMax;
    uint64_t fragment_size = 4096;
    uint64_t flags = mount_flags::kValid;
};

// The file system of a file whose stat is `st` (its st_dev says which).
FileSystemStats file_system_stats(const Vfs& vfs, const FileStat& st);

// The mount a file on `device` belongs to, numbered as Linux numbers its
// first mounts (statx's stx_mnt_id): the root 1, /dev 2, /proc 3, the
// pipes' internal one 4.
uint64_t mount_id(uint64_t device);

}  // namespace nyanos::fs
