/* Files: open's flags and errors, reading and writing regular files (holes,
 * large transfers, offsets), truncation, unlinked open files; and the
 * scratch-directory helpers all the file-system cases share (fs.h).
 * Attributes, mappings and the rest are in cases_fs_attr.c; the names
 * (mkdir, rmdir, unlink, link, symlink, rename, getdents64) in
 * cases_fs_names.c.
 *
 * Every case runs in a scratch directory under /tmp of its own (FS_CASE,
 * fs.h) and removes all it made: under NyanOS that directory is on the
 * tmpfs root, and the runner's --check-memory counts what is left. Only
 * behaviour every Linux file system shares is asserted (the host's /tmp
 * may be ext4), except where the case says otherwise. */
#include "fs.h"

#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

/* ---- the scratch directory and small helpers (declared in fs.h) ---- */

char g_scratch[64];

int remove_tree(int dirfd, const char* name) {
    struct stat st;
    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) return -1;
    if (!S_ISDIR(st.st_mode)) return unlinkat(dirfd, name, 0);
    int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    /* A case may leave a directory with mode 0 (a problem only for a
     * caller that is not root). */
    if (fd < 0 && errno == EACCES && fchmodat(dirfd, name, 0700, 0) == 0)
        fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return -1;
    char buf[2048] __attribute__((aligned(8)));
    /* Passes until one removes nothing: what a directory lists while its
     * entries are being removed is not something to rely on here. */
    int removed;
    do {
        removed = 0;
        long n = lseek(fd, 0, SEEK_SET);
        while (n >= 0 && (n = syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0) {
            for (long off = 0; off < n;) {
                struct fs_dirent64* d = (struct fs_dirent64*)(buf + off);
                off += d->d_reclen;
                if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, "..")) continue;
                if (remove_tree(fd, d->d_name) != 0) {
                    int e = errno;
                    close(fd);
                    errno = e;
                    return -1;
                }
                ++removed;
            }
        }
        if (n < 0) {
            int e = errno;
            close(fd);
            errno = e;
            return -1;
        }
    } while (removed);
    close(fd);
    return unlinkat(dirfd, name, AT_REMOVEDIR);
}

int fs_run(int (*body)(void)) {
    umask(022);
    snprintf(g_scratch, sizeof g_scratch, "/tmp/abi-fs-XXXXXX");
    if (!mkdtemp(g_scratch)) return fail("mkdtemp(/tmp/abi-fs-XXXXXX): %s", errno_name(errno));
    if (chdir(g_scratch) != 0) {
        int e = errno;
        rmdir(g_scratch);
        return fail("chdir(%s): %s", g_scratch, errno_name(e));
    }
    int r = body();
    if (chdir("/") != 0 || remove_tree(AT_FDCWD, g_scratch) != 0) {
        int e = errno;
        fail("removing the scratch directory %s: %s", g_scratch, errno_name(e));
        r = r == CASE_PASS ? CASE_FAIL : r;
    }
    return r;
}

int put_file(const char* path, const void* data, size_t n) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return -1;
    int ok = write_full(fd, data, n) == (long)n;
    close(fd);
    return ok ? 0 : -1;
}

long get_file(const char* path, void* buf, size_t n) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    long r = read_full(fd, buf, n);
    close(fd);
    return r;
}

unsigned long ino_of(const char* path) {
    struct stat st;
    return lstat(path, &st) == 0 ? (unsigned long)st.st_ino : 0;
}

long nlink_of(const char* path) {
    struct stat st;
    return lstat(path, &st) == 0 ? (long)st.st_nlink : -1;
}

long mode_of(const char* path) {
    struct stat st;
    return lstat(path, &st) == 0 ? (long)st.st_mode : -1;
}

int set_times(const char* path, long atime, long mtime) {
    struct timespec ts[2] = {{atime, 0}, {mtime, 0}};
    return utimensat(AT_FDCWD, path, ts, 0);
}

long wall_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long)ts.tv_sec;
}

/* A byte pattern that is never zero and differs from page to page. */
static unsigned char pat(size_t i) {
    return (unsigned char)(1 + (i + i / 4096 * 7) % 251);
}

/* ---- open ---- */

/* open(2): the new file's mode is mode & ~umask (only the permission bits
 * of mode count), its owner the caller; O_CREAT without O_EXCL opens an
 * existing file untouched; a file created with mode 0 can still be written
 * through the descriptor that created it; creat() truncates. */
