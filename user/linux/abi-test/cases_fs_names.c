/* Names in the file system: mkdir, rmdir, unlink, link, symlink and
 * readlink, rename and renameat2, and what getdents64 lists. Each case runs
 * in a scratch directory of its own (FS_CASE, fs.h; the helpers live in
 * cases_fs.c). */
#include "fs.h"

#include <dirent.h>
#include <sys/mman.h>
#include <sys/sysmacros.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#define RENAME_EXCHANGE (1 << 1)
#endif

static long renameat2_(const char* from, const char* to, unsigned flags) {
    return syscall(SYS_renameat2, AT_FDCWD, from, AT_FDCWD, to, flags);
}

/* One entry of a listing. */
struct ent {
    char name[256];
    unsigned char type;
    unsigned long ino;
    int seen;
};

/* Lists dir with getdents64 in calls of bufsize bytes, checking each
 * record's shape; returns the number of entries (at most max), or -1 with
 * errno (EINVAL for a malformed record). */
static int list_dir(const char* dir, struct ent* out, int max, size_t bufsize) {
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return -1;
    static char buf[8192] __attribute__((aligned(8)));
    if (bufsize > sizeof buf) bufsize = sizeof buf;
    int count = 0;
    for (;;) {
        long n = syscall(SYS_getdents64, fd, buf, bufsize);
        if (n < 0) {
            int e = errno;
            close(fd);
            errno = e;
            return -1;
        }
        if (n == 0) break;
        for (long off = 0; off < n;) {
            struct fs_dirent64* d = (struct fs_dirent64*)(buf + off);
            size_t len = strnlen(d->d_name, 256);
            if (d->d_reclen % 8 || d->d_reclen < 19 + len + 1 || off + d->d_reclen > n ||
                len > 255) {
                close(fd);
                errno = EINVAL;
                return -1;
            }
            if (count < max) {
                memcpy(out[count].name, d->d_name, len + 1);
                out[count].type = d->d_type;
                out[count].ino = (unsigned long)d->d_ino;
                out[count].seen = 0;
            }
            ++count;
            off += d->d_reclen;
        }
    }
    close(fd);
    return count;
}

static const struct ent* find(const struct ent* e, int n, const char* name) {
    for (int i = 0; i < n; ++i)
        if (!strcmp(e[i].name, name)) return &e[i];
    return NULL;
}

/* ---- mkdir and rmdir ---- */

/* mkdir(2): mode & ~umask & 01777 (the sticky bit kept, set-ID bits not);
 * EEXIST for any existing name (file, directory, dangling link, ".", "..",
 * "/"); ENOENT/ENOTDIR for the path on the way; a trailing slash is fine;
 * mkdirat against a descriptor. */
FS_CASE(fs_mkdir) {
    CHECK_OK(mkdir("d", 0777));
    struct stat st;
    CHECK_OK(stat("d", &st));
    CHECK_EQ(st.st_mode, S_IFDIR | 0755);
    CHECK_EQ(st.st_nlink, 2);
    CHECK_EQ(st.st_uid, geteuid());
    CHECK_OK(mkdir("s", 07777));
    CHECK_EQ(mode_of("s"), S_IFDIR | 01755);
    CHECK_OK(mkdir("z", 0));
    CHECK_EQ(mode_of("z"), S_IFDIR);
    CHECK_OK(mkdir("t/", 0700));
    CHECK_EQ(mode_of("t"), S_IFDIR | 0700);
    CHECK_OK(put_file("f", "x", 1));
    CHECK_OK(symlink("missing", "dangle"));
    CHECK_ERR(mkdir("d", 0755), EEXIST);
    CHECK_ERR(mkdir("d/", 0755), EEXIST);
    CHECK_ERR(mkdir("f", 0755), EEXIST);
    CHECK_ERR(mkdir("dangle", 0755), EEXIST);
    CHECK_ERR(access("missing", F_OK), ENOENT);
    CHECK_ERR(mkdir(".", 0755), EEXIST);
    CHECK_ERR(mkdir("..", 0755), EEXIST);
    CHECK_ERR(mkdir("/", 0755), EEXIST);
    CHECK_ERR(mkdir("missing/x", 0755), ENOENT);
    CHECK_ERR(mkdir("f/x", 0755), ENOTDIR);
    CHECK_ERR(mkdir("", 0755), ENOENT);
    int dfd = open("d", O_RDONLY | O_DIRECTORY);
    CHECK_OK(dfd);
    CHECK_OK(mkdirat(dfd, "sub", 0750));
    CHECK_EQ(mode_of("d/sub"), S_IFDIR | 0750);
    CHECK_ERR(mkdirat(dfd, "sub", 0750), EEXIST);
    int file = open("f", O_RDONLY);
    CHECK_OK(file);
    CHECK_ERR(mkdirat(file, "x", 0755), ENOTDIR);
    CHECK_ERR(mkdirat(999, "x", 0755), EBADF);
    return CASE_PASS;
}

/* A directory's st_nlink is 2 plus its subdirectories (each one's ".."),
 * files not counted; mkdir, rmdir and renames across parents keep it so. */
FS_CASE(fs_mkdir_nlink) {
    CHECK_EQ(nlink_of("."), 2);
    CHECK_OK(mkdir("a", 0755));
    CHECK_EQ(nlink_of("."), 3);
    CHECK_EQ(nlink_of("a"), 2);
    CHECK_OK(mkdir("a/b", 0755));
    CHECK_OK(mkdir("a/c", 0755));
    CHECK_OK(put_file("a/f", "", 0));
    CHECK_OK(symlink("b", "a/l"));
    CHECK_EQ(nlink_of("a"), 4);
    CHECK_OK(rmdir("a/b"));
    CHECK_EQ(nlink_of("a"), 3);
    CHECK_OK(rename("a/c", "c"));
    CHECK_EQ(nlink_of("a"), 2);
    CHECK_EQ(nlink_of("."), 4);
    /* Over an empty directory: one subdirectory fewer here. */
    CHECK_OK(mkdir("x", 0755));
    CHECK_EQ(nlink_of("."), 5);
    CHECK_OK(rename("c", "x"));
    CHECK_EQ(nlink_of("."), 4);
    CHECK_EQ(nlink_of("x"), 2);
    /* A file moving does not count. */
    CHECK_OK(rename("a/f", "x/f"));
    CHECK_EQ(nlink_of("a"), 2);
    CHECK_EQ(nlink_of("x"), 2);
    return CASE_PASS;
}

