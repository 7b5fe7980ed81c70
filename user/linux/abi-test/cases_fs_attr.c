/* File attributes and the rest: stat fields, timestamps, modes and
 * owners, fsync, file mappings, ETXTBSY, bad pointers, statfs and a full
 * file system, directory descriptors. Each case runs in a scratch
 * directory of its own (FS_CASE, fs.h; the helpers live in cases_fs.c). */
#include "fs.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/file.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>

extern char** environ;

/* ---- stat ---- */

/* stat's fields for a file, a directory and a symbolic link: type bits,
 * st_size, st_blocks (512-byte units, enough for the data, nothing for an
 * empty file), st_nlink, st_ino (distinct, stable across stats and a
 * rename), st_dev (one per file system), timestamps near now. */
FS_CASE(fs_stat_fields) {
    long before = wall_now();
    struct stat st, st2, dir;
    int fd = open("f", O_RDWR | O_CREAT, 0644);
    CHECK_OK(fd);
    CHECK_OK(fstat(fd, &st));
    CHECK(S_ISREG(st.st_mode));
    CHECK_EQ(st.st_size, 0);
    CHECK_EQ(st.st_blocks, 0);
    CHECK_EQ(st.st_nlink, 1);
    CHECK(st.st_blksize > 0);
    long after = wall_now();
    CHECK(st.st_mtim.tv_sec >= before - 1 && st.st_mtim.tv_sec <= after + 1);
    CHECK(st.st_ctim.tv_sec >= before - 1 && st.st_ctim.tv_sec <= after + 1);
    CHECK(st.st_atim.tv_sec >= before - 1 && st.st_atim.tv_sec <= after + 1);
    CHECK(st.st_mtim.tv_nsec >= 0 && st.st_mtim.tv_nsec < 1000000000);
    static unsigned char data[10000];
    memset(data, 's', sizeof data);
    CHECK_EQ(write(fd, data, sizeof data), sizeof data);
    CHECK_OK(fstat(fd, &st));
    CHECK_EQ(st.st_size, 10000);
    if (st.st_blocks * 512 < 10000 || st.st_blocks * 512 > 10000 + (1 << 20))
        return fail("st_blocks %ld for 10000 bytes", (long)st.st_blocks);
    CHECK_OK(stat("f", &st2));
    CHECK(st.st_ino == st2.st_ino && st.st_dev == st2.st_dev);
    CHECK_OK(stat(".", &dir));
    CHECK(S_ISDIR(dir.st_mode));
    CHECK_EQ(dir.st_nlink, 2);
    CHECK(dir.st_dev == st.st_dev && dir.st_ino != st.st_ino);
    CHECK_OK(rename("f", "g"));
    CHECK_OK(stat("g", &st2));
    CHECK(st.st_ino == st2.st_ino);
    CHECK_OK(symlink("g", "l"));
    CHECK_OK(lstat("l", &st2));
    CHECK(S_ISLNK(st2.st_mode));
    CHECK_EQ(st2.st_size, 1);
    CHECK(st2.st_ino != st.st_ino && st2.st_ino != dir.st_ino);
    CHECK_OK(stat("l", &st2));
    CHECK(S_ISREG(st2.st_mode) && st2.st_ino == st.st_ino);
    CHECK_OK(mkdir("d", 0755));
    CHECK_OK(stat("d", &st2));
    CHECK(S_ISDIR(st2.st_mode) && st2.st_nlink == 2);
    CHECK(st2.st_ino != st.st_ino && st2.st_ino != dir.st_ino);
    CHECK_OK(fstatat(AT_FDCWD, "l", &st2, AT_SYMLINK_NOFOLLOW));
    CHECK(S_ISLNK(st2.st_mode));
    return CASE_PASS;
}

/* ---- timestamps ---- */

#define OLD 1000000000L /* 2001-09-09 */

/* Timestamps move on their own: write and ftruncate set mtime and ctime
 * (not atime); chmod and link set ctime only; creating and removing a name
 * set the directory's mtime and ctime. */
FS_CASE(fs_times_write) {
    CHECK_OK(put_file("f", "abc", 3));
    CHECK_OK(set_times("f", OLD, OLD));
    long now = wall_now();
    int fd = open("f", O_WRONLY);
    CHECK_OK(fd);
    CHECK_EQ(write(fd, "x", 1), 1);
    struct stat st;
    CHECK_OK(fstat(fd, &st));
    CHECK(st.st_mtim.tv_sec >= now - 1);
    CHECK(st.st_ctim.tv_sec >= now - 1);
    CHECK_EQ(st.st_atim.tv_sec, OLD);
    CHECK_OK(set_times("f", OLD, OLD));
    CHECK_OK(ftruncate(fd, 1));
    CHECK_OK(fstat(fd, &st));
    CHECK(st.st_mtim.tv_sec >= now - 1 && st.st_ctim.tv_sec >= now - 1);
    CHECK_OK(set_times("f", OLD, OLD));
    CHECK_OK(pwrite(fd, "y", 1, 100));
    CHECK_OK(fstat(fd, &st));
    CHECK(st.st_mtim.tv_sec >= now - 1);
    /* ctime alone. (utimensat sets ctime to now, so it is old only if the
     * clock says so: check that chmod leaves mtime at OLD.) */
    CHECK_OK(set_times("f", OLD, OLD));
    CHECK_OK(fchmod(fd, 0600));
    CHECK_OK(fstat(fd, &st));
    CHECK_EQ(st.st_mtim.tv_sec, OLD);
    CHECK(st.st_ctim.tv_sec >= now - 1);
    CHECK_OK(link("f", "g"));
    CHECK_OK(fstat(fd, &st));
    CHECK_EQ(st.st_mtim.tv_sec, OLD);
    /* The directory. */
    CHECK_OK(mkdir("d", 0755));
    CHECK_OK(set_times("d", OLD, OLD));
    CHECK_OK(put_file("d/new", "", 0));
    CHECK_OK(stat("d", &st));
    CHECK(st.st_mtim.tv_sec >= now - 1 && st.st_ctim.tv_sec >= now - 1);
    CHECK_EQ(st.st_atim.tv_sec, OLD);
    CHECK_OK(set_times("d", OLD, OLD));
    CHECK_OK(unlink("d/new"));
    CHECK_OK(stat("d", &st));
    CHECK(st.st_mtim.tv_sec >= now - 1);
    CHECK_OK(set_times("d", OLD, OLD));
    CHECK_OK(mkdir("d/sub", 0755));
    CHECK_OK(stat("d", &st));
    CHECK(st.st_mtim.tv_sec >= now - 1);
    return CASE_PASS;
}

/* utimensat(2)/futimens: explicit times to the nanosecond, UTIME_NOW,
 * UTIME_OMIT, NULL for "both now", AT_SYMLINK_NOFOLLOW for the link
 * itself; ctime becomes now; tv_nsec out of range and unknown flags are
 * EINVAL; a NULL path with a descriptor is futimens, with AT_FDCWD a bad
 * pointer. */