FS_CASE(fs_create_mode) {
    struct stat st;
    int fd = open("a", O_WRONLY | O_CREAT, 0666);
    CHECK_OK(fd);
    CHECK_OK(fstat(fd, &st));
    CHECK_EQ(st.st_mode, S_IFREG | 0644);
    CHECK_EQ(st.st_size, 0);
    CHECK_EQ(st.st_nlink, 1);
    CHECK_EQ(st.st_uid, geteuid());
    CHECK_EQ(st.st_gid, getegid());
    CHECK_EQ(write(fd, "abc", 3), 3);
    close(fd);
    /* Existing: opened as it is, mode and data kept. */
    fd = open("a", O_RDWR | O_CREAT, 0600);
    CHECK_OK(fd);
    CHECK_OK(fstat(fd, &st));
    CHECK_EQ(st.st_mode, S_IFREG | 0644);
    CHECK_EQ(st.st_size, 3);
    close(fd);
    umask(0);
    CHECK_OK(fd = open("b", O_WRONLY | O_CREAT, 0777));
    close(fd);
    CHECK_EQ(mode_of("b"), S_IFREG | 0777);
    /* File-type bits in mode are ignored. */
    CHECK_OK(fd = open("c", O_WRONLY | O_CREAT, S_IFDIR | 0640));
    close(fd);
    CHECK_EQ(mode_of("c"), S_IFREG | 0640);
    umask(077);
    CHECK_OK(fd = open("d", O_WRONLY | O_CREAT, 0666));
    close(fd);
    CHECK_EQ(mode_of("d"), S_IFREG | 0600);
    /* Permissions are checked when an existing file is opened, not on the
     * open that creates it. */
    fd = open("e", O_RDWR | O_CREAT | O_EXCL, 0);
    CHECK_OK(fd);
    CHECK_EQ(mode_of("e"), S_IFREG);
    CHECK_EQ(pwrite(fd, "xy", 2, 0), 2);
    char buf[4];
    CHECK_EQ(pread(fd, buf, sizeof buf, 0), 2);
    close(fd);
    /* creat(): O_CREAT | O_WRONLY | O_TRUNC. */
    umask(022);
    CHECK_OK(fd = creat("a", 0600));
    CHECK_OK(fstat(fd, &st));
    CHECK_EQ(st.st_size, 0);
    CHECK_EQ(st.st_mode, S_IFREG | 0644);
    CHECK_EQ(fcntl(fd, F_GETFL) & O_ACCMODE, O_WRONLY);
    CHECK_OK(fd = creat("f", 0600));
    CHECK_EQ(mode_of("f"), S_IFREG | 0600);
    return CASE_PASS;
}

/* O_CREAT | O_EXCL fails with EEXIST if the name exists in any form: file,
 * directory, symbolic link (dangling or not, never followed). Plain O_CREAT
 * follows a dangling link and creates its target; on a directory it is
 * EISDIR. O_EXCL without O_CREAT is ignored for a regular file. */
FS_CASE(fs_create_excl) {
    CHECK_OK(put_file("f", "data", 4));
    CHECK_OK(mkdir("d", 0755));
    CHECK_OK(symlink("missing", "dangle"));
    CHECK_OK(symlink("f", "lf"));
    CHECK_ERR(open("f", O_WRONLY | O_CREAT | O_EXCL, 0644), EEXIST);
    CHECK_ERR(open("d", O_RDONLY | O_CREAT | O_EXCL, 0755), EEXIST);
    CHECK_ERR(open("lf", O_WRONLY | O_CREAT | O_EXCL, 0644), EEXIST);
    CHECK_ERR(open("dangle", O_WRONLY | O_CREAT | O_EXCL, 0644), EEXIST);
    CHECK_ERR(access("missing", F_OK), ENOENT);
    CHECK_ERR(open("d", O_RDONLY | O_CREAT, 0644), EISDIR);
    /* The data survived the failed opens. */
    char buf[8];
    CHECK_EQ(get_file("f", buf, sizeof buf), 4);
    int fd = open("f", O_RDONLY | O_EXCL);
    CHECK_OK(fd);
    close(fd);
    fd = open("new", O_WRONLY | O_CREAT | O_EXCL, 0644);
    CHECK_OK(fd);
    close(fd);
    CHECK_ERR(open("new", O_WRONLY | O_CREAT | O_EXCL, 0644), EEXIST);
    /* Through the dangling link: creates "missing", the link stays. */
    fd = open("dangle", O_WRONLY | O_CREAT, 0600);
    CHECK_OK(fd);
    CHECK_EQ(write(fd, "via", 3), 3);
    close(fd);
    CHECK_EQ(mode_of("missing"), S_IFREG | 0600);
    CHECK(S_ISLNK(mode_of("dangle")));
    CHECK_EQ(get_file("missing", buf, sizeof buf), 3);
    return CASE_PASS;
}

/* O_TRUNC empties an existing regular file and updates its mtime and
 * ctime; Linux truncates even with O_RDONLY (open(2): "on many systems the
 * file is actually truncated"), and O_TRUNC makes a directory EISDIR. */
FS_CASE(fs_open_trunc) {
    CHECK_OK(put_file("f", "0123456789", 10));
    CHECK_OK(set_times("f", 1000000000, 1000000000));
    long before = wall_now();
    int fd = open("f", O_WRONLY | O_TRUNC);
    CHECK_OK(fd);
    struct stat st;
    CHECK_OK(fstat(fd, &st));
    CHECK_EQ(st.st_size, 0);
    CHECK(st.st_mtim.tv_sec >= before - 1);
    CHECK(st.st_ctim.tv_sec >= before - 1);
    CHECK_EQ(write(fd, "ab", 2), 2);
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), 2);
    close(fd);
    fd = open("f", O_RDONLY | O_TRUNC);
    CHECK_OK(fd);
    CHECK_OK(fstat(fd, &st));
    CHECK_EQ(st.st_size, 0);
    close(fd);
    CHECK_OK(put_file("f", "0123456789", 10));
    fd = open("f", O_RDWR | O_TRUNC | O_APPEND);
    CHECK_OK(fd);
    CHECK_EQ(write(fd, "x", 1), 1);
    close(fd);
    CHECK_OK(stat("f", &st));
    CHECK_EQ(st.st_size, 1);
    CHECK_OK(mkdir("d", 0755));
    CHECK_ERR(open("d", O_RDONLY | O_TRUNC), EISDIR);
    /* Through a symbolic link: the target is truncated. */
    CHECK_OK(symlink("f", "l"));
    CHECK_OK(fd = open("l", O_WRONLY | O_TRUNC));
    close(fd);
    CHECK_OK(stat("f", &st));
    CHECK_EQ(st.st_size, 0);
    return CASE_PASS;
}

