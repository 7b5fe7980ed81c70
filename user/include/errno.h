/* errno: set by the SDK's wrappers when a system call returns a negative
 * value (Linux's numbers, as the kernel's ABI uses). Processes have one
 * thread, so errno is a plain global. */
#ifndef NYAN_ERRNO_H
#define NYAN_ERRNO_H
#include "_nyan_decls.h"

NYAN_BEGIN_DECLS
extern int errno;
NYAN_END_DECLS

#define EPERM 1
#define ENOENT 2
#define ESRCH 3
#define EINTR 4
#define EIO 5
#define ENXIO 6
#define E2BIG 7
#define ENOEXEC 8
#define EBADF 9
#define ECHILD 10
#define EAGAIN 11
#define ENOMEM 12
#define EACCES 13
#define EFAULT 14
#define EBUSY 16
#define EEXIST 17
#define ENOTDIR 20
#define EISDIR 21
#define EINVAL 22
#define ENFILE 23
#define EMFILE 24
#define ENOSPC 28
#define ESPIPE 29
#define EROFS 30
#define ERANGE 34
#define ENAMETOOLONG 36
#define ENOSYS 38

#endif