FS_CASE(fs_utimensat) {
    CHECK_OK(put_file("f", "abc", 3));
    struct timespec ts[2] = {{OLD, 123456789}, {OLD + 100000000, 987654321}};
    long before = wall_now();
    CHECK_OK(utimensat(AT_FDCWD, "f", ts, 0));
    struct stat st;
    CHECK_OK(stat("f", &st));
    CHECK(st.st_atim.tv_sec == OLD && st.st_atim.tv_nsec == 123456789);
    CHECK(st.st_mtim.tv_sec == OLD + 100000000 && st.st_mtim.tv_nsec == 987654321);
    CHECK(st.st_ctim.tv_sec >= before - 1);
    /* atime omitted, mtime now. */
    struct timespec omit_now[2] = {{0, UTIME_OMIT}, {0, UTIME_NOW}};
    CHECK_OK(utimensat(AT_FDCWD, "f", omit_now, 0));
    long after = wall_now();
    CHECK_OK(stat("f", &st));
    CHECK(st.st_atim.tv_sec == OLD && st.st_atim.tv_nsec == 123456789);
    CHECK(st.st_mtim.tv_sec >= before - 1 && st.st_mtim.tv_sec <= after + 1);
    /* Both omitted: nothing changes. */
    struct timespec omit[2] = {{0, UTIME_OMIT}, {0, UTIME_OMIT}};
    CHECK_OK(utimensat(AT_FDCWD, "f", omit, 0));
    CHECK_OK(stat("f", &st));
    CHECK_EQ(st.st_atim.tv_sec, OLD);
    /* NULL: both now. */
    CHECK_OK(utimensat(AT_FDCWD, "f", ts, 0));
    CHECK_OK(utimensat(AT_FDCWD, "f", NULL, 0));
    CHECK_OK(stat("f", &st));
    after = wall_now();
    CHECK(st.st_atim.tv_sec >= before - 1 && st.st_atim.tv_sec <= after + 1);
    CHECK(st.st_mtim.tv_sec >= before - 1 && st.st_mtim.tv_sec <= after + 1);
    /* futimens, on a read-only descriptor (the owner may). */
    int fd = open("f", O_RDONLY);
    CHECK_OK(fd);
    CHECK_OK(futimens(fd, ts));
    CHECK_OK(stat("f", &st));
    CHECK(st.st_mtim.tv_sec == OLD + 100000000 && st.st_mtim.tv_nsec == 987654321);
    struct timespec ts2[2] = {{OLD + 5, 0}, {OLD + 6, 0}};
    CHECK_OK(syscall(SYS_utimensat, fd, NULL, ts2, 0));
    CHECK_OK(stat("f", &st));
    CHECK(st.st_atim.tv_sec == OLD + 5 && st.st_mtim.tv_sec == OLD + 6);
    CHECK_ERR(syscall(SYS_utimensat, AT_FDCWD, NULL, ts2, 0), EFAULT);
    /* The link itself, not its target. */
    CHECK_OK(symlink("f", "l"));
    CHECK_OK(utimensat(AT_FDCWD, "l", ts, AT_SYMLINK_NOFOLLOW));
    CHECK_OK(lstat("l", &st));
    CHECK(st.st_mtim.tv_sec == OLD + 100000000 && st.st_mtim.tv_nsec == 987654321);
    CHECK_OK(stat("f", &st));
    CHECK_EQ(st.st_mtim.tv_sec, OLD + 6);
    /* Errors. */
    struct timespec bad[2] = {{OLD, 1000000000}, {OLD, 0}};
    CHECK_ERR(utimensat(AT_FDCWD, "f", bad, 0), EINVAL);
    bad[0].tv_nsec = -1;
    CHECK_ERR(utimensat(AT_FDCWD, "f", bad, 0), EINVAL);
    CHECK_ERR(syscall(SYS_utimensat, AT_FDCWD, "f", ts, 0x1), EINVAL);
    CHECK_ERR(utimensat(AT_FDCWD, "missing", ts, 0), ENOENT);
    CHECK_ERR(futimens(999, ts), EBADF);
    CHECK_OK(stat("f", &st));
    CHECK_EQ(st.st_mtim.tv_sec, OLD + 6);
    return CASE_PASS;
}

/* ---- modes and owners ---- */

/* umask(2) returns the previous mask and keeps only 0777; chmod, fchmod
 * and fchmodat set the permission bits (file-type bits in the argument are
 * ignored), follow symbolic links (a link's own mode stays 0777), and work
 * on a read-only descriptor for the owner. */
FS_CASE(fs_chmod_umask) {
    CHECK_EQ(umask(027), 022);
    CHECK_EQ(umask(0), 027);
    CHECK_EQ(umask(01777), 0);
    CHECK_EQ(umask(022), 0777);
    CHECK_OK(put_file("f", "abc", 3));
    CHECK_OK(chmod("f", 0600));
    CHECK_EQ(mode_of("f"), S_IFREG | 0600);
    int fd = open("f", O_RDONLY);
    CHECK_OK(fd);
    CHECK_OK(fchmod(fd, 0751));
    CHECK_EQ(mode_of("f"), S_IFREG | 0751);
    CHECK_OK(fchmodat(AT_FDCWD, "f", 0640, 0));
    CHECK_EQ(mode_of("f"), S_IFREG | 0640);
    CHECK_OK(chmod("f", S_IFDIR | 0604));
    CHECK_EQ(mode_of("f"), S_IFREG | 0604);
    CHECK_OK(chmod("f", 04755));
    CHECK_EQ(mode_of("f"), S_IFREG | 04755);
    CHECK_OK(chmod("f", 0));
    CHECK_EQ(mode_of("f"), S_IFREG);
    CHECK_OK(symlink("f", "l"));
    CHECK_OK(chmod("l", 0644));
    CHECK_EQ(mode_of("f"), S_IFREG | 0644);
    CHECK_EQ(mode_of("l"), S_IFLNK | 0777);
    CHECK_OK(mkdir("d", 0755));
    CHECK_OK(chmod("d", 01700));
    CHECK_EQ(mode_of("d"), S_IFDIR | 01700);
    int dir = open("d", O_RDONLY | O_DIRECTORY);
    CHECK_OK(dir);
    CHECK_OK(put_file("d/g", "", 0));
    CHECK_OK(fchmodat(dir, "g", 0444, 0));
    CHECK_EQ(mode_of("d/g"), S_IFREG | 0444);
    CHECK_ERR(chmod("missing", 0644), ENOENT);
    CHECK_ERR(chmod("f/x", 0644), ENOTDIR);
    CHECK_ERR(fchmod(999, 0644), EBADF);
    CHECK_ERR(fchmodat(999, "g", 0644, 0), EBADF);
    return CASE_PASS;
}

/* chown to one's own uid and gid is allowed (-1 leaves a field alone);
 * changing the owner clears the set-user-ID bit of a regular file, even
 * for root (chown(2): "since Linux 2.2.13, root is treated like other
 * users"); AT_SYMLINK_NOFOLLOW (lchown) changes the link itself. Root may
 * give a file to anyone; others get EPERM. */
FS_CASE(fs_chown) {
    uid_t uid = geteuid();
    gid_t gid = getegid();
    CHECK_OK(put_file("f", "abc", 3));
    CHECK_OK(symlink("f", "l"));
    CHECK_OK(chown("f", uid, gid));
    CHECK_OK(chown("f", (uid_t)-1, (gid_t)-1));
    int fd = open("f", O_RDONLY);
    CHECK_OK(fd);
    CHECK_OK(fchown(fd, uid, (gid_t)-1));
    CHECK_OK(fchownat(AT_FDCWD, "l", uid, gid, AT_SYMLINK_NOFOLLOW));
    CHECK_OK(chmod("f", 04755));
    CHECK_OK(chown("f", uid, (gid_t)-1));
    CHECK_EQ(mode_of("f"), S_IFREG | 0755);
    CHECK_ERR(fchownat(AT_FDCWD, "f", uid, gid, 0x1), EINVAL);
    CHECK_ERR(chown("missing", uid, gid), ENOENT);
    CHECK_ERR(fchown(999, uid, gid), EBADF);
    struct stat st;
    if (uid != 0) {
        CHECK_ERR(chown("f", uid + 1, (gid_t)-1), EPERM);
        return CASE_PASS;
    }
    CHECK_OK(chown("f", 1234, 5678));
    CHECK_OK(stat("f", &st));
    CHECK(st.st_uid == 1234 && st.st_gid == 5678);
    /* Through the link (followed), then the link alone. */
    CHECK_OK(chown("l", 4321, (gid_t)-1));
    CHECK_OK(stat("f", &st));
    CHECK(st.st_uid == 4321 && st.st_gid == 5678);
    CHECK_OK(lchown("l", 99, 98));
    CHECK_OK(lstat("l", &st));
    CHECK(st.st_uid == 99 && st.st_gid == 98);
    CHECK_OK(stat("f", &st));
    CHECK_EQ(st.st_uid, 4321);
    CHECK_OK(fchownat(fd, "", 0, 0, AT_EMPTY_PATH));
    CHECK_OK(stat("f", &st));
    CHECK(st.st_uid == 0 && st.st_gid == 0);
    /* Root still writes a file it no longer owns. */
    CHECK_OK(chown("f", 1234, 5678));
    CHECK_OK(chmod("f", 0600));
    int w = open("f", O_WRONLY);
    CHECK_OK(w);
    CHECK_EQ(write(w, "r", 1), 1);
    return CASE_PASS;
}