/* O_APPEND: every write() goes to the current end of the file, whatever
 * the offset (which ends up there), with two descriptors appending in
 * turn; Linux's pwrite() appends too (pwrite(2) BUGS) without moving the
 * offset; F_SETFL can switch it on. */
FS_CASE(fs_open_append) {
    int fd = open("f", O_RDWR | O_CREAT | O_APPEND, 0644);
    CHECK_OK(fd);
    CHECK_EQ(write(fd, "abc", 3), 3);
    CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
    CHECK_EQ(write(fd, "de", 2), 2);
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), 5);
    int fd2 = open("f", O_WRONLY | O_APPEND);
    CHECK_OK(fd2);
    CHECK_EQ(write(fd2, "X", 1), 1);
    CHECK_EQ(write(fd, "Y", 1), 1);
    CHECK_EQ(write(fd2, "Z", 1), 1);
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), 7);
    CHECK_EQ(lseek(fd2, 0, SEEK_CUR), 8);
    /* Reading is not affected. */
    char buf[16];
    CHECK_EQ(lseek(fd, 1, SEEK_SET), 1);
    CHECK_EQ(read(fd, buf, 3), 3);
    CHECK(memcmp(buf, "bcd", 3) == 0);
    CHECK_EQ(pwrite(fd, "P", 1, 0), 1);
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), 4);
    /* A descriptor without O_APPEND writes at its offset... */
    int plain = open("f", O_WRONLY);
    CHECK_OK(plain);
    CHECK_EQ(write(plain, "!", 1), 1);
    CHECK_EQ(get_file("f", buf, sizeof buf), 9);
    CHECK(memcmp(buf, "!bcdeXYZP", 9) == 0);
    /* ... until F_SETFL gives it O_APPEND. */
    CHECK_OK(fcntl(plain, F_SETFL, O_APPEND));
    CHECK(fcntl(plain, F_GETFL) & O_APPEND);
    CHECK_EQ(write(plain, "$", 1), 1);
    CHECK_EQ(lseek(plain, 0, SEEK_CUR), 10);
    CHECK_EQ(get_file("f", buf, sizeof buf), 10);
    CHECK(memcmp(buf, "!bcdeXYZP$", 10) == 0);
    return CASE_PASS;
}

/* The errors of open: O_DIRECTORY on a file is ENOTDIR; a directory opened
 * for writing is EISDIR; a missing directory on the way is ENOENT, a file
 * on the way ENOTDIR (a trailing slash included); O_CREAT with a trailing
 * slash is EISDIR; an empty path is ENOENT; a relative path against a
 * descriptor that is not a directory is ENOTDIR, a closed one EBADF. */
FS_CASE(fs_open_errors) {
    CHECK_OK(put_file("f", "x", 1));
    CHECK_OK(mkdir("d", 0755));
    CHECK_ERR(open("f", O_RDONLY | O_DIRECTORY), ENOTDIR);
    CHECK_ERR(open("d", O_WRONLY), EISDIR);
    CHECK_ERR(open("d", O_RDWR), EISDIR);
    CHECK_ERR(open("d", O_WRONLY | O_CREAT, 0644), EISDIR);
    int fd = open("d", O_RDONLY);
    CHECK_OK(fd);
    close(fd);
    CHECK_OK(fd = open("d/", O_RDONLY | O_DIRECTORY));
    close(fd);
    CHECK_ERR(open("missing", O_RDONLY), ENOENT);
    CHECK_ERR(open("missing/x", O_WRONLY | O_CREAT, 0644), ENOENT);
    CHECK_ERR(open("f/x", O_RDONLY), ENOTDIR);
    CHECK_ERR(open("f/x", O_WRONLY | O_CREAT, 0644), ENOTDIR);
    CHECK_ERR(open("f/", O_RDONLY), ENOTDIR);
    CHECK_ERR(open("new/", O_WRONLY | O_CREAT, 0644), EISDIR);
    CHECK_ERR(access("new", F_OK), ENOENT);
    CHECK_ERR(open("", O_RDONLY), ENOENT);
    CHECK_ERR(open("", O_WRONLY | O_CREAT, 0644), ENOENT);
    /* O_CREAT | O_DIRECTORY is EINVAL whether or not the name exists, and
     * creates nothing: Linux 6.4's rule, which 6.1's stable updates carry
     * too (6.1.0-57 checked; 5.7 to 6.3 made a file and failed ENOTDIR). */
    CHECK_ERR(open("nd", O_RDONLY | O_CREAT | O_DIRECTORY, 0755), EINVAL);
    CHECK_ERR(access("nd", F_OK), ENOENT);
    CHECK_ERR(open("d", O_RDONLY | O_CREAT | O_DIRECTORY, 0755), EINVAL);
    /* The *at forms. */
    int file = open("f", O_RDONLY);
    CHECK_OK(file);
    CHECK_ERR(openat(file, "x", O_RDONLY), ENOTDIR);
    CHECK_ERR(openat(file, "x", O_WRONLY | O_CREAT, 0644), ENOTDIR);
    CHECK_ERR(openat(999, "f", O_RDONLY), EBADF);
    /* An absolute path ignores the descriptor. */
    char abs[128];
    snprintf(abs, sizeof abs, "%s/f", g_scratch);
    CHECK_OK(fd = openat(999, abs, O_RDONLY));
    close(fd);
    return CASE_PASS;
}