/* rmdir(2): ENOTEMPTY for a directory with anything in it; ENOTDIR for a
 * file or a link to a directory; EINVAL for "." as the last component,
 * ENOTEMPTY for ".."; EBUSY for "/"; a trailing slash is fine;
 * unlinkat(AT_REMOVEDIR) is rmdir, and other flags are EINVAL. */
FS_CASE(fs_rmdir) {
    CHECK_OK(mkdir("d", 0755));
    CHECK_OK(put_file("d/f", "", 0));
    CHECK_ERR(rmdir("d"), ENOTEMPTY);
    CHECK_OK(unlink("d/f"));
    CHECK_OK(mkdir("d/sub", 0755));
    CHECK_ERR(rmdir("d"), ENOTEMPTY);
    CHECK_OK(rmdir("d/sub/"));
    CHECK_OK(symlink("x", "d/l"));
    CHECK_ERR(rmdir("d"), ENOTEMPTY);
    CHECK_OK(unlink("d/l"));
    CHECK_OK(rmdir("d"));
    CHECK_ERR(access("d", F_OK), ENOENT);
    CHECK_ERR(rmdir("d"), ENOENT);
    CHECK_OK(put_file("f", "", 0));
    CHECK_OK(mkdir("e", 0755));
    CHECK_OK(symlink("e", "le"));
    CHECK_ERR(rmdir("f"), ENOTDIR);
    CHECK_ERR(rmdir("f/x"), ENOTDIR);
    CHECK_ERR(rmdir("le"), ENOTDIR);
    CHECK_ERR(rmdir("."), EINVAL);
    CHECK_ERR(rmdir("e/."), EINVAL);
    CHECK_ERR(rmdir(".."), ENOTEMPTY);
    CHECK_ERR(rmdir("e/.."), ENOTEMPTY);
    CHECK_ERR(rmdir("/"), EBUSY);
    CHECK_ERR(rmdir(""), ENOENT);
    CHECK_EQ(mode_of("e"), S_IFDIR | 0755);
    CHECK_ERR(unlinkat(AT_FDCWD, "f", AT_REMOVEDIR), ENOTDIR);
    CHECK_ERR(unlinkat(AT_FDCWD, "e", AT_SYMLINK_NOFOLLOW), EINVAL);
    CHECK_ERR(unlinkat(AT_FDCWD, "e", 0x1000), EINVAL);
    CHECK_OK(unlinkat(AT_FDCWD, "e", AT_REMOVEDIR));
    CHECK_ERR(access("e", F_OK), ENOENT);
    return CASE_PASS;
}

/* A removed directory that is still someone's working directory or open
 * lives on empty: st_nlink 0, nothing can be created in it (ENOENT),
 * getdents64 on it is ENOENT, getcwd is ENOENT. */
FS_CASE(fs_rmdir_busy) {
    CHECK_OK(mkdir("d", 0755));
    CHECK_OK(mkdir("e", 0755));
    int efd = open("e", O_RDONLY | O_DIRECTORY);
    CHECK_OK(efd);
    CHECK_OK(chdir("d"));
    char path[128];
    snprintf(path, sizeof path, "%s/d", g_scratch);
    CHECK_OK(rmdir(path));
    CHECK_ERR(open("x", O_WRONLY | O_CREAT, 0644), ENOENT);
    CHECK_ERR(mkdir("y", 0755), ENOENT);
    CHECK_ERR(symlink("t", "z"), ENOENT);
    struct stat st;
    CHECK_OK(stat(".", &st));
    CHECK(S_ISDIR(st.st_mode));
    CHECK_EQ(st.st_nlink, 0);
    char cwd[256];
    CHECK_ERR(syscall(SYS_getcwd, cwd, sizeof cwd), ENOENT);
    CHECK_OK(chdir(g_scratch));
    CHECK_ERR(access("d", F_OK), ENOENT);
    CHECK_OK(rmdir("e"));
    CHECK_ERR(openat(efd, "x", O_WRONLY | O_CREAT, 0644), ENOENT);
    CHECK_ERR(mkdirat(efd, "y", 0755), ENOENT);
    CHECK_OK(fstat(efd, &st));
    CHECK_EQ(st.st_nlink, 0);
    static char buf[1024] __attribute__((aligned(8)));
    CHECK_ERR(syscall(SYS_getdents64, efd, buf, sizeof buf), ENOENT);
    /* The names are free again. */
    CHECK_OK(mkdir("d", 0755));
    CHECK_OK(put_file("e", "", 0));
    return CASE_PASS;
}

/* ---- unlink ---- */

/* unlink(2): a directory is EISDIR (Linux's choice; POSIX says EPERM), so
 * are "." and ".."; a missing name ENOENT; a file on the way or a trailing
 * slash after a file ENOTDIR; a symbolic link is removed, not its target;
 * unlinkat takes only AT_REMOVEDIR. */