/* ---- fsync ---- */

/* fsync and fdatasync succeed on a regular file (whatever its access mode)
 * and a directory; on a pipe or /dev/null, which cannot be synced, they
 * are EINVAL; sync and syncfs succeed. */
FS_CASE(fs_fsync) {
    int fd = open("f", O_RDWR | O_CREAT, 0644);
    CHECK_OK(fd);
    CHECK_EQ(write(fd, "data", 4), 4);
    CHECK_OK(fsync(fd));
    CHECK_OK(fdatasync(fd));
    int ro = open("f", O_RDONLY);
    CHECK_OK(ro);
    CHECK_OK(fsync(ro));
    CHECK_OK(fdatasync(ro));
    int dir = open(".", O_RDONLY | O_DIRECTORY);
    CHECK_OK(dir);
    CHECK_OK(fsync(dir));
    CHECK_OK(fdatasync(dir));
    int p[2];
    CHECK_OK(pipe(p));
    CHECK_ERR(fsync(p[0]), EINVAL);
    CHECK_ERR(fdatasync(p[1]), EINVAL);
    int null = open("/dev/null", O_WRONLY);
    CHECK_OK(null);
    CHECK_ERR(fsync(null), EINVAL);
    CHECK_ERR(fsync(999), EBADF);
    CHECK_ERR(fdatasync(-1), EBADF);
    sync();
    CHECK_OK(syncfs(fd));
    CHECK_ERR(syncfs(999), EBADF);
    char buf[8];
    CHECK_EQ(pread(fd, buf, sizeof buf, 0), 4);
    return CASE_PASS;
}

/* ---- file mappings ---- */

/* MAP_SHARED and the file are one: write() shows in the mapping, a store
 * in the mapping shows to read() at once (no msync needed) and in a second
 * mapping, and stays after munmap; the tail of the last page past the end
 * reads as zeros; a read-only descriptor cannot be mapped shared
 * writable (EACCES) but can be mapped private writable. */
FS_CASE(fs_mmap_shared) {
    static unsigned char page[8192];
    memset(page, 'a', sizeof page);
    int fd = open("f", O_RDWR | O_CREAT, 0644);
    CHECK_OK(fd);
    CHECK_EQ(write(fd, page, 8192), 8192);
    unsigned char* m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK(m != MAP_FAILED);
    CHECK_EQ(m[0], 'a');
    CHECK_EQ(m[8191], 'a');
    CHECK_EQ(pwrite(fd, "W", 1, 5000), 1);
    CHECK_EQ(m[5000], 'W');
    m[100] = 'S';
    m[4096] = 'T';
    char c;
    CHECK_EQ(pread(fd, &c, 1, 100), 1);
    CHECK_EQ(c, 'S');
    CHECK_EQ(pread(fd, &c, 1, 4096), 1);
    CHECK_EQ(c, 'T');
    unsigned char* m2 = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 4096);
    CHECK(m2 != MAP_FAILED);
    CHECK_EQ(m2[0], 'T');
    m[4097] = 'U';
    CHECK_EQ(m2[1], 'U');
    CHECK_OK(msync(m, 8192, MS_SYNC));
    CHECK_OK(msync(m, 4096, MS_ASYNC));
    CHECK_OK(msync(m, 8192, MS_INVALIDATE));
    CHECK_ERR(msync(m + 1, 4096, MS_SYNC), EINVAL);
    CHECK_ERR(msync(m, 4096, MS_SYNC | MS_ASYNC), EINVAL);
    CHECK_OK(munmap(m, 8192));
    CHECK_OK(munmap(m2, 4096));
    unsigned char buf[8];
    CHECK_EQ(get_file("f", buf, 8), 8);
    CHECK_EQ(pread(fd, buf, 2, 4096), 2);
    CHECK(buf[0] == 'T' && buf[1] == 'U');
    struct stat st;
    CHECK_OK(fstat(fd, &st));
    CHECK_EQ(st.st_size, 8192);
    /* A file of 5000 bytes: the rest of its second page reads as zeros. */
    CHECK_OK(ftruncate(fd, 5000));
    m = mmap(NULL, 8192, PROT_READ, MAP_SHARED, fd, 0);
    CHECK(m != MAP_FAILED);
    CHECK_EQ(m[4999], 'a');
    for (int i = 5000; i < 8192; ++i)
        if (m[i]) return fail("byte %d past the end of the file maps as %#x", i, m[i]);
    CHECK_OK(munmap(m, 8192));
    /* Read-only descriptor. */
    int ro = open("f", O_RDONLY);
    CHECK_OK(ro);
    CHECK(mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0) == MAP_FAILED);
    CHECK_EQ(errno, EACCES);
    m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, ro, 0);
    CHECK(m != MAP_FAILED);
    m[0] = 'p';
    CHECK_EQ(pread(fd, &c, 1, 0), 1);
    CHECK_EQ(c, 'a');
    return CASE_PASS;
}

/* MAP_PRIVATE: a store makes a private copy of its page, which the file
 * never sees and which then no longer sees the file's later writes. (What
 * a page not yet stored to shows after a write() is left open.) */
FS_CASE(fs_mmap_private) {
    static unsigned char page[8192];
    memset(page, 'a', sizeof page);
    int fd = open("f", O_RDWR | O_CREAT, 0644);
    CHECK_OK(fd);
    CHECK_EQ(write(fd, page, 8192), 8192);
    unsigned char* p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    CHECK(p != MAP_FAILED);
    CHECK_EQ(p[10], 'a');
    p[0] = 'P';
    char c;
    CHECK_EQ(pread(fd, &c, 1, 0), 1);
    CHECK_EQ(c, 'a');
    CHECK_EQ(pwrite(fd, "WX", 2, 1), 2);
    CHECK_EQ(p[1], 'a');
    CHECK_EQ(p[0], 'P');
    /* A child inherits the private copy. */
    fflush(NULL);
    pid_t pid = fork();
    CHECK_OK(pid);
    if (pid == 0) _exit(p[0] == 'P' && p[1] == 'a' ? 0 : 1);
    CHECK_EXITED(wait_status(pid), 0);
    CHECK_OK(munmap(p, 8192));
    unsigned char buf[4];
    CHECK_EQ(pread(fd, buf, 4, 0), 4);
    CHECK(memcmp(buf, "aWXa", 4) == 0);
    return CASE_PASS;
}

/* A shared mapping past the end of its file: a page wholly beyond the end
 * raises SIGBUS (BUS_ADRERR) on access; after ftruncate shrinks the file
 * under the mapping, the tail of the last page reads as zeros and the
 * pages beyond fault; growing it again makes them zero-filled pages. */