/* NAME_MAX (255) bytes per component and PATH_MAX (4096, with the NUL) per
 * path: one byte more is ENAMETOOLONG, whatever the call. */
FS_CASE(fs_name_max) {
    char name[258];
    memset(name, 'n', 255);
    name[255] = 0;
    int fd = open(name, O_WRONLY | O_CREAT | O_EXCL, 0644);
    CHECK_OK(fd);
    close(fd);
    struct stat st;
    CHECK_OK(stat(name, &st));
    CHECK_OK(unlink(name));
    CHECK_OK(mkdir(name, 0755));
    CHECK_OK(rmdir(name));
    name[255] = 'n';
    name[256] = 0;
    CHECK_ERR(open(name, O_WRONLY | O_CREAT, 0644), ENAMETOOLONG);
    CHECK_ERR(open(name, O_RDONLY), ENAMETOOLONG);
    CHECK_ERR(stat(name, &st), ENAMETOOLONG);
    CHECK_ERR(mkdir(name, 0755), ENAMETOOLONG);
    CHECK_ERR(symlink("f", name), ENAMETOOLONG);
    CHECK_OK(put_file("f", "x", 1));
    CHECK_ERR(rename("f", name), ENAMETOOLONG);
    CHECK_ERR(link("f", name), ENAMETOOLONG);
    /* 4095 bytes of path ("./" 2047 times, then "f") resolve ... */
    static char path[4100];
    for (int i = 0; i < 2047; ++i) memcpy(path + 2 * i, "./", 2);
    strcpy(path + 4094, "f");
    CHECK_EQ(strlen(path), 4095);
    CHECK_OK(stat(path, &st));
    CHECK_OK(fd = open(path, O_RDONLY));
    close(fd);
    /* ... 4096 do not. */
    strcpy(path + 4094, "ff");
    CHECK_ERR(stat(path, &st), ENAMETOOLONG);
    CHECK_ERR(open(path, O_WRONLY | O_CREAT, 0644), ENAMETOOLONG);
    CHECK_ERR(access("ff", F_OK), ENOENT);
    return CASE_PASS;
}

/* Symbolic links in open: O_NOFOLLOW refuses a link as the last component
 * (ELOOP), even with O_CREAT, but follows links earlier in the path; loops
 * are ELOOP; a path may go through at most 40 links (MAXSYMLINKS). */
FS_CASE(fs_symlink_loop) {
    CHECK_OK(put_file("f", "x", 1));
    CHECK_OK(symlink("f", "l"));
    CHECK_ERR(open("l", O_RDONLY | O_NOFOLLOW), ELOOP);
    CHECK_ERR(open("l", O_WRONLY | O_CREAT | O_NOFOLLOW, 0644), ELOOP);
    CHECK_ERR(open("l", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0644), EEXIST);
    int fd = open("f", O_RDONLY | O_NOFOLLOW);
    CHECK_OK(fd);
    close(fd);
    CHECK_OK(mkdir("d", 0755));
    CHECK_OK(put_file("d/g", "y", 1));
    CHECK_OK(symlink("d", "ld"));
    CHECK_OK(fd = open("ld/g", O_RDONLY | O_NOFOLLOW));
    close(fd);
    CHECK_OK(symlink("loop2", "loop1"));
    CHECK_OK(symlink("loop1", "loop2"));
    CHECK_OK(symlink("self", "self"));
    struct stat st;
    CHECK_ERR(open("loop1", O_RDONLY), ELOOP);
    CHECK_ERR(open("loop1", O_WRONLY | O_CREAT, 0644), ELOOP);
    CHECK_ERR(stat("loop2", &st), ELOOP);
    CHECK_ERR(open("self", O_RDONLY), ELOOP);
    CHECK_ERR(open("self/x", O_RDONLY), ELOOP);
    CHECK_ERR(mkdir("self/x", 0755), ELOOP);
    CHECK_OK(lstat("loop1", &st));
    CHECK(S_ISLNK(st.st_mode));
    /* c1 -> f, c2 -> c1, ..., c41 -> c40: c40 takes 40 links to reach f. */
    char name[8], target[8];
    CHECK_OK(symlink("f", "c1"));
    for (int i = 2; i <= 41; ++i) {
        snprintf(name, sizeof name, "c%d", i);
        snprintf(target, sizeof target, "c%d", i - 1);
        CHECK_OK(symlink(target, name));
    }
    CHECK_OK(fd = open("c40", O_RDONLY));
    close(fd);
    CHECK_ERR(open("c41", O_RDONLY), ELOOP);
    CHECK_ERR(stat("c41", &st), ELOOP);
    return CASE_PASS;
}

/* ---- reading and writing ---- */

/* Offsets: separate opens have their own, dup() and fork() share one;
 * lseek's SEEK_SET/SEEK_CUR/SEEK_END and its EINVALs; a read straddling
 * the end is short, one at or past it returns 0; pread/pwrite leave the
 * offset alone; reading a write-only descriptor (and the reverse) is
 * EBADF. */