FS_CASE(fs_unlink) {
    CHECK_OK(put_file("f", "data", 4));
    CHECK_OK(mkdir("d", 0755));
    CHECK_OK(symlink("f", "l"));
    CHECK_OK(symlink("d", "ld"));
    CHECK_ERR(unlink("d"), EISDIR);
    CHECK_ERR(unlink("d/"), EISDIR);
    CHECK_ERR(unlink("."), EISDIR);
    CHECK_ERR(unlink(".."), EISDIR);
    CHECK_ERR(unlink("missing"), ENOENT);
    CHECK_ERR(unlink(""), ENOENT);
    CHECK_ERR(unlink("f/"), ENOTDIR);
    CHECK_ERR(unlink("f/x"), ENOTDIR);
    CHECK_ERR(unlinkat(AT_FDCWD, "f", AT_SYMLINK_NOFOLLOW), EINVAL);
    CHECK_OK(unlink("l"));
    CHECK_ERR(lstat("l", &(struct stat){0}), ENOENT);
    char buf[8];
    CHECK_EQ(get_file("f", buf, sizeof buf), 4);
    /* A link to a directory is a file to unlink. */
    CHECK_OK(unlink("ld"));
    CHECK_EQ(mode_of("d"), S_IFDIR | 0755);
    int dfd = open("d", O_RDONLY | O_DIRECTORY);
    CHECK_OK(dfd);
    CHECK_OK(put_file("d/g", "", 0));
    CHECK_OK(unlinkat(dfd, "g", 0));
    CHECK_ERR(access("d/g", F_OK), ENOENT);
    CHECK_OK(unlink("f"));
    CHECK_ERR(unlink("f"), ENOENT);
    /* The name can be used again at once. */
    CHECK_OK(put_file("f", "new", 3));
    CHECK_EQ(get_file("f", buf, sizeof buf), 3);
    return CASE_PASS;
}

/* ---- link ---- */

/* link(2): both names are one inode (st_ino, st_nlink, data); a directory
 * cannot be linked (EPERM); an existing new name is EEXIST; a missing
 * source or directory ENOENT; a trailing slash on the new name ENOENT.
 * linkat links a symbolic link itself unless AT_SYMLINK_FOLLOW. */
FS_CASE(fs_link) {
    CHECK_OK(put_file("f", "data", 4));
    CHECK_OK(link("f", "g"));
    CHECK_EQ(nlink_of("f"), 2);
    CHECK_EQ(nlink_of("g"), 2);
    CHECK_EQ(ino_of("f"), ino_of("g"));
    int fd = open("g", O_WRONLY | O_APPEND);
    CHECK_OK(fd);
    CHECK_EQ(write(fd, "+g", 2), 2);
    close(fd);
    char buf[16];
    CHECK_EQ(get_file("f", buf, sizeof buf), 6);
    CHECK(memcmp(buf, "data+g", 6) == 0);
    CHECK_OK(mkdir("d", 0755));
    CHECK_OK(link("f", "d/h"));
    CHECK_EQ(nlink_of("g"), 3);
    CHECK_OK(unlink("f"));
    CHECK_EQ(nlink_of("g"), 2);
    CHECK_EQ(get_file("d/h", buf, sizeof buf), 6);
    CHECK_ERR(link("d", "dl"), EPERM);
    CHECK_ERR(link("g", "g"), EEXIST);
    CHECK_ERR(link("g", "d/h"), EEXIST);
    CHECK_ERR(link("g", "d"), EEXIST);
    CHECK_ERR(link("missing", "x"), ENOENT);
    CHECK_ERR(link("g", "missing/x"), ENOENT);
    CHECK_ERR(link("g/", "x"), ENOTDIR);
    CHECK_ERR(link("g", "x/"), ENOENT);
    CHECK_ERR(link("g", "g/x"), ENOTDIR);
    CHECK_ERR(access("x", F_OK), ENOENT);
    /* Symbolic links: the link itself, or with AT_SYMLINK_FOLLOW its target. */
    CHECK_OK(symlink("g", "s"));
    CHECK_OK(linkat(AT_FDCWD, "s", AT_FDCWD, "s2", 0));
    CHECK(S_ISLNK(mode_of("s2")));
    CHECK_EQ(ino_of("s2"), ino_of("s"));
    CHECK_EQ(nlink_of("s"), 2);
    CHECK_OK(linkat(AT_FDCWD, "s", AT_FDCWD, "g2", AT_SYMLINK_FOLLOW));
    CHECK(S_ISREG(mode_of("g2")));
    CHECK_EQ(ino_of("g2"), ino_of("g"));
    CHECK_EQ(nlink_of("g"), 3);
    CHECK_ERR(linkat(AT_FDCWD, "g", AT_FDCWD, "g3", 0x1), EINVAL);
    /* A dangling link can be linked, but not followed. */
    CHECK_OK(symlink("missing", "dangle"));
    CHECK_OK(linkat(AT_FDCWD, "dangle", AT_FDCWD, "dangle2", 0));
    CHECK_ERR(linkat(AT_FDCWD, "dangle", AT_FDCWD, "dangle3", AT_SYMLINK_FOLLOW), ENOENT);
    return CASE_PASS;
}

/* ---- symbolic links ---- */

/* symlink(2) stores any target text: a relative one resolves from the
 * link's directory, an absolute one from the root; lstat describes the
 * link (S_IFLNK, st_size the target's length), stat the target (ENOENT if
 * dangling); an empty target is ENOENT, an existing name EEXIST; a target
 * of 4095 bytes is fine, 4096 ENAMETOOLONG. */