FS_CASE(fs_mmap_sigbus) {
    static unsigned char page[8192];
    memset(page, 'a', sizeof page);
    int fd = open("f", O_RDWR | O_CREAT, 0644);
    CHECK_OK(fd);
    CHECK_EQ(write(fd, page, 8192), 8192);
    unsigned char* m = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK(m != MAP_FAILED);
    CHECK_EQ(m[8191], 'a');
    if (expect_fault(m + 8192, 0, SIGBUS, BUS_ADRERR, "page past the end")) return CASE_FAIL;
    m[4096] = 'b';
    CHECK_OK(ftruncate(fd, 100));
    CHECK_EQ(m[99], 'a');
    for (int i = 100; i < 4096; ++i)
        if (m[i]) return fail("byte %d past the new end maps as %#x", i, m[i]);
    if (expect_fault(m + 4096, 0, SIGBUS, BUS_ADRERR, "read after shrink")) return CASE_FAIL;
    if (expect_fault(m + 5000, 1, SIGBUS, BUS_ADRERR, "write after shrink")) return CASE_FAIL;
    CHECK_OK(ftruncate(fd, 8192));
    if (expect_no_fault(m + 4096, 0, 0, "read after regrow")) return CASE_FAIL;
    for (int i = 100; i < 8192; ++i)
        if (m[i]) return fail("byte %d after shrink and regrow maps as %#x", i, m[i]);
    m[8000] = 'c';
    char c;
    CHECK_EQ(pread(fd, &c, 1, 8000), 1);
    CHECK_EQ(c, 'c');
    return CASE_PASS;
}

/* ---- ETXTBSY ---- */

/* A file being executed cannot be opened for writing (ETXTBSY: open with
 * O_WRONLY or O_RDWR, truncate), and a file open for writing cannot be
 * executed; once the program has exited, the open succeeds. The program
 * is a copy of this suite in the scratch directory, run as
 * `--child block-read FD` so it waits for the pipe's writer to close. */