FS_CASE(fs_file_offsets) {
    CHECK_OK(put_file("f", "0123456789", 10));
    int a = open("f", O_RDONLY), b = open("f", O_RDONLY);
    CHECK_OK(a);
    CHECK_OK(b);
    int c = dup(a);
    CHECK_OK(c);
    char buf[32];
    CHECK_EQ(read(a, buf, 3), 3);
    CHECK_EQ(read(c, buf, 1), 1);
    CHECK_EQ(buf[0], '3');
    CHECK_EQ(read(b, buf, 1), 1);
    CHECK_EQ(buf[0], '0');
    fflush(NULL);
    pid_t pid = fork();
    CHECK_OK(pid);
    if (pid == 0) _exit(read(a, buf, 2) == 2 && buf[0] == '4' ? 0 : 1);
    CHECK_EXITED(wait_status(pid), 0);
    CHECK_EQ(lseek(c, 0, SEEK_CUR), 6);
    CHECK_EQ(lseek(a, -2, SEEK_END), 8);
    CHECK_EQ(read(a, buf, sizeof buf), 2);
    CHECK_EQ(read(a, buf, sizeof buf), 0);
    CHECK_EQ(lseek(a, 100, SEEK_SET), 100);
    CHECK_EQ(read(a, buf, sizeof buf), 0);
    CHECK_EQ(lseek(a, -95, SEEK_CUR), 5);
    CHECK_ERR(lseek(a, -1, SEEK_SET), EINVAL);
    CHECK_ERR(lseek(a, -6, SEEK_CUR), EINVAL);
    CHECK_ERR(lseek(a, -11, SEEK_END), EINVAL);
    CHECK_ERR(lseek(a, 0, 7), EINVAL);
    CHECK_EQ(lseek(a, 0, SEEK_CUR), 5);
    CHECK_EQ(pread(a, buf, sizeof buf, 7), 3);
    CHECK(memcmp(buf, "789", 3) == 0);
    CHECK_EQ(pread(a, buf, sizeof buf, 10), 0);
    CHECK_EQ(pread(a, buf, sizeof buf, 1000), 0);
    CHECK_ERR(pread(a, buf, 1, -1), EINVAL);
    CHECK_EQ(lseek(a, 0, SEEK_CUR), 5);
    CHECK_ERR(write(a, "x", 1), EBADF);
    CHECK_ERR(pwrite(a, "x", 1, 0), EBADF);
    int w = open("f", O_WRONLY);
    CHECK_OK(w);
    CHECK_ERR(read(w, buf, 1), EBADF);
    CHECK_ERR(pread(w, buf, 1, 0), EBADF);
    CHECK_EQ(pwrite(w, "AB", 2, 4), 2);
    CHECK_EQ(lseek(w, 0, SEEK_CUR), 0);
    CHECK_ERR(pwrite(w, "x", 1, -1), EINVAL);
    CHECK_EQ(get_file("f", buf, sizeof buf), 10);
    CHECK(memcmp(buf, "0123AB6789", 10) == 0);
    return CASE_PASS;
}

/* A write past the end leaves a hole that reads as zeros; lseek past the
 * end alone does not change the size. */
FS_CASE(fs_rw_holes) {
    int fd = open("f", O_RDWR | O_CREAT, 0644);
    CHECK_OK(fd);
    CHECK_EQ(lseek(fd, 10000, SEEK_SET), 10000);
    struct stat st;
    CHECK_OK(fstat(fd, &st));
    CHECK_EQ(st.st_size, 0);
    CHECK_EQ(write(fd, "x", 1), 1);
    CHECK_OK(fstat(fd, &st));
    CHECK_EQ(st.st_size, 10001);
    static unsigned char buf[20100];
    memset(buf, 0xee, sizeof buf);
    CHECK_EQ(pread(fd, buf, sizeof buf, 0), 10001);
    for (int i = 0; i < 10000; ++i)
        if (buf[i]) return fail("byte %d of the hole is %#x", i, buf[i]);
    CHECK_EQ(buf[10000], 'x');
    CHECK_EQ(pwrite(fd, "yz", 2, 20000), 2);
    CHECK_OK(fstat(fd, &st));
    CHECK_EQ(st.st_size, 20002);
    memset(buf, 0xee, sizeof buf);
    CHECK_EQ(pread(fd, buf, sizeof buf, 0), 20002);
    for (int i = 10001; i < 20000; ++i)
        if (buf[i]) return fail("byte %d of the second hole is %#x", i, buf[i]);
    CHECK(buf[10000] == 'x' && buf[20000] == 'y' && buf[20001] == 'z');
    /* A hole of whole pages, far out. */
    CHECK_EQ(pwrite(fd, "end", 3, 5 << 20), 3);
    CHECK_OK(fstat(fd, &st));
    CHECK_EQ(st.st_size, (5 << 20) + 3);
    memset(buf, 0xee, sizeof buf);
    CHECK_EQ(pread(fd, buf, 8192, 3 << 20), 8192);
    for (int i = 0; i < 8192; ++i)
        if (buf[i]) return fail("byte %d at 3 MiB is %#x", i, buf[i]);
    CHECK_EQ(pread(fd, buf, sizeof buf, (5 << 20) - 1), 4);
    CHECK(buf[0] == 0 && memcmp(buf + 1, "end", 3) == 0);
    return CASE_PASS;
}