FS_CASE(fs_symlink) {
    CHECK_OK(put_file("f", "data", 4));
    CHECK_OK(mkdir("sub", 0755));
    char abs[128];
    snprintf(abs, sizeof abs, "%s/f", g_scratch);
    CHECK_OK(symlink("f", "rel"));
    CHECK_OK(symlink(abs, "abs"));
    CHECK_OK(symlink("../f", "sub/up"));
    CHECK_OK(symlinkat("../f", AT_FDCWD, "sub/up2"));
    char buf[4200];
    CHECK_EQ(get_file("rel", buf, sizeof buf), 4);
    CHECK_EQ(get_file("abs", buf, sizeof buf), 4);
    CHECK_EQ(get_file("sub/up", buf, sizeof buf), 4);
    CHECK_EQ(get_file("sub/up2", buf, sizeof buf), 4);
    struct stat st;
    CHECK_OK(lstat("abs", &st));
    CHECK(S_ISLNK(st.st_mode));
    CHECK_EQ(st.st_size, strlen(abs));
    CHECK_EQ(st.st_nlink, 1);
    CHECK_OK(stat("abs", &st));
    CHECK(S_ISREG(st.st_mode));
    CHECK_EQ(st.st_size, 4);
    CHECK_EQ(st.st_ino, ino_of("f"));
    /* Dangling. */
    CHECK_OK(symlink("nowhere/../x", "dangle"));
    CHECK_ERR(stat("dangle", &st), ENOENT);
    CHECK_ERR(open("dangle", O_RDONLY), ENOENT);
    CHECK_OK(lstat("dangle", &st));
    CHECK_EQ(st.st_size, 12);
    CHECK_EQ(readlink("dangle", buf, sizeof buf), 12);
    CHECK(memcmp(buf, "nowhere/../x", 12) == 0);
    /* Errors. */
    CHECK_ERR(symlink("", "empty"), ENOENT);
    CHECK_ERR(symlink("x", "f"), EEXIST);
    CHECK_ERR(symlink("x", "rel"), EEXIST);
    CHECK_ERR(symlink("x", "sub"), EEXIST);
    CHECK_ERR(symlink("x", "missing/l"), ENOENT);
    CHECK_ERR(symlink("x", "f/l"), ENOTDIR);
    CHECK_ERR(symlink("x", "new/"), ENOENT);
    CHECK_ERR(symlinkat("x", 999, "l"), EBADF);
    /* Long targets. */
    memset(buf, 'a', 4095);
    buf[4095] = 0;
    CHECK_OK(symlink(buf, "long"));
    char back[4200];
    CHECK_EQ(readlink("long", back, sizeof back), 4095);
    CHECK(memcmp(back, buf, 4095) == 0);
    CHECK_OK(lstat("long", &st));
    CHECK_EQ(st.st_size, 4095);
    buf[4095] = 'a';
    buf[4096] = 0;
    CHECK_ERR(symlink(buf, "toolong"), ENAMETOOLONG);
    CHECK_ERR(access("toolong", F_OK), ENOENT);
    return CASE_PASS;
}

/* readlink(2): the target without a NUL, truncated silently to the buffer;
 * EINVAL for what is not a symbolic link (a trailing slash follows the
 * link first) and for a size of 0; readlinkat against a descriptor. */
FS_CASE(fs_readlink) {
    CHECK_OK(put_file("f", "data", 4));
    CHECK_OK(mkdir("d", 0755));
    CHECK_OK(symlink("target-text", "l"));
    CHECK_OK(symlink("d", "ld"));
    CHECK_OK(symlink("f", "lf"));
    char buf[32];
    memset(buf, '#', sizeof buf);
    CHECK_EQ(readlink("l", buf, sizeof buf), 11);
    CHECK(memcmp(buf, "target-text#", 12) == 0);
    memset(buf, '#', sizeof buf);
    CHECK_EQ(readlink("l", buf, 3), 3);
    CHECK(memcmp(buf, "tar#", 4) == 0);
    CHECK_EQ(readlink("l", buf, 11), 11);
    CHECK_ERR(syscall(SYS_readlink, "l", buf, 0), EINVAL);
    CHECK_ERR(syscall(SYS_readlink, "l", buf, -1), EINVAL);
    CHECK_ERR(readlink("f", buf, sizeof buf), EINVAL);
    CHECK_ERR(readlink("d", buf, sizeof buf), EINVAL);
    CHECK_ERR(readlink("ld/", buf, sizeof buf), EINVAL);
    CHECK_ERR(readlink("lf/", buf, sizeof buf), ENOTDIR);
    CHECK_ERR(readlink("missing", buf, sizeof buf), ENOENT);
    CHECK_ERR(readlink("", buf, sizeof buf), ENOENT);
    CHECK_OK(symlink("../f", "d/up"));
    CHECK_EQ(readlink("ld/up", buf, sizeof buf), 4);
    CHECK(memcmp(buf, "../f", 4) == 0);
    int dfd = open("d", O_RDONLY | O_DIRECTORY);
    CHECK_OK(dfd);
    CHECK_EQ(readlinkat(dfd, "up", buf, sizeof buf), 4);
    int file = open("f", O_RDONLY);
    CHECK_OK(file);
    CHECK_ERR(readlinkat(file, "up", buf, sizeof buf), ENOTDIR);
    CHECK_ERR(readlinkat(999, "up", buf, sizeof buf), EBADF);
    return CASE_PASS;
}

/* Symbolic links on the way through a path: followed, through chains; ".."
 * after a link goes to the parent of where the link led (not back to the
 * link's directory); a trailing slash follows a link to a directory;
 * chdir through a link lands in the physical directory. */
FS_CASE(fs_symlink_walk) {
    CHECK_OK(mkdir("a", 0755));
    CHECK_OK(mkdir("a/b", 0755));
    CHECK_OK(put_file("a/b/f", "data", 4));
    CHECK_OK(mkdir("other", 0755));
    CHECK_OK(symlink("../a/b", "other/lb"));
    CHECK_OK(symlink("other/lb", "llb"));
    struct stat st;
    CHECK_OK(stat("other/lb/f", &st));
    CHECK_EQ(st.st_ino, ino_of("a/b/f"));
    CHECK_OK(stat("llb/./f", &st));
    CHECK_EQ(st.st_ino, ino_of("a/b/f"));
    CHECK_OK(stat("other/lb/..", &st));
    CHECK_EQ(st.st_ino, ino_of("a"));
    CHECK_OK(stat("llb/../..", &st));
    CHECK_EQ(st.st_ino, ino_of("."));
    CHECK_OK(lstat("llb/", &st));
    CHECK(S_ISDIR(st.st_mode));
    CHECK_OK(lstat("llb", &st));
    CHECK(S_ISLNK(st.st_mode));
    CHECK_OK(symlink("/", "root"));
    struct stat root;
    CHECK_OK(stat("/", &root));
    CHECK_OK(stat("root", &st));
    CHECK(st.st_ino == root.st_ino && st.st_dev == root.st_dev);
    CHECK_OK(stat("root/..", &st));
    CHECK_EQ(st.st_ino, root.st_ino);
    CHECK_OK(chdir("llb"));
    char cwd[256], want[256];
    CHECK(getcwd(cwd, sizeof cwd) != NULL);
    snprintf(want, sizeof want, "%s/a/b", g_scratch);
    if (strcmp(cwd, want) != 0) return fail("getcwd after chdir(llb) = %s, expected %s", cwd, want);
    CHECK_OK(chdir(".."));
    CHECK(getcwd(cwd, sizeof cwd) != NULL);
    snprintf(want, sizeof want, "%s/a", g_scratch);
    if (strcmp(cwd, want) != 0) return fail("getcwd after chdir(..) = %s, expected %s", cwd, want);
    CHECK_OK(chdir(g_scratch));
    return CASE_PASS;
}

