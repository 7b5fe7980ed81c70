// Opening files of the tree (fs/vfs.h) with open()'s flags, for both
// personalities. Linux's rules for a read-only file system: opening a
// ramdisk file for writing (or with O_TRUNC) is EROFS, and so is creating a
// missing file; /dev's devices open for writing as Linux's do.
#pragma once

#include <stdint.h>

#include "fs/file_description.h"
#include "fs/vfs.h"
#include "nyanos/lib/result.h"

namespace nyanos::fs {

// Opens `node`. The description keeps the access mode, O_APPEND and
// O_NONBLOCK. ELOOP (a symbolic link: O_NOFOLLOW met one), ENOTDIR
// (O_DIRECTORY on anything else), EISDIR (a directory opened for writing
// or with O_CREAT), EEXIST (O_CREAT|O_EXCL), EROFS, ENOMEM.
Result<DescriptionRef> open_node(const Vfs& vfs, Node node, uint32_t flags);

// open/openat: resolves `path` from `start` (following a final link unless
// O_NOFOLLOW), then open_node. A missing file with O_CREAT is EROFS when
// its directory exists.
Result<DescriptionRef> open_path(const Vfs& vfs, const LookupContext& ctx, Node start,
                                 const char* path, uint32_t flags);

// The console's description (fs/console_file.kernel.cpp) and /dev/random's
// and /dev/urandom's (fs/random_file.kernel.cpp); the host tests provide
// their own.
Result<DescriptionRef> open_console(const Vfs& vfs, Node node, uint32_t flags);
Result<DescriptionRef> open_random(const Vfs& vfs, Node node, uint32_t flags);
// One of /proc's text files (is_proc_text): its text as of now, from the
// kernel's figures (fs/proc_files.kernel.cpp).
Result<DescriptionRef> open_proc_text(const Vfs& vfs, Node node, uint32_t flags);

}  // namespace nyanos::fs
