// Pipes: a PipeBuffer (fs/pipe_buffer.h) behind two descriptions, the read
// end and the write end (or, for a FIFO of the root tree, behind every
// description its openers have: fs/open.h's open_fifo), with Linux's
// behaviour:
//   - read blocks until there are bytes (returning what there is, up to
//     the length asked) or no writer is left (0: end of file);
//   - write blocks until all of it is written; a write of at most PIPE_BUF
//     (4096) bytes goes in whole or not at all, so writers never interleave
//     inside one; EPIPE once no reader is left (the Linux personality
//     raises SIGPIPE too);
//   - with O_NONBLOCK, EAGAIN instead of blocking (a longer write returns
//     what fitted);
//   - a kill ends a blocked read or write with EINTR (or what was done);
//   - poll: POLLIN with bytes, POLLHUP without writers, POLLOUT with room
//     for PIPE_BUF bytes, POLLERR without readers; FIONREAD; lseek, pread
//     and pwrite give ESPIPE.
// The state is guarded by one lock per pipe (docs/locking.md), held across
// the user copies; readers and writers block on its two WaitEvents.
#pragma once

#include <stdint.h>

#include "fs/file_description.h"
#include "nyanos/lib/result.h"

namespace nyanos::fs {

// A new pipe: its read end and write end, each with the status flags in
// `flags` (O_NONBLOCK). ENOMEM (and nothing allocated).
Result<void> create_pipe(uint32_t flags, DescriptionRef& read_end, DescriptionRef& write_end);

}  // namespace nyanos::fs