/* ---- rename ---- */

/* rename(2) of a file: over an existing file, which goes (its name now the
 * moved inode; an open descriptor still reads the old one, st_nlink 0);
 * into another directory; a symbolic link moves as itself. ENOENT for a
 * missing source or directory, ENOTDIR for a file on the way, EBUSY for
 * "." or ".." as either last component. */
FS_CASE(fs_rename_file) {
    CHECK_OK(put_file("a", "AAA", 3));
    CHECK_OK(put_file("b", "BBB", 3));
    unsigned long ia = ino_of("a");
    int fdb = open("b", O_RDONLY);
    CHECK_OK(fdb);
    CHECK_OK(rename("a", "b"));
    CHECK_ERR(access("a", F_OK), ENOENT);
    CHECK_EQ(ino_of("b"), ia);
    char buf[8];
    CHECK_EQ(get_file("b", buf, sizeof buf), 3);
    CHECK(memcmp(buf, "AAA", 3) == 0);
    struct stat st;
    CHECK_OK(fstat(fdb, &st));
    CHECK_EQ(st.st_nlink, 0);
    CHECK_EQ(pread(fdb, buf, sizeof buf, 0), 3);
    CHECK(memcmp(buf, "BBB", 3) == 0);
    CHECK_OK(mkdir("d", 0755));
    CHECK_OK(rename("b", "d/c"));
    CHECK_EQ(ino_of("d/c"), ia);
    CHECK_ERR(access("b", F_OK), ENOENT);
    CHECK_OK(symlink("d/c", "l"));
    CHECK_OK(rename("l", "l2"));
    CHECK(S_ISLNK(mode_of("l2")));
    CHECK_EQ(get_file("l2", buf, sizeof buf), 3);
    CHECK_ERR(rename("missing", "x"), ENOENT);
    CHECK_ERR(rename("d/c", "missing/x"), ENOENT);
    CHECK_ERR(rename("d/c", "d/c/x"), ENOTDIR);
    CHECK_ERR(rename("d/c/", "x"), ENOTDIR);
    CHECK_ERR(rename("", "x"), ENOENT);
    CHECK_ERR(rename("d/c", ""), ENOENT);
    CHECK_ERR(rename(".", "x"), EBUSY);
    CHECK_ERR(rename("d/..", "x"), EBUSY);
    CHECK_ERR(rename("d/c", "."), EBUSY);
    CHECK_ERR(rename("d/c", "d/.."), EBUSY);
    CHECK_EQ(ino_of("d/c"), ia);
    return CASE_PASS;
}

/* rename(2) with directories: a file over a directory is EISDIR, a
 * directory over a file ENOTDIR, over a non-empty directory ENOTEMPTY,
 * over an empty one fine; into its own subtree EINVAL; ".." follows a
 * directory moved to another parent. */
FS_CASE(fs_rename_dir) {
    CHECK_OK(mkdir("d1", 0755));
    CHECK_OK(put_file("d1/f", "x", 1));
    CHECK_OK(put_file("file", "y", 1));
    CHECK_OK(mkdir("empty", 0755));
    CHECK_OK(mkdir("full", 0755));
    CHECK_OK(put_file("full/x", "", 0));
    unsigned long id1 = ino_of("d1");
    CHECK_ERR(rename("file", "d1"), EISDIR);
    CHECK_ERR(rename("file", "empty"), EISDIR);
    CHECK_ERR(rename("d1", "file"), ENOTDIR);
    CHECK_ERR(rename("d1", "full"), ENOTEMPTY);
    CHECK_OK(rename("d1", "empty"));
    CHECK_EQ(ino_of("empty"), id1);
    CHECK_ERR(access("d1", F_OK), ENOENT);
    CHECK_OK(access("empty/f", F_OK));
    CHECK_ERR(rename("empty", "empty/sub"), EINVAL);
    CHECK_OK(mkdir("empty/sub2", 0755));
    CHECK_ERR(rename("empty", "empty/sub2/x"), EINVAL);
    CHECK_ERR(rename("empty", "empty/sub2"), EINVAL);
    CHECK_OK(rename("full", "full"));
    CHECK_OK(access("full/x", F_OK));
    /* Across parents. */
    CHECK_OK(mkdir("p1", 0755));
    CHECK_OK(mkdir("p2", 0755));
    CHECK_OK(mkdir("p1/c", 0755));
    CHECK_OK(rename("p1/c", "p2/c"));
    CHECK_EQ(nlink_of("p1"), 2);
    CHECK_EQ(nlink_of("p2"), 3);
    struct stat st;
    CHECK_OK(stat("p2/c/..", &st));
    CHECK_EQ(st.st_ino, ino_of("p2"));
    /* Trailing slashes are fine on directories. */
    CHECK_OK(rename("p2/c/", "p2/e/"));
    CHECK_OK(access("p2/e", F_OK));
    CHECK_ERR(rename("file", "newname/"), ENOTDIR);
    CHECK_ERR(access("newname", F_OK), ENOENT);
    return CASE_PASS;
}

/* rename(2): "If oldpath and newpath are existing hard links referring to
 * the same file, then rename() does nothing, and returns a success
 * status" -- both names stay; a name renamed to itself likewise. */
