// Opening files of the tree (fs/vfs.h) with open()'s flags, for both
// personalities, with Linux's rules: O_CREAT, O_EXCL, O_TRUNC and O_APPEND
// on the root tree; /dev's devices open for writing as Linux's do, /proc's
// files are read-only.
#pragma once

#include <stdint.h>

#include "fs/file_description.h"
#include "fs/vfs.h"
#include "nyanos/lib/result.h"

namespace nyanos::fs {

// Opens `node`. The description keeps the access mode, O_APPEND and
// O_NONBLOCK. ELOOP (a symbolic link: O_NOFOLLOW met one), ENOTDIR
// (O_DIRECTORY on anything else), EISDIR (a directory opened for writing
// or with O_CREAT), EEXIST (O_CREAT|O_EXCL), ETXTBSY (writing a running
// program), ENOMEM.
Result<DescriptionRef> open_node(const Vfs& vfs, Node node, uint32_t flags);

// open/openat: resolves `path` from `start` (following a final link unless
// O_NOFOLLOW), then open_node. With O_CREAT a missing file is created in
// its directory with permissions `mode` (the caller applied the umask),
// owned by the context's user; EEXIST with O_EXCL for any existing name,
// a link too; EISDIR for a name ending in '/'.
Result<DescriptionRef> open_path(const Vfs& vfs, const LookupContext& ctx, Node start,
                                 const char* path, uint32_t flags, uint32_t mode = 0);

// A terminal's description (fs/terminal_file.kernel.cpp) and /dev/random's
// and /dev/urandom's (fs/random_file.kernel.cpp); the host tests provide
// their own.
Result<DescriptionRef> open_terminal(const Vfs& vfs, Node node, uint32_t flags);
Result<DescriptionRef> open_random(const Vfs& vfs, Node node, uint32_t flags);
// A FIFO of the root tree (fs/pipe.kernel.cpp): an end of the pipe its
// openers share, waiting for the other side as Linux's fifo_open does.
Result<DescriptionRef> open_fifo(const Vfs& vfs, Node node, uint32_t flags);
// One of /proc's text files (is_proc_text): its text as of now, from the
// kernel's figures (fs/proc_files.kernel.cpp).
Result<DescriptionRef> open_proc_text(const Vfs& vfs, Node node, uint32_t flags);

}  // namespace nyanos::fs
