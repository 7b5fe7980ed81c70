/* What the file-system cases (cases_fs.c, cases_fs_names.c) share: each
 * runs in a scratch directory of its own, and leaves nothing behind (the
 * runner's --check-memory counts a file left in a tmpfs as a leak). */
#ifndef LINUX_ABI_FS_H
#define LINUX_ABI_FS_H

#include "suite.h"

#include <sys/types.h>

/* A case written as FS_CASE(fn) { ... } runs with a fresh directory
 * /tmp/abi-fs-XXXXXX (absolute path in g_scratch) as its working
 * directory and umask 022; afterwards, passed or not, everything under it
 * is removed, and a pass whose removal fails becomes a failure. */
#define FS_CASE(fn)               \
    static int fn##_body(void);   \
    static int fn(void) {         \
        return fs_run(fn##_body); \
    }                             \
    static int fn##_body(void)

extern char g_scratch[];
int fs_run(int (*body)(void));

/* Removes name (relative to dirfd) and, for a directory, everything under
 * it; 0 or -1 with errno. */
int remove_tree(int dirfd, const char* name);

/* Creates (or truncates) path with mode 0644 and writes n bytes: 0 or -1. */
int put_file(const char* path, const void* data, size_t n);
/* Reads up to n bytes of path: the count, or -1. */
long get_file(const char* path, void* buf, size_t n);
/* st_ino of path (lstat), or 0 if it does not exist. */
unsigned long ino_of(const char* path);
/* st_nlink of path (lstat), or -1. */
long nlink_of(const char* path);
/* st_mode of path (lstat), or -1. */
long mode_of(const char* path);
/* Sets path's atime and mtime (following a symbolic link) to whole
 * seconds: 0 or -1. */
int set_times(const char* path, long atime, long mtime);
/* CLOCK_REALTIME, in whole seconds. */
long wall_now(void);

/* getdents64's record. */
struct fs_dirent64 {
    uint64_t d_ino;
    int64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

#endif
