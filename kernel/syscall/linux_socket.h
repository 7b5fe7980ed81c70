// The Linux personality's socket calls (linux_socket.kernel.cpp): socket,
// socketpair, bind, listen, connect, accept, accept4, getsockname,
// getpeername, sendto, recvfrom, sendmsg, recvmsg, shutdown, getsockopt,
// setsockopt. Only AF_UNIX exists (fs/unix_socket.h): NyanOS has no
// network stack, so every other family is EAFNOSUPPORT, as on a Linux
// built without it (CONFIG_INET=n), and programs fall back as they do there.
#pragma once

#include <stdint.h>

#include "fs/tmpfs.h"
#include "nyanos/lib/result.h"
#include "syscall/syscall_frame.h"

namespace nyanos::sys::linux_net {

int64_t socket(SyscallFrame& f);
int64_t socketpair(SyscallFrame& f);
int64_t bind(SyscallFrame& f);
int64_t listen(SyscallFrame& f);
int64_t connect(SyscallFrame& f);
int64_t accept(SyscallFrame& f);
int64_t accept4(SyscallFrame& f);
int64_t getsockname(SyscallFrame& f);
int64_t getpeername(SyscallFrame& f);
int64_t sendto(SyscallFrame& f);
int64_t recvfrom(SyscallFrame& f);
int64_t sendmsg(SyscallFrame& f);
int64_t recvmsg(SyscallFrame& f);
int64_t shutdown(SyscallFrame& f);
int64_t getsockopt(SyscallFrame& f);
int64_t setsockopt(SyscallFrame& f);

}  // namespace nyanos::sys::linux_net

namespace nyanos::sys::linux_fs {

// For bind (in linux_tree.kernel.cpp, with the other calls that make
// names): a socket inode at `path` (from the working directory), with the
// mknod errors (EEXIST for a name taken, which bind reports as
// EADDRINUSE); and its removal when the bind fails afterwards.
Result<fs::InodeRef> make_socket_node(const char* path);
void remove_socket_node(const char* path);

}  // namespace nyanos::sys::linux_fs