FS_CASE(fs_etxtbsy) {
    int src = open(g_self, O_RDONLY | O_CLOEXEC);
    if (src < 0) return fail("open(%s): %s", g_self, errno_name(errno));
    int dst = open("prog", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    CHECK_OK(dst);
    static char buf[65536];
    long n;
    while ((n = read(src, buf, sizeof buf)) > 0) CHECK_EQ(write_full(dst, buf, (size_t)n), n);
    CHECK_EQ(n, 0);
    close(src);
    CHECK_OK(fchmod(dst, 0755));
    char path[128];
    snprintf(path, sizeof path, "%s/prog", g_scratch);
    char* argv[] = {path, (char*)"--child", (char*)"exit", (char*)"0", NULL};
    /* While dst is open for writing, exec fails. */
    fflush(NULL);
    pid_t pid = fork();
    CHECK_OK(pid);
    if (pid == 0) {
        execve(path, argv, environ);
        _exit(errno == ETXTBSY ? 0 : 1);
    }
    CHECK_EXITED(wait_status(pid), 0);
    CHECK_OK(close(dst));
    /* The program runs; "exec" tells the parent it got past execve: the
     * O_CLOEXEC pipe's write end closes when execve succeeds. */
    int p[2], exec[2];
    CHECK_OK(pipe(p));
    CHECK_OK(pipe2(exec, O_CLOEXEC));
    char fdarg[16];
    snprintf(fdarg, sizeof fdarg, "%d", p[0]);
    char* argv2[] = {path, (char*)"--child", (char*)"block-read", fdarg, NULL};
    fflush(NULL);
    pid = fork();
    CHECK_OK(pid);
    if (pid == 0) {
        close(p[1]);
        close(exec[0]);
        execve(path, argv2, environ);
        int e = errno;
        ssize_t w = write(exec[1], &e, sizeof e);
        (void)w;
        _exit(127);
    }
    close(p[0]);
    close(exec[1]);
    int e = 0;
    n = read(exec[0], &e, sizeof e);
    close(exec[0]);
    if (n != 0) {
        close(p[1]);
        wait_status(pid);
        return fail("execve of the copy failed: %s", errno_name(e));
    }
    int r = CASE_PASS;
    errno = 0;
    int fd = open(path, O_WRONLY);
    if (fd != -1 || errno != ETXTBSY)
        r = fail("open(O_WRONLY) of a running program = %d (%s), expected ETXTBSY", fd,
                 fd == -1 ? errno_name(errno) : "no error");
    errno = 0;
    if (r == CASE_PASS && ((fd = open(path, O_RDWR)) != -1 || errno != ETXTBSY))
        r = fail("open(O_RDWR) of a running program = %d (%s), expected ETXTBSY", fd,
                 fd == -1 ? errno_name(errno) : "no error");
    errno = 0;
    if (r == CASE_PASS && (truncate(path, 0) != -1 || errno != ETXTBSY))
        r = fail("truncate of a running program: %s, expected ETXTBSY", errno_name(errno));
    if (r == CASE_PASS && (fd = open(path, O_RDONLY)) < 0)
        r = fail("open(O_RDONLY) of a running program: %s", errno_name(errno));
    close(fd);
    /* Let it go: the pipe's last writer closes, block-read exits 0. */
    close(p[1]);
    int status = wait_status(pid);
    if (r != CASE_PASS) return r;
    CHECK_EXITED(status, 0);
    CHECK_OK(fd = open(path, O_WRONLY));
    CHECK_OK(close(fd));
    CHECK_OK(truncate(path, 0));
    return CASE_PASS;
}

/* ---- bad pointers ---- */

static const unsigned long g_bad_addr[] = {
    ADDR_HHDM,         ADDR_KERNEL_IMAGE,    ADDR_FIRST_NONCANONICAL, ADDR_NONCANONICAL,
    ADDR_UNMAPPED_LOW, 0xfffffffffffffff0ul, 0x00007ffffffffff0ul,
};

#define EXPECT_EFAULT(call)                                                          \
    do {                                                                             \
        long r_ = (long)(call);                                                      \
        if (r_ != -EFAULT)                                                           \
            return fail("%s with %#lx = %ld (%s), expected EFAULT", #call, bad_, r_, \
                        r_ < 0 ? errno_name((int)-r_) : "success");                  \
    } while (0)

/* The path calls of the file system take EFAULT for a path (or times, or
 * buffer) no user pointer may name, and do nothing. Raw calls: a libc
 * wrapper may touch the memory itself. */
FS_CASE(fs_efault) {
    CHECK_OK(put_file("f", "abc", 3));
    CHECK_OK(mkdir("d", 0755));
    struct stat before;
    CHECK_OK(stat("f", &before));
    char link_buf[16];
    for (size_t i = 0; i < sizeof g_bad_addr / sizeof g_bad_addr[0]; ++i) {
        unsigned long bad_ = g_bad_addr[i];
        void* b = (void*)bad_;
        EXPECT_EFAULT(RAW(SYS_mkdir, b, 0755));
        EXPECT_EFAULT(RAW(SYS_mkdirat, AT_FDCWD, b, 0755));
        EXPECT_EFAULT(RAW(SYS_rmdir, b));
        EXPECT_EFAULT(RAW(SYS_unlink, b));
        EXPECT_EFAULT(RAW(SYS_unlinkat, AT_FDCWD, b, 0));
        EXPECT_EFAULT(RAW(SYS_unlinkat, AT_FDCWD, b, AT_REMOVEDIR));
        EXPECT_EFAULT(RAW(SYS_rename, b, "x"));
        EXPECT_EFAULT(RAW(SYS_rename, "f", b));
        EXPECT_EFAULT(RAW(SYS_renameat2, AT_FDCWD, b, AT_FDCWD, "x", 0));
        EXPECT_EFAULT(RAW(SYS_renameat2, AT_FDCWD, "f", AT_FDCWD, b, 0));
        EXPECT_EFAULT(RAW(SYS_renameat2, AT_FDCWD, "f", AT_FDCWD, b, 1 /* RENAME_NOREPLACE */));
        EXPECT_EFAULT(RAW(SYS_symlink, b, "x"));
        EXPECT_EFAULT(RAW(SYS_symlinkat, b, AT_FDCWD, "x"));
        EXPECT_EFAULT(RAW(SYS_symlinkat, "f", AT_FDCWD, b));
        EXPECT_EFAULT(RAW(SYS_link, b, "x"));
        EXPECT_EFAULT(RAW(SYS_linkat, AT_FDCWD, b, AT_FDCWD, "x", 0));
        EXPECT_EFAULT(RAW(SYS_linkat, AT_FDCWD, "f", AT_FDCWD, b, 0));
        EXPECT_EFAULT(RAW(SYS_readlinkat, AT_FDCWD, b, link_buf, sizeof link_buf));
        EXPECT_EFAULT(RAW(SYS_utimensat, AT_FDCWD, "f", b, 0));
        EXPECT_EFAULT(RAW(SYS_utimensat, AT_FDCWD, b, NULL, 0));
        EXPECT_EFAULT(RAW(SYS_chmod, b, 0644));
        EXPECT_EFAULT(RAW(SYS_fchmodat, AT_FDCWD, b, 0644));
        EXPECT_EFAULT(RAW(SYS_fchownat, AT_FDCWD, b, -1, -1, 0));
        EXPECT_EFAULT(RAW(SYS_truncate, b, 0));
        EXPECT_EFAULT(RAW(SYS_creat, b, 0644));
        EXPECT_EFAULT(RAW(SYS_openat, AT_FDCWD, b, O_WRONLY | O_CREAT, 0644));
    }
    /* Nothing happened to f, nothing named x appeared. */
    struct stat after;
    CHECK_OK(stat("f", &after));
    CHECK(after.st_ino == before.st_ino && after.st_size == 3);
    CHECK(after.st_mtim.tv_sec == before.st_mtim.tv_sec &&
          after.st_mtim.tv_nsec == before.st_mtim.tv_nsec);
    CHECK_ERR(access("x", F_OK), ENOENT);
    /* File data: read and write with a bad buffer on a regular file. */
    int fd = open("f", O_RDWR);
    CHECK_OK(fd);
    for (size_t i = 0; i < sizeof g_bad_addr / sizeof g_bad_addr[0]; ++i) {
        unsigned long bad_ = g_bad_addr[i];
        EXPECT_EFAULT(RAW(SYS_pread64, fd, bad_, 3, 0));
        EXPECT_EFAULT(RAW(SYS_pwrite64, fd, bad_, 3, 0));
    }
    char buf[4];
    CHECK_EQ(pread(fd, buf, 4, 0), 3);
    CHECK(memcmp(buf, "abc", 3) == 0);
    return CASE_PASS;
}

/* ---- a full file system ---- */

/* statfs of the scratch directory's file system: sizes consistent,
 * f_namelen 255, the same for fstatfs. */
FS_CASE(fs_statfs) {
    struct statfs s, t;
    CHECK_OK(statfs(".", &s));
    CHECK(s.f_bsize > 0);
    CHECK(s.f_blocks >= s.f_bfree && s.f_bfree >= s.f_bavail);
    CHECK_EQ(s.f_namelen, 255);
    int fd = open(".", O_RDONLY | O_DIRECTORY);
    CHECK_OK(fd);
    CHECK_OK(fstatfs(fd, &t));
    CHECK(s.f_type == t.f_type && s.f_bsize == t.f_bsize && s.f_blocks == t.f_blocks);
    CHECK_ERR(statfs("missing", &s), ENOENT);
    CHECK_ERR(fstatfs(999, &s), EBADF);
    return CASE_PASS;
}

/* Filling the file system: writes in 1 MiB pieces end with ENOSPC
 * (perhaps after a short write), never anything else, and the file holds
 * exactly what was written; removing it gives the space back. Skipped
 * where /tmp is too large to fill (the host); NyanOS's tmpfs has a cap. */
FS_CASE(fs_enospc) {
    struct statfs s;
    CHECK_OK(statfs(".", &s));
    unsigned long long avail = (unsigned long long)s.f_bavail * s.f_bsize;
    if (avail > (256ull << 20))
        return skip("file system too large to fill (%llu MiB available)", avail >> 20);
    enum { CHUNK = 1 << 20 };
    static unsigned char chunk[CHUNK];
    memset(chunk, 'z', sizeof chunk);
    int fd = open("big", O_WRONLY | O_CREAT, 0644);
    CHECK_OK(fd);
    unsigned long long total = 0;
    int err = 0;
    while (total <= avail + (64ull << 20)) {
        long n = write(fd, chunk, CHUNK);
        if (n < 0) {
            err = errno;
            break;
        }
        if (n == 0) return fail("write returned 0 after %llu bytes", total);
        total += (unsigned long long)n;
    }
    if (err != ENOSPC)
        return fail("after %llu bytes: %s, expected ENOSPC", total,
                    err ? errno_name(err) : "still writing past the free space");
    /* A further write fails the same way. */
    CHECK_ERR(write(fd, chunk, CHUNK), ENOSPC);
    struct stat st;
    CHECK_OK(fstat(fd, &st));
    CHECK_EQ(st.st_size, (long)total);
    CHECK_OK(close(fd));
    CHECK_OK(unlink("big"));
    fd = open("again", O_WRONLY | O_CREAT, 0644);
    CHECK_OK(fd);
    CHECK_EQ(write(fd, chunk, CHUNK), CHUNK);
    return CASE_PASS;
}

/* flock(2): a lock belongs to the open file description (a dup shares
 * it, another open() of the file does not); many shared or one exclusive;
 * LOCK_NB gives EWOULDBLOCK; the last close of the description drops it;
 * a blocked LOCK_EX is granted when the holder unlocks. */
FS_CASE(fs_flock) {
    CHECK_OK(put_file("f", "x", 1));
    int a = open("f", O_RDONLY);
    int b = open("f", O_RDONLY);
    CHECK_OK(a);
    CHECK_OK(b);
    CHECK_OK(flock(a, LOCK_EX));
    CHECK_ERR(flock(b, LOCK_EX | LOCK_NB), EWOULDBLOCK);
    CHECK_ERR(flock(b, LOCK_SH | LOCK_NB), EWOULDBLOCK);
    int a2 = dup(a);
    CHECK_OK(a2);
    CHECK_OK(flock(a2, LOCK_EX | LOCK_NB)); /* the same description */
    CHECK_OK(flock(a, LOCK_SH));            /* a downgrade */
    CHECK_OK(flock(b, LOCK_SH | LOCK_NB));
    int c = open("f", O_RDONLY);
    CHECK_OK(c);
    CHECK_ERR(flock(c, LOCK_EX | LOCK_NB), EWOULDBLOCK);
    CHECK_OK(flock(b, LOCK_UN));
    CHECK_OK(close(a));
    CHECK_ERR(flock(c, LOCK_EX | LOCK_NB), EWOULDBLOCK); /* a2 still holds it */
    CHECK_OK(close(a2));
    CHECK_OK(flock(c, LOCK_EX | LOCK_NB));
    /* A child's blocking LOCK_EX waits for the parent's unlock. */
    int p[2];
    CHECK_OK(pipe(p));
    fflush(NULL);
    pid_t child = fork();
    CHECK_OK(child);
    if (child == 0) {
        int d = open("f", O_RDONLY);
        if (d < 0 || flock(d, LOCK_EX) != 0) _exit(1);
        _exit(write(p[1], "k", 1) == 1 ? 0 : 2);
    }
    close(p[1]);
    usleep(100 * 1000);
    CHECK_OK(flock(c, LOCK_UN));
    char got;
    CHECK_EQ(read(p[0], &got, 1), 1);
    CHECK_EXITED(wait_status(child), 0);
    CHECK_ERR(flock(c, 0), EINVAL);
    CHECK_ERR(flock(c, LOCK_SH | LOCK_EX), EINVAL);
    CHECK_ERR(flock(999, LOCK_SH), EBADF);
    close(p[0]);
    close(b);
    close(c);
    return CASE_PASS;
}

/* fcntl byte-range locks, seen from another process (a fork: classic
 * locks are not inherited) through F_GETLK, which it reports back over a
 * pipe. */
#ifndef F_OFD_GETLK
#define F_OFD_GETLK 36
#define F_OFD_SETLK 37
#define F_OFD_SETLKW 38
#endif

static int set_lock(int fd, int cmd, short type, short whence, off_t start, off_t len) {
    struct flock l = {.l_type = type, .l_whence = whence, .l_start = start, .l_len = len};
    return fcntl(fd, cmd, &l);
}

/* What F_GETLK says of a write lock over [start, start+len) of `fd`'s file,
 * asked by a child process; l_type -1 if the child failed. */
static struct flock lock_seen_by_child(int fd, off_t start, off_t len) {
    struct flock l = {.l_type = -1};
    int p[2];
    if (pipe(p) != 0) return l;
    fflush(NULL);
    pid_t child = fork();
    if (child == 0) {
        struct flock q = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = start, .l_len = len};
        if (fcntl(fd, F_GETLK, &q) != 0) q.l_type = -2;
        _exit(write(p[1], &q, sizeof q) == sizeof q ? 0 : 1);
    }
    close(p[1]);
    if (child < 0 || read(p[0], &l, sizeof l) != sizeof l) l.l_type = -1;
    close(p[0]);
    if (child > 0) wait_status(child);
    return l;
}