FS_CASE(fs_rename_same) {
    CHECK_OK(put_file("a", "x", 1));
    CHECK_OK(rename("a", "a"));
    CHECK_EQ(nlink_of("a"), 1);
    CHECK_OK(rename("a", "./a"));
    CHECK_OK(link("a", "b"));
    CHECK_OK(rename("a", "b"));
    CHECK_OK(access("a", F_OK));
    CHECK_OK(access("b", F_OK));
    CHECK_EQ(nlink_of("a"), 2);
    CHECK_OK(renameat2_("a", "b", RENAME_EXCHANGE));
    CHECK_EQ(nlink_of("b"), 2);
    CHECK_OK(mkdir("d", 0755));
    CHECK_OK(rename("d", "d"));
    CHECK_EQ(mode_of("d"), S_IFDIR | 0755);
    return CASE_PASS;
}

/* renameat2(2): RENAME_NOREPLACE is EEXIST for any existing new name
 * (even the same file), RENAME_EXCHANGE swaps two names atomically
 * (files, or a file and a directory) and needs both (ENOENT); the two
 * together, or unknown flags, are EINVAL. */
FS_CASE(fs_renameat2) {
    CHECK_OK(put_file("a", "A", 1));
    CHECK_OK(put_file("b", "B", 1));
    unsigned long ia = ino_of("a"), ib = ino_of("b");
    CHECK_ERR(renameat2_("a", "b", RENAME_NOREPLACE), EEXIST);
    CHECK_ERR(renameat2_("a", "a", RENAME_NOREPLACE), EEXIST);
    CHECK_OK(symlink("missing", "dangle"));
    CHECK_ERR(renameat2_("a", "dangle", RENAME_NOREPLACE), EEXIST);
    CHECK_EQ(ino_of("b"), ib);
    CHECK_OK(renameat2_("a", "c", RENAME_NOREPLACE));
    CHECK_EQ(ino_of("c"), ia);
    CHECK_ERR(access("a", F_OK), ENOENT);
    CHECK_OK(renameat2_("c", "b", RENAME_EXCHANGE));
    CHECK_EQ(ino_of("b"), ia);
    CHECK_EQ(ino_of("c"), ib);
    char buf[4];
    CHECK_EQ(get_file("b", buf, sizeof buf), 1);
    CHECK_EQ(buf[0], 'A');
    CHECK_ERR(renameat2_("b", "missing", RENAME_EXCHANGE), ENOENT);
    CHECK_ERR(renameat2_("missing", "b", RENAME_EXCHANGE), ENOENT);
    CHECK_OK(mkdir("d", 0755));
    CHECK_OK(put_file("d/inside", "", 0));
    unsigned long id = ino_of("d");
    CHECK_OK(renameat2_("b", "d", RENAME_EXCHANGE));
    CHECK(S_ISDIR(mode_of("b")) && ino_of("b") == id);
    CHECK(S_ISREG(mode_of("d")) && ino_of("d") == ia);
    CHECK_OK(access("b/inside", F_OK));
    CHECK_ERR(renameat2_("c", "d", RENAME_NOREPLACE | RENAME_EXCHANGE), EINVAL);
    CHECK_ERR(renameat2_("c", "e", 1 << 5), EINVAL);
    CHECK_EQ(ino_of("c"), ib);
    /* Against directory descriptors. */
    int bfd = open("b", O_RDONLY | O_DIRECTORY);
    CHECK_OK(bfd);
    CHECK_OK(syscall(SYS_renameat2, bfd, "inside", AT_FDCWD, "out", 0));
    CHECK_OK(access("out", F_OK));
    CHECK_ERR(syscall(SYS_renameat2, 999, "x", AT_FDCWD, "y", 0), EBADF);
    return CASE_PASS;
}

/* ---- getdents64 ---- */

/* getdents64 lists ".", ".." and every name with its inode number and
 * d_type (DT_REG, DT_DIR, DT_LNK), once; removed names are gone, new ones
 * there; lseek to 0 starts over; at the end it keeps returning 0. */
FS_CASE(fs_getdents) {
    CHECK_OK(put_file("f1", "", 0));
    CHECK_OK(put_file("f2", "", 0));
    CHECK_OK(mkdir("d", 0755));
    CHECK_OK(symlink("f1", "l"));
    static struct ent e[16];
    int n = list_dir(".", e, 16, 4096);
    if (n < 0) return fail("getdents64: %s", errno_name(errno));
    CHECK_EQ(n, 6);
    static const struct {
        const char* name;
        int type;
    } want[] = {{".", DT_DIR},  {"..", DT_DIR}, {"f1", DT_REG},
                {"f2", DT_REG}, {"d", DT_DIR},  {"l", DT_LNK}};
    for (int i = 0; i < 6; ++i) {
        const struct ent* x = find(e, n, want[i].name);
        if (!x) return fail("%s not listed", want[i].name);
        if (x->type != want[i].type)
            return fail("%s listed with d_type %d, expected %d", x->name, x->type, want[i].type);
        if (x->ino != ino_of(want[i].name))
            return fail("%s listed with d_ino %lu, lstat says %lu", x->name, x->ino,
                        ino_of(want[i].name));
    }
    CHECK_OK(unlink("f1"));
    CHECK_OK(rmdir("d"));
    CHECK_OK(put_file("f3", "", 0));
    n = list_dir(".", e, 16, 4096);
    CHECK_EQ(n, 5);
    CHECK(find(e, n, "f1") == NULL && find(e, n, "d") == NULL);
    CHECK(find(e, n, "f2") && find(e, n, "f3") && find(e, n, "l") && find(e, n, ".") &&
          find(e, n, ".."));
    /* Starting over, and the end. */
    int fd = open(".", O_RDONLY | O_DIRECTORY);
    CHECK_OK(fd);
    static char buf[4096] __attribute__((aligned(8)));
    long first = syscall(SYS_getdents64, fd, buf, sizeof buf);
    CHECK(first > 0);
    CHECK_EQ(syscall(SYS_getdents64, fd, buf, sizeof buf), 0);
    CHECK_EQ(syscall(SYS_getdents64, fd, buf, sizeof buf), 0);
    CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
    CHECK_EQ(syscall(SYS_getdents64, fd, buf, sizeof buf), first);
    /* A buffer too small for the next record. */
    CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
    CHECK_ERR(syscall(SYS_getdents64, fd, buf, 16), EINVAL);
    int file = open("f2", O_RDONLY);
    CHECK_OK(file);
    CHECK_ERR(syscall(SYS_getdents64, file, buf, sizeof buf), ENOTDIR);
    CHECK_ERR(syscall(SYS_getdents64, 999, buf, sizeof buf), EBADF);
    return CASE_PASS;
}