/* SEEK_DATA and SEEK_HOLE (lseek(2)): only what every file system must
 * report is asserted (one that does not track holes may call the whole
 * file data, with the one hole at its end). */
FS_CASE(fs_seek_data_hole) {
    int fd = open("f", O_RDWR | O_CREAT, 0644);
    CHECK_OK(fd);
    /* An empty file has neither. */
    CHECK_ERR(lseek(fd, 0, SEEK_DATA), ENXIO);
    CHECK_ERR(lseek(fd, 0, SEEK_HOLE), ENXIO);
    static unsigned char page[4096];
    memset(page, 'd', sizeof page);
    const long far = 1 << 20, size = far + 4096;
    CHECK_EQ(pwrite(fd, page, 4096, 0), 4096);
    CHECK_EQ(pwrite(fd, page, 4096, far), 4096);
    CHECK_EQ(lseek(fd, 0, SEEK_DATA), 0);
    long hole = lseek(fd, 0, SEEK_HOLE);
    if (hole < 4096 || hole > size) return fail("SEEK_HOLE from 0 gave %ld", hole);
    long data = lseek(fd, 5000, SEEK_DATA);
    if (data < 5000 || data > far) return fail("SEEK_DATA from 5000 gave %ld", data);
    CHECK_EQ(lseek(fd, far + 10, SEEK_DATA), far + 10);
    CHECK_EQ(lseek(fd, size - 1, SEEK_HOLE), size);
    CHECK_ERR(lseek(fd, size, SEEK_DATA), ENXIO);
    CHECK_ERR(lseek(fd, size, SEEK_HOLE), ENXIO);
    CHECK_ERR(lseek(fd, -1, SEEK_DATA), ENXIO);
    /* The offset is where the last successful lseek put it. */
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), size);
    return CASE_PASS;
}

/* A 1 MiB pattern written in odd-sized pieces reads back intact in pieces
 * of other sizes; a single call moves a whole MiB; writes across page
 * boundaries at unaligned offsets touch only their own bytes. */
FS_CASE(fs_rw_large) {
    enum { SIZE = 1 << 20 };
    static unsigned char data[SIZE + 64], back[SIZE + 64];
    for (size_t i = 0; i < SIZE; ++i) data[i] = pat(i);
    int fd = open("f", O_RDWR | O_CREAT, 0644);
    CHECK_OK(fd);
    static const size_t pieces[] = {1, 4095, 4097, 12345, 65536, 3};
    size_t off = 0;
    for (int i = 0; off < SIZE; ++i) {
        size_t n = pieces[i % 6];
        if (n > SIZE - off) n = SIZE - off;
        CHECK_EQ(write(fd, data + off, n), n);
        off += n;
    }
    struct stat st;
    CHECK_OK(fstat(fd, &st));
    CHECK_EQ(st.st_size, SIZE);
    CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
    off = 0;
    while (off < SIZE) {
        long n = read(fd, back + off, 65537);
        if (n <= 0) return fail("read at %zu returned %ld (%s)", off, n, errno_name(errno));
        off += (size_t)n;
    }
    for (size_t i = 0; i < SIZE; ++i)
        if (back[i] != data[i])
            return fail("byte %zu read back %#x, wrote %#x", i, back[i], data[i]);
    /* One call each way. */
    CHECK_EQ(pwrite(fd, data + 7, SIZE, 0), SIZE);
    memset(back, 0, sizeof back);
    CHECK_EQ(pread(fd, back, SIZE + 64, 0), SIZE);
    CHECK(memcmp(back, data + 7, SIZE) == 0);
    /* Unaligned writes across page boundaries. */
    CHECK_EQ(pwrite(fd, "ABCDEFGHIJKLMNOPQRST", 20, 4090), 20);
    CHECK_EQ(pwrite(fd, "0123456789", 10, 3 * 4096 - 1), 10);
    CHECK_EQ(pwrite(fd, "tail-extends", 12, SIZE - 5), 12);
    CHECK_OK(fstat(fd, &st));
    CHECK_EQ(st.st_size, SIZE + 7);
    CHECK_EQ(pread(fd, back, SIZE + 64, 0), SIZE + 7);
    for (size_t i = 0; i < SIZE + 7; ++i) {
        unsigned char want = data[i + 7];
        if (i >= 4090 && i < 4110) want = (unsigned char)("ABCDEFGHIJKLMNOPQRST"[i - 4090]);
        if (i >= 3 * 4096 - 1 && i < 3 * 4096 + 9)
            want = (unsigned char)('0' + (i - (3 * 4096 - 1)));
        if (i >= SIZE - 5) want = (unsigned char)("tail-extends"[i - (SIZE - 5)]);
        if (back[i] != want) return fail("byte %zu is %#x, expected %#x", i, back[i], want);
    }
    return CASE_PASS;
}

/* ---- truncation ---- */

