// The kernel's file API over the boot ramdisk: lookup, directory listing,
// and opening files into a process's descriptor table (fs/open_file.h; read
// only; fds 0..2 are the console).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "fs/open_file.h"
#include "fs/ramdisk.h"
#include "nyanos/lib/result.h"

namespace nyanos::fs {

// Parses the ramdisk the loader handed over; a malformed archive is reported
// and leaves an empty ramdisk (the kernel still boots and says why).
void init_ramdisk();

const FileEntry* lookup(const char* path);

// Where a ramdisk file's bytes sit physically: its archive's whole pages stay
// in memory, unchanged, until power-off, and init_ramdisk zeroed everything
// in them that is not file data. {0, 0} for a directory or the null device.
FileFrames file_frames(const FileEntry* entry);
size_t list(const char* dir, const FileEntry** out, size_t max);

// A new descriptor for `path` in `table` (allocated by the first open):
// EISDIR for directories, ENOENT, EMFILE, ENOMEM.
Result<int> open(FileTable*& table, const char* path);

// "/dev/null" (kNullDevicePath) is not in the ramdisk: open() gives an fd on
// a built-in empty entry; reads return 0 (end of file), writes succeed and
// discard the bytes (checked only to lie in the user half). lookup() and
// stat see it too; directory listings do not.
inline constexpr const char* kNullDevicePath = "/dev/null";
bool is_null_device(const OpenFile& file);

}  // namespace nyanos::fs