/* A directory of 300 entries listed through a small buffer (many calls)
 * shows each exactly once; then, listed the way rm -r does (remove what
 * each call returned before the next call), every entry still comes
 * exactly once and the directory ends up empty. */
FS_CASE(fs_getdents_many) {
    enum { N = 300 };
    char name[64];
    for (int i = 0; i < N; ++i) {
        snprintf(name, sizeof name, "entry-%03d-with-a-longer-name-%0*d", i, i % 17, 0);
        CHECK_OK(put_file(name, "", 0));
    }
    static struct ent e[N + 8];
    int n = list_dir(".", e, N + 8, 256);
    if (n < 0) return fail("getdents64: %s", errno_name(errno));
    CHECK_EQ(n, N + 2);
    static int seen[N];
    for (int i = 0; i < n; ++i) {
        int k;
        if (!strcmp(e[i].name, ".") || !strcmp(e[i].name, "..")) continue;
        if (sscanf(e[i].name, "entry-%d-", &k) != 1 || k < 0 || k >= N)
            return fail("unexpected name %s", e[i].name);
        if (seen[k]++) return fail("%s listed twice", e[i].name);
    }
    /* Remove as we go. */
    memset(seen, 0, sizeof seen);
    int fd = open(".", O_RDONLY | O_DIRECTORY);
    CHECK_OK(fd);
    static char buf[512] __attribute__((aligned(8)));
    long got;
    int removed = 0;
    while ((got = syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0) {
        for (long off = 0; off < got;) {
            struct fs_dirent64* d = (struct fs_dirent64*)(buf + off);
            off += d->d_reclen;
            if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, "..")) continue;
            int k;
            if (sscanf(d->d_name, "entry-%d-", &k) != 1 || k < 0 || k >= N)
                return fail("unexpected name %s", d->d_name);
            if (seen[k]++) return fail("%s listed twice while removing", d->d_name);
            CHECK_OK(unlink(d->d_name));
            ++removed;
        }
    }
    CHECK_EQ(got, 0);
    CHECK_EQ(removed, N);
    n = list_dir(".", e, N + 8, 4096);
    CHECK_EQ(n, 2);
    return CASE_PASS;
}

/* mknod of a character device: stat reports its number, and it opens as
 * the device that number names (1:3 is /dev/null's); a number no driver
 * has opens as ENXIO; it lists as DT_CHR and unlinks like any name. */
FS_CASE(fs_mknod_char) {
    CHECK_OK(mknod("null", S_IFCHR | 0644, makedev(1, 3)));
    struct stat st;
    CHECK_OK(stat("null", &st));
    CHECK(S_ISCHR(st.st_mode));
    CHECK_EQ(major(st.st_rdev), 1);
    CHECK_EQ(minor(st.st_rdev), 3);
    mode_t mask = umask(0);
    umask(mask);
    CHECK_EQ(st.st_mode & 07777, 0644 & ~mask);
    int fd = open("null", O_RDWR);
    CHECK_OK(fd);
    CHECK_EQ(write(fd, "abc", 3), 3);
    char c;
    CHECK_EQ(read(fd, &c, 1), 0);
    struct stat opened;
    CHECK_OK(fstat(fd, &opened));
    CHECK_EQ(opened.st_ino, st.st_ino); /* the node's own inode */
    close(fd);
    CHECK_OK(mknod("zero", S_IFCHR | 0600, makedev(1, 5)));
    fd = open("zero", O_RDONLY);
    CHECK_OK(fd);
    c = 'x';
    CHECK_EQ(read(fd, &c, 1), 1);
    CHECK_EQ(c, 0);
    char* zeros = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0); /* as /dev/zero maps */
    CHECK(zeros != MAP_FAILED);
    CHECK_EQ(zeros[100], 0);
    CHECK_OK(munmap(zeros, 4096));
    close(fd);
    CHECK_OK(mknod("nodriver", S_IFCHR | 0600, makedev(240, 7)));
    CHECK_ERR(open("nodriver", O_RDONLY), ENXIO);
    CHECK_ERR(mknod("null", S_IFCHR | 0600, makedev(1, 3)), EEXIST);
    CHECK_ERR(mknod("null", S_IFBLK | 0600, makedev(8, 0)), EEXIST); /* the name first */
    /* Without privilege a device is EPERM (0:0, the whiteout, is anyone's);
     * the directory is opened to all so that its permission is not what
     * refuses. */
    CHECK_OK(chmod(".", 0777));
    fflush(NULL);
    pid_t child = fork();
    CHECK_OK(child);
    if (child == 0) {
        if (setuid(1000) != 0) _exit(1);
        if (mknod("mine", S_IFCHR | 0600, makedev(1, 3)) != -1 || errno != EPERM) _exit(2);
        _exit(mknod("whiteout", S_IFCHR | 0600, 0) == 0 ? 0 : 3);
    }
    CHECK_EXITED(wait_status(child), 0);
    CHECK_OK(chmod(".", 0700));
    CHECK_OK(unlink("whiteout"));
    DIR* dir = opendir(".");
    CHECK(dir != NULL);
    int chr = 0;
    for (struct dirent* e; (e = readdir(dir));)
        if (e->d_type == DT_CHR) ++chr;
    closedir(dir);
    CHECK_EQ(chr, 3);
    CHECK_OK(unlink("null"));
    CHECK_OK(unlink("zero"));
    CHECK_OK(unlink("nodriver"));
    return CASE_PASS;
}

/* A FIFO (mkfifo(3) is mknod with S_IFIFO): a named pipe. Opening it
 * O_WRONLY|O_NONBLOCK without a reader is ENXIO, O_RDONLY|O_NONBLOCK never
 * waits; a blocking open waits for the other side; what is written is
 * read through the name; the last writer's close gives the reader EOF;
 * lseek is ESPIPE; nothing stays in the FIFO once every end is closed. */