/* Growing with ftruncate/truncate adds zeros and leaves the offset alone. */
FS_CASE(fs_ftruncate_grow) {
    int fd = open("f", O_RDWR | O_CREAT, 0644);
    CHECK_OK(fd);
    CHECK_EQ(write(fd, "abc", 3), 3);
    CHECK_OK(ftruncate(fd, 10000));
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), 3);
    struct stat st;
    CHECK_OK(fstat(fd, &st));
    CHECK_EQ(st.st_size, 10000);
    CHECK_EQ(st.st_mode, S_IFREG | 0644);
    static unsigned char buf[20010];
    memset(buf, 0xee, sizeof buf);
    CHECK_EQ(pread(fd, buf, sizeof buf, 0), 10000);
    CHECK(memcmp(buf, "abc", 3) == 0);
    for (int i = 3; i < 10000; ++i)
        if (buf[i]) return fail("byte %d after growing is %#x", i, buf[i]);
    CHECK_OK(truncate("f", 20000));
    CHECK_OK(fstat(fd, &st));
    CHECK_EQ(st.st_size, 20000);
    CHECK_EQ(pread(fd, buf, sizeof buf, 0), 20000);
    for (int i = 3; i < 20000; ++i)
        if (buf[i]) return fail("byte %d after growing by path is %#x", i, buf[i]);
    /* The same size again changes nothing. */
    CHECK_OK(ftruncate(fd, 20000));
    CHECK_EQ(pread(fd, buf, 3, 0), 3);
    CHECK(memcmp(buf, "abc", 3) == 0);
    /* Writes continue at the old offset. */
    CHECK_EQ(write(fd, "d", 1), 1);
    CHECK_EQ(pread(fd, buf, 4, 0), 4);
    CHECK(memcmp(buf, "abcd", 4) == 0);
    return CASE_PASS;
}

/* Shrinking discards the data: reads past the new end return 0, growing
 * again gives zeros (not the old bytes, in a partial page either), and a
 * write at an offset past the end leaves a hole. */
FS_CASE(fs_ftruncate_shrink) {
    enum { SIZE = 3 * 4096 };
    static unsigned char data[SIZE], back[SIZE + 16];
    for (size_t i = 0; i < SIZE; ++i) data[i] = pat(i);
    int fd = open("f", O_RDWR | O_CREAT, 0644);
    CHECK_OK(fd);
    CHECK_EQ(write(fd, data, SIZE), SIZE);
    CHECK_OK(ftruncate(fd, 5000));
    struct stat st;
    CHECK_OK(fstat(fd, &st));
    CHECK_EQ(st.st_size, 5000);
    char c;
    CHECK_EQ(pread(fd, &c, 1, 5000), 0);
    CHECK_EQ(pread(fd, &c, 1, 6000), 0);
    CHECK_EQ(read(fd, &c, 1), 0); /* the offset (SIZE) is past the end */
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), SIZE);
    CHECK_EQ(pread(fd, back, SIZE, 0), 5000);
    CHECK(memcmp(back, data, 5000) == 0);
    CHECK_OK(ftruncate(fd, SIZE));
    CHECK_EQ(pread(fd, back, sizeof back, 0), SIZE);
    CHECK(memcmp(back, data, 5000) == 0);
    for (int i = 5000; i < SIZE; ++i)
        if (back[i]) return fail("byte %d after shrink and regrow is %#x", i, back[i]);
    /* To zero and back by path. */
    CHECK_OK(truncate("f", 0));
    CHECK_OK(truncate("f", 100));
    CHECK_EQ(pread(fd, back, sizeof back, 0), 100);
    for (int i = 0; i < 100; ++i)
        if (back[i]) return fail("byte %d after truncate to 0 and regrow is %#x", i, back[i]);
    /* The offset is still SIZE: the write lands there, behind a hole. */
    CHECK_EQ(write(fd, "w", 1), 1);
    CHECK_OK(fstat(fd, &st));
    CHECK_EQ(st.st_size, SIZE + 1);
    CHECK_EQ(pread(fd, back, sizeof back, 0), SIZE + 1);
    for (int i = 0; i < SIZE; ++i)
        if (back[i]) return fail("byte %d before the late write is %#x", i, back[i]);
    return CASE_PASS;
}

/* truncate(2)/ftruncate(2) errors: a negative length is EINVAL; truncate
 * of a directory EISDIR; ftruncate of anything not a regular file open for
 * writing (a directory, a read-only descriptor, a pipe) EINVAL. */
FS_CASE(fs_truncate_errors) {
    CHECK_OK(put_file("f", "abc", 3));
    CHECK_OK(mkdir("d", 0755));
    int fd = open("f", O_RDWR);
    CHECK_OK(fd);
    CHECK_ERR(ftruncate(fd, -1), EINVAL);
    CHECK_ERR(truncate("f", -1), EINVAL);
    CHECK_ERR(truncate("d", 0), EISDIR);
    CHECK_ERR(truncate("missing", 0), ENOENT);
    CHECK_ERR(truncate("f/x", 0), ENOTDIR);
    CHECK_ERR(truncate("", 0), ENOENT);
    int dir = open("d", O_RDONLY | O_DIRECTORY);
    CHECK_OK(dir);
    CHECK_ERR(ftruncate(dir, 0), EINVAL);
    int ro = open("f", O_RDONLY);
    CHECK_OK(ro);
    CHECK_ERR(ftruncate(ro, 0), EINVAL);
    int p[2];
    CHECK_OK(pipe(p));
    CHECK_ERR(ftruncate(p[1], 0), EINVAL);
    CHECK_ERR(ftruncate(999, 0), EBADF);
    struct stat st;
    CHECK_OK(stat("f", &st));
    CHECK_EQ(st.st_size, 3);
    /* truncate follows a symbolic link. */
    CHECK_OK(symlink("f", "l"));
    CHECK_OK(truncate("l", 1));
    CHECK_OK(stat("f", &st));
    CHECK_EQ(st.st_size, 1);
    return CASE_PASS;
}

