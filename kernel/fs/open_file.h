// A process's open files: the descriptor table fs hands out and reads
// through. The process layer only holds a pointer to it (null until the
// first open: most processes never open a file, and fds 0..2, the console,
// need no entry) and gives it back with close_all.
#pragma once

#include <stdint.h>

#include "fs/ramdisk.h"
#include "nyanos/lib/result.h"

namespace nyanos::fs {

inline constexpr int kMaxOpenFiles = 16;  // fds 0..2 are the console
inline constexpr int kFirstFileFd = 3;

// A file open on the ramdisk (read only).
struct OpenFile {
    const FileEntry* entry = nullptr;  // null: the descriptor is free
    uint64_t offset = 0;
};

// Indexed by fd; entries below kFirstFileFd are never used.
struct FileTable {
    OpenFile files[kMaxOpenFiles];
};

// Opens `entry` (not null) on the lowest free descriptor from kFirstFileFd on,
// allocating the table first if `table` is null. kNoMemory if it cannot be
// allocated (table stays null); kTooManyFiles when every descriptor is taken.
Result<int> install(FileTable*& table, const FileEntry* entry);

// The open file behind fd; kBadFd for a descriptor that is not open (any fd
// of a null table).
Result<OpenFile*> file(FileTable* table, int fd);
Result<void> close(FileTable* table, int fd);

// Closes every descriptor and frees the table; `table` becomes null (a null
// table is left as it is).
void close_all(FileTable*& table);

}  // namespace nyanos::fs