/* Classic locks: another process sees them (type, range, pid), its own
 * locks never conflict, ranges by SEEK_SET/SEEK_END and negative lengths,
 * Linux's EINVAL/EBADF/EAGAIN, and any close of the file drops the
 * process's locks on it. */
FS_CASE(fs_record_locks) {
    char data[100] = {0};
    CHECK_OK(put_file("f", data, sizeof data));
    int fd = open("f", O_RDWR);
    CHECK_OK(fd);
    CHECK_OK(set_lock(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 50));
    struct flock own = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 10, .l_len = 1};
    CHECK_OK(fcntl(fd, F_GETLK, &own));
    CHECK_EQ(own.l_type, F_UNLCK); /* a process's own lock */
    CHECK_EQ(own.l_start, 10);
    struct flock seen = lock_seen_by_child(fd, 10, 1);
    CHECK_EQ(seen.l_type, F_WRLCK);
    CHECK_EQ(seen.l_whence, SEEK_SET);
    CHECK_EQ(seen.l_start, 0);
    CHECK_EQ(seen.l_len, 50);
    CHECK_EQ(seen.l_pid, getpid());
    CHECK_EQ(lock_seen_by_child(fd, 50, 10).l_type, F_UNLCK);
    /* A read lock in the middle cuts the write lock in three. */
    CHECK_OK(set_lock(fd, F_SETLK, F_RDLCK, SEEK_SET, 20, 10));
    seen = lock_seen_by_child(fd, 20, 30);
    CHECK_EQ(seen.l_type, F_RDLCK);
    CHECK_EQ(seen.l_start, 20);
    CHECK_EQ(seen.l_len, 10);
    /* From the end, to the end; and a negative length reaching back. */
    CHECK_OK(set_lock(fd, F_SETLK, F_UNLCK, SEEK_SET, 0, 0));
    CHECK_OK(set_lock(fd, F_SETLK, F_WRLCK, SEEK_END, -10, 0));
    seen = lock_seen_by_child(fd, 0, 0);
    CHECK_EQ(seen.l_start, 90);
    CHECK_EQ(seen.l_len, 0);
    CHECK_OK(set_lock(fd, F_SETLK, F_RDLCK, SEEK_SET, 10, -5));
    seen = lock_seen_by_child(fd, 0, 50);
    CHECK_EQ(seen.l_type, F_RDLCK);
    CHECK_EQ(seen.l_start, 5);
    CHECK_EQ(seen.l_len, 5);
    /* Bad requests. */
    CHECK_ERR(set_lock(fd, F_SETLK, 7, SEEK_SET, 0, 1), EINVAL);
    CHECK_ERR(set_lock(fd, F_SETLK, F_RDLCK, 5, 0, 1), EINVAL);
    CHECK_ERR(set_lock(fd, F_SETLK, F_RDLCK, SEEK_SET, -1, 1), EINVAL);
    CHECK_ERR(set_lock(fd, F_SETLK, F_RDLCK, SEEK_SET, 3, -4), EINVAL);
    CHECK_ERR(set_lock(fd, F_GETLK, F_UNLCK, SEEK_SET, 0, 1), EINVAL);
    int ro = open("f", O_RDONLY);
    CHECK_OK(ro);
    CHECK_ERR(set_lock(ro, F_SETLK, F_WRLCK, SEEK_SET, 0, 1), EBADF);
    CHECK_ERR(set_lock(999, F_SETLK, F_RDLCK, SEEK_SET, 0, 1), EBADF);
    /* Closing any descriptor of the file drops the process's locks. */
    CHECK_OK(close(ro));
    CHECK_EQ(lock_seen_by_child(fd, 0, 0).l_type, F_UNLCK);
    /* A child's F_SETLK meets the parent's lock: EAGAIN. */
    CHECK_OK(set_lock(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 1));
    fflush(NULL);
    pid_t child = fork();
    CHECK_OK(child);
    if (child == 0) {
        if (set_lock(fd, F_SETLK, F_RDLCK, SEEK_SET, 0, 1) != -1 || errno != EAGAIN) _exit(1);
        _exit(set_lock(fd, F_SETLK, F_RDLCK, SEEK_SET, 1, 1) == 0 ? 0 : 2);
    }
    CHECK_EXITED(wait_status(child), 0);
    close(fd);
    return CASE_PASS;
}

/* The waiting cases' start: a file "f" open read-write with a write lock
 * on its first `length` bytes, and a pipe `p` for a child to say it is
 * ready; -1 if any step fails. Output is flushed for the fork to come. */
static int write_locked_file(off_t length, int p[2]) {
    if (put_file("f", "xy", 2) < 0) return -1;
    int fd = open("f", O_RDWR);
    if (fd < 0 || set_lock(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, length) != 0 || pipe(p) != 0)
        return -1;
    fflush(NULL);
    return fd;
}

/* F_SETLKW waits for the holder's unlock, and a wait that would close a
 * cycle of two processes is EDEADLK. */