FS_CASE(fs_fifo) {
    CHECK_OK(mknod("p", S_IFIFO | 0640, 0));
    struct stat st;
    CHECK_OK(stat("p", &st));
    CHECK(S_ISFIFO(st.st_mode));
    CHECK_EQ(st.st_mode & 07777, 0640 & ~022);
    CHECK_ERR(mknod("p", S_IFIFO | 0600, 0), EEXIST);
    CHECK_ERR(mknod("d", S_IFDIR | 0700, 0), EPERM);
    CHECK_ERR(open("p", O_WRONLY | O_NONBLOCK), ENXIO);
    int r = open("p", O_RDONLY | O_NONBLOCK);
    CHECK_OK(r);
    int w = open("p", O_WRONLY | O_NONBLOCK);
    CHECK_OK(w);
    CHECK_EQ(write(w, "abc", 3), 3);
    char buf[8];
    CHECK_EQ(read(r, buf, sizeof buf), 3);
    CHECK(memcmp(buf, "abc", 3) == 0);
    CHECK_ERR(lseek(r, 0, SEEK_SET), ESPIPE);
    CHECK_ERR(read(r, buf, sizeof buf), EAGAIN); /* a writer is open */
    CHECK_OK(close(w));
    CHECK_EQ(read(r, buf, sizeof buf), 0); /* EOF: no writer */
    CHECK_OK(close(r));
    /* A blocking writer waits until a reader comes. */
    fflush(NULL);
    pid_t child = fork();
    CHECK_OK(child);
    if (child == 0) {
        int fd = open("p", O_WRONLY);
        _exit(fd >= 0 && write(fd, "late", 4) == 4 ? 0 : 1);
    }
    r = open("p", O_RDONLY);
    CHECK_OK(r);
    long got = 0;
    for (int tries = 0; tries < 100 && got < 4; ++tries) {
        long n = read(r, buf + got, sizeof buf - (size_t)got);
        if (n <= 0) break;
        got += n;
    }
    CHECK_EQ(got, 4);
    CHECK(memcmp(buf, "late", 4) == 0);
    CHECK_EXITED(wait_status(child), 0);
    CHECK_OK(close(r));
    /* O_RDWR never waits, and the FIFO keeps nothing after the last close. */
    int rw = open("p", O_RDWR);
    CHECK_OK(rw);
    CHECK_EQ(write(rw, "x", 1), 1);
    CHECK_OK(close(rw));
    r = open("p", O_RDONLY | O_NONBLOCK);
    CHECK_OK(r);
    CHECK_EQ(read(r, buf, sizeof buf), 0);
    CHECK_OK(close(r));
    CHECK_OK(unlink("p"));
    return CASE_PASS;
}

/* Which error comes first, as Linux checks: rename across file systems
 * is EXDEV before the source is looked up; a negative length is EINVAL
 * before truncate's path or ftruncate's descriptor. */
FS_CASE(fs_error_order) {
    CHECK_ERR(rename("missing", "/proc/x"), EXDEV);
    CHECK_ERR(rename(".", "/proc/x"), EXDEV);
    CHECK_ERR(rename("/proc/self/missing", "/proc/self/x"), ENOENT);
    CHECK_ERR(truncate("/no/such/file", -1), EINVAL);
    CHECK_ERR(ftruncate(999, -1), EINVAL);
    CHECK_ERR(ftruncate(999, 0), EBADF);
    return CASE_PASS;
}

/* /proc takes no new names and loses none, and says so as Linux's procfs
 * does: its lookup of a name it lacks fails (ENOENT) before any create is
 * tried, for open's O_CREAT, mkdir, mknod and symlink alike (busybox's
 * touch and mkdir report "No such file or directory"); a name it has is
 * EEXIST. */
FS_CASE(fs_proc_new_name) {
    CHECK_ERR(open("/proc/abi-new", O_WRONLY | O_CREAT, 0644), ENOENT);
    CHECK_ERR(open("/proc/self/abi-new", O_RDWR | O_CREAT | O_EXCL, 0644), ENOENT);
    CHECK_ERR(mkdir("/proc/abi-new", 0755), ENOENT);
    CHECK_ERR(mkdir("/proc/self/fd/abi-new", 0755), ENOENT);
    CHECK_ERR(mknod("/proc/abi-new", S_IFIFO | 0600, 0), ENOENT);
    CHECK_ERR(symlink("target", "/proc/self/abi-new"), ENOENT);
    CHECK_ERR(mkdir("/proc/self", 0755), EEXIST);
    /* Nor removes any: procfs has no unlink or rmdir (EPERM) for a name
     * it has; a name it lacks is ENOENT. */
    CHECK_ERR(unlink("/proc/meminfo"), EPERM);
    CHECK_ERR(unlink("/proc/self/abi-new"), ENOENT);
    CHECK_ERR(rmdir("/proc/self/fd"), EPERM);
    CHECK_ERR(rmdir("/proc/abi-new"), ENOENT);
    return CASE_PASS;
}

CASE_TABLE(fs_names) = {
    {"fs-mkdir", fs_mkdir},
    {"fs-mkdir-nlink", fs_mkdir_nlink},
    {"fs-rmdir", fs_rmdir},
    {"fs-rmdir-busy", fs_rmdir_busy},
    {"fs-unlink", fs_unlink},
    {"fs-link", fs_link},
    {"fs-symlink", fs_symlink},
    {"fs-readlink", fs_readlink},
    {"fs-symlink-walk", fs_symlink_walk},
    {"fs-rename-file", fs_rename_file},
    {"fs-rename-dir", fs_rename_dir},
    {"fs-rename-same", fs_rename_same},
    {"fs-renameat2", fs_renameat2},
    {"fs-getdents", fs_getdents},
    {"fs-getdents-many", fs_getdents_many},
    {"fs-fifo", fs_fifo},
    {"fs-mknod-char", fs_mknod_char},
    {"fs-error-order", fs_error_order},
    {"fs-proc-new-name", fs_proc_new_name},
    CASE_TABLE_END,
};
