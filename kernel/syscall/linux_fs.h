// The Linux personality's file system calls (one subject per file):
//   linux_file_io.kernel.cpp  read, write, readv, writev, pread64, pwrite64,
//                             preadv, pwritev, preadv2, pwritev2,
//                             lseek, ioctl, sendfile
//   linux_fd.kernel.cpp       close, close_range, dup, dup2, dup3, fcntl,
//                             flock, pipe, pipe2
//   linux_path.kernel.cpp     open, openat, creat, stat, fstat, lstat,
//                             newfstatat, statx, statfs, fstatfs, getdents64, getcwd, chdir,
//                             fchdir,
//                             readlink, readlinkat, access, faccessat,
//                             faccessat2
//   linux_tree.kernel.cpp     mkdir, mkdirat, mknod, mknodat, unlink, unlinkat, rmdir, rename,
//                             renameat, renameat2, link, linkat, symlink,
//                             symlinkat, chmod, fchmod, fchmodat, chown, fchown,
//                             lchown, fchownat, utimensat, utimes, futimesat,
//                             utime, truncate, ftruncate, fsync, fdatasync,
//                             sync, syncfs
//   linux_poll.kernel.cpp     poll, ppoll, select, pselect6
//   linux_memfd.kernel.cpp    memfd_create, fallocate
// linux_syscalls.kernel.cpp puts them in the table.
#pragma once

#include <stdint.h>

#include "syscall/syscall_frame.h"

namespace nyanos::sys::linux_fs {

int64_t read(SyscallFrame& f);
int64_t write(SyscallFrame& f);
int64_t readv(SyscallFrame& f);
int64_t writev(SyscallFrame& f);
int64_t pread64(SyscallFrame& f);
int64_t pwrite64(SyscallFrame& f);
int64_t preadv(SyscallFrame& f);
int64_t pwritev(SyscallFrame& f);
int64_t preadv2(SyscallFrame& f);
int64_t pwritev2(SyscallFrame& f);
int64_t lseek(SyscallFrame& f);
int64_t ioctl(SyscallFrame& f);
int64_t sendfile(SyscallFrame& f);

int64_t close(SyscallFrame& f);
int64_t close_range(SyscallFrame& f);
int64_t dup(SyscallFrame& f);
int64_t dup2(SyscallFrame& f);
int64_t dup3(SyscallFrame& f);
int64_t fcntl(SyscallFrame& f);
int64_t flock(SyscallFrame& f);
int64_t pipe(SyscallFrame& f);
int64_t pipe2(SyscallFrame& f);

int64_t open(SyscallFrame& f);
int64_t openat(SyscallFrame& f);
int64_t creat(SyscallFrame& f);
int64_t stat(SyscallFrame& f);
int64_t fstat(SyscallFrame& f);
int64_t lstat(SyscallFrame& f);
int64_t newfstatat(SyscallFrame& f);
int64_t statx(SyscallFrame& f);
int64_t getdents64(SyscallFrame& f);
int64_t getcwd(SyscallFrame& f);
int64_t chdir(SyscallFrame& f);
int64_t fchdir(SyscallFrame& f);
int64_t chroot(SyscallFrame& f);
int64_t statfs(SyscallFrame& f);
int64_t fstatfs(SyscallFrame& f);
int64_t readlink(SyscallFrame& f);
int64_t readlinkat(SyscallFrame& f);
int64_t access(SyscallFrame& f);
int64_t faccessat(SyscallFrame& f);
int64_t faccessat2(SyscallFrame& f);

int64_t mkdir(SyscallFrame& f);
int64_t mkdirat(SyscallFrame& f);
int64_t mknod(SyscallFrame& f);
int64_t mknodat(SyscallFrame& f);
int64_t unlink(SyscallFrame& f);
int64_t rmdir(SyscallFrame& f);
int64_t unlinkat(SyscallFrame& f);
int64_t rename(SyscallFrame& f);
int64_t renameat(SyscallFrame& f);
int64_t renameat2(SyscallFrame& f);
int64_t link(SyscallFrame& f);
int64_t linkat(SyscallFrame& f);
int64_t symlink(SyscallFrame& f);
int64_t symlinkat(SyscallFrame& f);
int64_t chmod(SyscallFrame& f);
int64_t fchmodat(SyscallFrame& f);
int64_t fchmod(SyscallFrame& f);
int64_t chown(SyscallFrame& f);
int64_t lchown(SyscallFrame& f);
int64_t fchown(SyscallFrame& f);
int64_t fchownat(SyscallFrame& f);
int64_t utimensat(SyscallFrame& f);
int64_t utimes(SyscallFrame& f);
int64_t futimesat(SyscallFrame& f);
int64_t utime(SyscallFrame& f);
int64_t truncate(SyscallFrame& f);
int64_t ftruncate(SyscallFrame& f);
int64_t memfd_create(SyscallFrame& f);
int64_t fallocate(SyscallFrame& f);
int64_t fsync(SyscallFrame& f);
int64_t sync(SyscallFrame& f);
int64_t syncfs(SyscallFrame& f);

int64_t poll(SyscallFrame& f);
int64_t ppoll(SyscallFrame& f);
int64_t select(SyscallFrame& f);
int64_t pselect6(SyscallFrame& f);

}  // namespace nyanos::sys::linux_fs