FS_CASE(fs_record_lock_wait) {
    int p[2];
    int fd = write_locked_file(1, p);
    CHECK_OK(fd);
    pid_t child = fork();
    CHECK_OK(child);
    if (child == 0) {
        if (set_lock(fd, F_SETLK, F_WRLCK, SEEK_SET, 1, 1) != 0) _exit(1);
        if (write(p[1], "1", 1) != 1) _exit(2);
        /* Blocks until the parent lets byte 0 go. */
        if (set_lock(fd, F_SETLKW, F_WRLCK, SEEK_SET, 0, 1) != 0) _exit(3);
        _exit(0);
    }
    char got;
    CHECK_EQ(read(p[0], &got, 1), 1);
    usleep(100 * 1000); /* the child is waiting for byte 0 by now */
    /* Waiting for the child's byte 1 would deadlock. */
    CHECK_ERR(set_lock(fd, F_SETLKW, F_WRLCK, SEEK_SET, 1, 1), EDEADLK);
    CHECK_OK(set_lock(fd, F_SETLK, F_UNLCK, SEEK_SET, 0, 1));
    CHECK_EXITED(wait_status(child), 0);
    close(p[0]);
    close(p[1]);
    close(fd);
    return CASE_PASS;
}

/* Waiters look again whenever a lock changes: turning part of a write
 * lock into a read lock lets a reader waiting on that part in; and a
 * waiter that was woken no longer counts as waiting, so the former holder
 * may wait for it without a false EDEADLK. */
FS_CASE(fs_record_lock_wakeups) {
    int p[2];
    int fd = write_locked_file(100, p);
    CHECK_OK(fd);
    pid_t child = fork();
    CHECK_OK(child);
    if (child == 0) {
        alarm(5);
        if (write(p[1], "1", 1) != 1) _exit(2);
        _exit(set_lock(fd, F_SETLKW, F_RDLCK, SEEK_SET, 0, 10) == 0 ? 0 : 3);
    }
    char got;
    CHECK_EQ(read(p[0], &got, 1), 1);
    usleep(100 * 1000);
    CHECK_OK(set_lock(fd, F_SETLK, F_RDLCK, SEEK_SET, 0, 10)); /* cuts, frees nothing */
    CHECK_EXITED(wait_status(child), 0);
    CHECK_OK(set_lock(fd, F_SETLK, F_UNLCK, SEEK_SET, 0, 0));
    /* The former holder waits for the byte its woken waiter holds. */
    CHECK_OK(set_lock(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 1));
    int q[2];
    CHECK_OK(pipe(q));
    fflush(NULL);
    child = fork();
    CHECK_OK(child);
    if (child == 0) {
        alarm(5);
        if (set_lock(fd, F_SETLK, F_WRLCK, SEEK_SET, 1, 1) != 0) _exit(2);
        if (write(p[1], "1", 1) != 1) _exit(3);
        if (set_lock(fd, F_SETLKW, F_WRLCK, SEEK_SET, 0, 1) != 0) _exit(4);
        char y;
        _exit(read(q[0], &y, 1) == 1 ? 0 : 5); /* holds both until told */
    }
    CHECK_EQ(read(p[0], &got, 1), 1);
    usleep(50 * 1000);
    CHECK_OK(set_lock(fd, F_SETLK, F_UNLCK, SEEK_SET, 0, 1));
    CHECK_EQ(write(q[1], "y", 1), 1);
    CHECK_OK(set_lock(fd, F_SETLKW, F_WRLCK, SEEK_SET, 1, 1));
    CHECK_EXITED(wait_status(child), 0);
    close(p[0]);
    close(p[1]);
    close(q[0]);
    close(q[1]);
    close(fd);
    return CASE_PASS;
}

/* Open-file-description locks: owned by the description, so two opens in
 * one process conflict; F_GETLK reports pid -1; l_pid must be 0; the last
 * close of the description drops them. */