/* ---- unlinked open files ---- */

/* An unlinked file lives on while a descriptor holds it: readable,
 * writable, growable, with st_nlink 0; the name is free for a new file
 * (another inode). Its memory goes when the last descriptor closes (the
 * runner's --check-memory sees to that). */
FS_CASE(fs_unlink_open) {
    int fd = open("f", O_RDWR | O_CREAT, 0644);
    CHECK_OK(fd);
    static unsigned char big[1 << 20];
    for (size_t i = 0; i < sizeof big; ++i) big[i] = pat(i);
    CHECK_EQ(write(fd, big, sizeof big), sizeof big);
    struct stat st;
    CHECK_OK(fstat(fd, &st));
    unsigned long ino = st.st_ino;
    CHECK_OK(unlink("f"));
    CHECK_OK(fstat(fd, &st));
    CHECK_EQ(st.st_nlink, 0);
    CHECK_EQ(st.st_size, sizeof big);
    CHECK_ERR(open("f", O_RDONLY), ENOENT);
    static unsigned char back[1 << 20];
    CHECK_EQ(pread(fd, back, sizeof back, 0), sizeof back);
    CHECK(memcmp(back, big, sizeof big) == 0);
    CHECK_EQ(write(fd, "more", 4), 4);
    CHECK_OK(fstat(fd, &st));
    CHECK_EQ(st.st_size, sizeof big + 4);
    CHECK_OK(ftruncate(fd, 8192));
    CHECK_EQ(pread(fd, back, 16, 8190), 2);
    int fd2 = open("f", O_RDWR | O_CREAT | O_EXCL, 0644);
    CHECK_OK(fd2);
    CHECK_OK(fstat(fd2, &st));
    CHECK(st.st_ino != ino);
    CHECK_EQ(st.st_size, 0);
    /* A duplicate keeps it after the first descriptor closes. */
    int dup_fd = dup(fd);
    CHECK_OK(dup_fd);
    CHECK_OK(close(fd));
    CHECK_EQ(pread(dup_fd, back, 4, 0), 4);
    CHECK(memcmp(back, big, 4) == 0);
    CHECK_OK(close(dup_fd));
    close(fd2);
    return CASE_PASS;
}

/* RLIMIT_FSIZE (ulimit -f): a write that starts below the limit stops at
 * it (a short count); one that starts at or past it fails with EFBIG and
 * raises SIGXFSZ, which ends the process unless ignored (busybox's dd
 * under `ulimit -f` dies of it, status 153); a truncate that grows the
 * file past the limit is the same, a shrink or a growth up to it is not.
 * The child's checks: 0, or the number of the first that failed. */
static int file_size_child(int ignore) {
    if (ignore) signal(SIGXFSZ, SIG_IGN);
    struct rlimit r = {100, RLIM_INFINITY};
    if (setrlimit(RLIMIT_FSIZE, &r)) return 10;
    int fd = open("limited", O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) return 11;
    char buf[150] = {0};
    if (write(fd, buf, sizeof buf) != 100) return 12;
    if (pwrite(fd, buf, 10, 95) != 5) return 13;
    if (write(fd, buf, 0) != 0) return 14;
    errno = 0;
    if (write(fd, buf, 1) != -1 || errno != EFBIG) return 15;
    if (ftruncate(fd, 101) != -1 || errno != EFBIG) return 16;
    if (truncate("limited", 200) != -1 || errno != EFBIG) return 17;
    if (ftruncate(fd, 50) != 0) return 18;
    if (ftruncate(fd, 100) != 0) return 19;
    close(fd);
    return 0;
}

FS_CASE(fs_file_size_limit) {
    int status;
    pid_t pid = fork();
    if (pid == 0) _exit(file_size_child(1));
    CHECK_EQ(waitpid(pid, &status, 0), pid);
    CHECK_EXITED(status, 0);
    pid = fork();
    if (pid == 0) _exit(file_size_child(0));
    CHECK_EQ(waitpid(pid, &status, 0), pid);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGXFSZ);
    struct stat st;
    CHECK_OK(stat("limited", &st));
    CHECK_EQ(st.st_size, 100);
    return CASE_PASS;
}

CASE_TABLE(fs) = {
    {"fs-create-mode", fs_create_mode},
    {"fs-create-excl", fs_create_excl},
    {"fs-open-trunc", fs_open_trunc},
    {"fs-open-append", fs_open_append},
    {"fs-open-errors", fs_open_errors},
    {"fs-name-max", fs_name_max},
    {"fs-symlink-loop", fs_symlink_loop},
    {"fs-file-offsets", fs_file_offsets},
    {"fs-rw-holes", fs_rw_holes},
    {"fs-seek-data-hole", fs_seek_data_hole},
    {"fs-rw-large", fs_rw_large},
    {"fs-ftruncate-grow", fs_ftruncate_grow},
    {"fs-ftruncate-shrink", fs_ftruncate_shrink},
    {"fs-truncate-errors", fs_truncate_errors},
    {"fs-unlink-open", fs_unlink_open},
    {"fs-file-size-limit", fs_file_size_limit},
    CASE_TABLE_END,
};
