// The kernel's file tree: the root tree (fs/tmpfs.h) filled from the boot
// ramdisk, behind the Vfs (fs/vfs.h), and what the process layer and the
// system calls need of it.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "fs/fd_table.h"
#include "fs/ramdisk.h"
#include "fs/vfs.h"
#include "nyanos/lib/result.h"

namespace nyanos::fs {

// Makes the root tree and fills it from the ramdisk the loader handed over;
// a malformed archive is reported and leaves an empty root (the kernel
// still boots and says why).
void init_ramdisk();

// The tree every process sees.
const Vfs& vfs();

// Where a ramdisk file's bytes sit physically: its archive's whole pages stay
// in memory, unchanged, until power-off, and init_ramdisk zeroed everything
// in them that is not file data. {0, 0} for a directory.
FileFrames file_frames(const FileEntry* entry);

// The descriptor table init starts with: 0 the console for reading, 1 and 2
// one console description for writing. ENOMEM.
Result<FdTable*> create_console_table();

}  // namespace nyanos::fs