FS_CASE(fs_record_locks_ofd) {
    CHECK_OK(put_file("f", "0123456789", 10));
    int a = open("f", O_RDWR);
    int b = open("f", O_RDWR);
    CHECK_OK(a);
    CHECK_OK(b);
    CHECK_OK(set_lock(a, F_OFD_SETLK, F_WRLCK, SEEK_SET, 0, 5));
    CHECK_ERR(set_lock(b, F_OFD_SETLK, F_RDLCK, SEEK_SET, 4, 1), EAGAIN);
    struct flock q = {.l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
    CHECK_OK(fcntl(b, F_OFD_GETLK, &q));
    CHECK_EQ(q.l_type, F_WRLCK);
    CHECK_EQ(q.l_pid, -1);
    CHECK_EQ(q.l_len, 5);
    /* A classic lock of this process conflicts with it too. */
    CHECK_ERR(set_lock(b, F_SETLK, F_RDLCK, SEEK_SET, 0, 1), EAGAIN);
    struct flock bad = {.l_type = F_RDLCK, .l_whence = SEEK_SET, .l_pid = 1};
    CHECK_ERR(fcntl(b, F_OFD_SETLK, &bad), EINVAL);
    int a2 = dup(a);
    CHECK_OK(a2);
    CHECK_OK(close(a)); /* a2 keeps the description */
    CHECK_ERR(set_lock(b, F_OFD_SETLK, F_RDLCK, SEEK_SET, 0, 1), EAGAIN);
    CHECK_OK(close(a2));
    CHECK_OK(set_lock(b, F_OFD_SETLK, F_RDLCK, SEEK_SET, 0, 1));
    close(b);
    return CASE_PASS;
}

/* ---- directory descriptors ---- */

/* The *at calls against a directory descriptor, which follows its
 * directory through a rename; read() of a directory is EISDIR, write()
 * EBADF (it is open read-only). */
FS_CASE(fs_dirfd) {
    CHECK_OK(mkdir("d", 0755));
    int dfd = open("d", O_RDONLY | O_DIRECTORY);
    CHECK_OK(dfd);
    int fd = openat(dfd, "f", O_WRONLY | O_CREAT, 0644);
    CHECK_OK(fd);
    CHECK_EQ(write(fd, "abc", 3), 3);
    close(fd);
    struct stat st;
    CHECK_OK(stat("d/f", &st));
    CHECK_EQ(st.st_size, 3);
    CHECK_OK(fstatat(dfd, "f", &st, 0));
    CHECK_EQ(st.st_size, 3);
    CHECK_OK(mkdirat(dfd, "sub", 0755));
    CHECK_OK(symlinkat("f", dfd, "l"));
    char buf[16];
    CHECK_EQ(readlinkat(dfd, "l", buf, sizeof buf), 1);
    CHECK_OK(linkat(dfd, "f", dfd, "g", 0));
    CHECK_OK(renameat(dfd, "g", AT_FDCWD, "moved"));
    CHECK_EQ(get_file("moved", buf, sizeof buf), 3);
    CHECK_OK(rename("d", "e"));
    CHECK_OK(fstatat(dfd, "sub", &st, 0));
    CHECK(S_ISDIR(st.st_mode));
    CHECK_OK(unlinkat(dfd, "sub", AT_REMOVEDIR));
    CHECK_OK(unlinkat(dfd, "l", 0));
    CHECK_ERR(access("e/sub", F_OK), ENOENT);
    CHECK_ERR(read(dfd, buf, 1), EISDIR);
    CHECK_ERR(write(dfd, buf, 1), EBADF);
    CHECK_OK(fchdir(dfd));
    char cwd[256];
    CHECK(getcwd(cwd, sizeof cwd) != NULL);
    size_t len = strlen(cwd);
    CHECK(len >= 2 && strcmp(cwd + len - 2, "/e") == 0);
    CHECK_EQ(get_file("f", buf, sizeof buf), 3);
    CHECK_OK(chdir(g_scratch));
    int file = open("moved", O_RDONLY);
    CHECK_OK(file);
    CHECK_ERR(openat(file, "x", O_RDONLY), ENOTDIR);
    CHECK_ERR(mkdirat(file, "x", 0755), ENOTDIR);
    CHECK_ERR(unlinkat(file, "x", 0), ENOTDIR);
    CHECK_ERR(fstatat(999, "x", &st, 0), EBADF);
    CHECK_ERR(mkdirat(999, "x", 0755), EBADF);
    return CASE_PASS;
}

/* ---- statx ---- */

/* struct statx (linux/stat.h; musl 1.2.3 has neither it nor the wrapper). */
struct statx_ts {
    int64_t tv_sec;
    uint32_t tv_nsec;
    int32_t reserved;
};
struct statx_buf {
    uint32_t stx_mask, stx_blksize;
    uint64_t stx_attributes;
    uint32_t stx_nlink, stx_uid, stx_gid;
    uint16_t stx_mode, spare0;
    uint64_t stx_ino, stx_size, stx_blocks, stx_attributes_mask;
    struct statx_ts stx_atime, stx_btime, stx_ctime, stx_mtime;
    uint32_t stx_rdev_major, stx_rdev_minor, stx_dev_major, stx_dev_minor;
    uint64_t stx_mnt_id;
    uint32_t dio_mem_align, dio_offset_align;
    uint64_t spare3[12];
};
#define STATX_BASIC_STATS_ 0x7ffu
#define STATX_MNT_ID_ 0x1000u

static long statx_call(int dirfd, const char* path, int flags, unsigned mask,
                       struct statx_buf* buf) {
    return syscall(SYS_statx, dirfd, path, flags, mask, buf);
}

/* Checks that statx and stat agree on a file. */
static int statx_matches(const struct statx_buf* x, const struct stat* st) {
    CHECK((x->stx_mask & STATX_BASIC_STATS_) == STATX_BASIC_STATS_);
    CHECK(x->stx_mask & STATX_MNT_ID_);
    CHECK(x->stx_mnt_id != 0);
    CHECK_EQ(x->stx_mode, st->st_mode);
    CHECK_EQ(x->stx_ino, st->st_ino);
    CHECK_EQ(x->stx_nlink, st->st_nlink);
    CHECK_EQ(x->stx_uid, st->st_uid);
    CHECK_EQ(x->stx_gid, st->st_gid);
    CHECK_EQ(x->stx_size, st->st_size);
    CHECK_EQ(x->stx_blocks, st->st_blocks);
    CHECK_EQ(x->stx_blksize, st->st_blksize);
    CHECK_EQ(makedev(x->stx_dev_major, x->stx_dev_minor), st->st_dev);
    CHECK_EQ(makedev(x->stx_rdev_major, x->stx_rdev_minor), st->st_rdev);
    CHECK_EQ(x->stx_mtime.tv_sec, st->st_mtim.tv_sec);
    CHECK_EQ(x->stx_mtime.tv_nsec, st->st_mtim.tv_nsec);
    CHECK_EQ(x->stx_ctime.tv_sec, st->st_ctim.tv_sec);
    CHECK_EQ(x->stx_atime.tv_sec, st->st_atim.tv_sec);
    return CASE_PASS;
}

/* statx(2) agrees with stat on a file, a directory, a link, a device and
 * a pipe, and refuses what Linux 6.1 refuses, in its order. */
FS_CASE(fs_statx) {
    struct statx_buf x;
    struct stat st;
    CHECK_OK(put_file("f", "hello", 5));
    CHECK_OK(symlink("f", "link"));
    const char* paths[] = {"f", ".", "/dev/null", "/proc/self/stat"};
    for (unsigned i = 0; i < sizeof paths / sizeof paths[0]; ++i) {
        memset(&x, 0xa5, sizeof x);
        CHECK_OK(statx_call(AT_FDCWD, paths[i], 0, STATX_BASIC_STATS_, &x));
        CHECK_OK(stat(paths[i], &st));
        if (statx_matches(&x, &st) != CASE_PASS) return CASE_FAIL;
    }
    CHECK_OK(statx_call(AT_FDCWD, "link", AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS_, &x));
    CHECK_OK(lstat("link", &st));
    CHECK(S_ISLNK(x.stx_mode));
    if (statx_matches(&x, &st) != CASE_PASS) return CASE_FAIL;
    CHECK_EQ(x.stx_size, 1);
    /* The same answer whatever the mask asks for. */
    CHECK_OK(statx_call(AT_FDCWD, "f", 0, 0, &x));
    CHECK((x.stx_mask & STATX_BASIC_STATS_) == STATX_BASIC_STATS_);
    CHECK_EQ(x.stx_size, 5);

    int p[2];
    CHECK_OK(pipe(p));
    CHECK_OK(statx_call(p[0], "", AT_EMPTY_PATH, STATX_BASIC_STATS_, &x));
    CHECK_OK(fstat(p[0], &st));
    CHECK(S_ISFIFO(x.stx_mode));
    if (statx_matches(&x, &st) != CASE_PASS) return CASE_FAIL;
    close(p[0]);
    close(p[1]);

    /* statx(2) EINVAL: a reserved mask bit, both sync flags, an unknown
     * flag; ENOENT for an empty path without AT_EMPTY_PATH; EFAULT. */
    CHECK_ERR(statx_call(AT_FDCWD, "f", 0, 0x80000000u, &x), EINVAL);
    CHECK_ERR(statx_call(AT_FDCWD, "f", 0x6000, STATX_BASIC_STATS_, &x), EINVAL);
    CHECK_OK(statx_call(AT_FDCWD, "f", 0x2000, STATX_BASIC_STATS_, &x));
    CHECK_ERR(statx_call(AT_FDCWD, "f", 0x1, STATX_BASIC_STATS_, &x), EINVAL);
    CHECK_ERR(statx_call(AT_FDCWD, "", 0, STATX_BASIC_STATS_, &x), ENOENT);
    CHECK_ERR(statx_call(AT_FDCWD, "missing", 0, STATX_BASIC_STATS_, &x), ENOENT);
    /* The mask and flags are checked before the path is looked at. */
    CHECK_ERR(statx_call(AT_FDCWD, (const char*)ADDR_UNMAPPED_LOW, 0, 0x80000000u, &x), EINVAL);
    CHECK_ERR(statx_call(AT_FDCWD, (const char*)ADDR_UNMAPPED_LOW, 0x1, 0, &x), EINVAL);
    CHECK_ERR(statx_call(AT_FDCWD, (const char*)ADDR_UNMAPPED_LOW, 0, 0, &x), EFAULT);
    CHECK_ERR(statx_call(AT_FDCWD, "f", 0, STATX_BASIC_STATS_,
                         (struct statx_buf*)ADDR_UNMAPPED_LOW), EFAULT);
    CHECK_ERR(statx_call(1000, "f2", 0, STATX_BASIC_STATS_, &x), EBADF);
    CHECK_OK(unlink("link"));
    CHECK_OK(unlink("f"));
    return CASE_PASS;
}

CASE_TABLE(fs_attr) = {
    {"fs-stat-fields", fs_stat_fields},
    {"fs-statx", fs_statx},
    {"fs-times-write", fs_times_write},
    {"fs-utimensat", fs_utimensat},
    {"fs-chmod-umask", fs_chmod_umask},
    {"fs-chown", fs_chown},
    {"fs-fsync", fs_fsync},
    {"fs-mmap-shared", fs_mmap_shared},
    {"fs-mmap-private", fs_mmap_private},
    {"fs-mmap-sigbus", fs_mmap_sigbus},
    {"fs-etxtbsy", fs_etxtbsy},
    {"fs-efault", fs_efault},
    {"fs-statfs", fs_statfs},
    {"fs-enospc", fs_enospc},
    {"fs-dirfd", fs_dirfd},
    {"fs-flock", fs_flock},
    {"fs-record-locks", fs_record_locks},
    {"fs-record-lock-wait", fs_record_lock_wait},
    {"fs-record-locks-ofd", fs_record_locks_ofd},
    {"fs-record-lock-wakeups", fs_record_lock_wakeups},
    CASE_TABLE_END,
};
