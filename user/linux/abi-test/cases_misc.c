/* The everyday calls that fit no other group: preadv/pwritev and their v2
 * forms, memfd_create, fallocate, mincore, the mlock family and
 * personality. Raw syscall() throughout: the C library may not wrap the
 * newer ones. */
#include "suite.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>

#define MFD_CLOEXEC_ 1u
#define RWF_UNKNOWN_ 0x10000
#define FALLOC_KEEP_SIZE_ 1
#define FALLOC_PUNCH_HOLE_ 2
#define FALLOC_COLLAPSE_RANGE_ 8

static int memfd(const char* name, unsigned flags) {
    return (int)syscall(SYS_memfd_create, name, flags);
}

static int misc_preadv(void) {
    int fd = memfd("vec", 0);
    CHECK_OK(fd);
    char a[4] = "abcd", b[3] = "xyz";
    struct iovec w[2] = {{a, 4}, {b, 3}};
    CHECK_EQ(syscall(SYS_pwritev, fd, w, 2, 10, 0), 7);
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), 0); /* the offset does not move */
    struct stat st;
    CHECK_OK(fstat(fd, &st));
    CHECK_EQ(st.st_size, 17);
    char r1[5] = {0}, r2[2] = {0};
    struct iovec r[2] = {{r1, 5}, {r2, 2}};
    CHECK_EQ(syscall(SYS_preadv, fd, r, 2, 10, 0), 7);
    CHECK(memcmp(r1, "abcdx", 5) == 0 && memcmp(r2, "yz", 2) == 0);
    /* Past the end: 0; a hole reads zeros. */
    CHECK_EQ(syscall(SYS_preadv, fd, r, 2, 100, 0), 0);
    CHECK_EQ(syscall(SYS_preadv, fd, r, 1, 0, 0), 5);
    CHECK(memcmp(r1, "\0\0\0\0\0", 5) == 0);
    /* preadv2 with offset -1 uses and moves the file offset. */
    CHECK_OK(lseek(fd, 12, SEEK_SET));
    CHECK_EQ(syscall(SYS_preadv2, fd, r, 1, -1L, 0, 0), 5);
    CHECK(memcmp(r1, "cdxyz", 5) == 0);
    CHECK_EQ(lseek(fd, 0, SEEK_CUR), 17);
    CHECK_EQ(syscall(SYS_pwritev2, fd, w, 1, 0, 0, 0), 4);
    CHECK_EQ(syscall(SYS_preadv2, fd, r, 1, 0, 0, 0), 5);
    CHECK(memcmp(r1, "abcd\0", 5) == 0);
    /* Errors. */
    CHECK_ERR(syscall(SYS_preadv, fd, r, 1, -1L, 0), EINVAL);
    CHECK_ERR(syscall(SYS_pwritev, fd, w, 1, -5L, 0), EINVAL);
    CHECK_ERR(syscall(SYS_preadv2, fd, r, 1, -2L, 0, 0), EINVAL);
    CHECK_ERR(syscall(SYS_preadv2, fd, r, 1, 0, 0, RWF_UNKNOWN_), EOPNOTSUPP);
    CHECK_ERR(syscall(SYS_pwritev2, fd, w, 1, 0, 0, RWF_UNKNOWN_), EOPNOTSUPP);
    CHECK_ERR(syscall(SYS_preadv, fd, r, 1025, 0, 0), EINVAL);
    CHECK_ERR(syscall(SYS_preadv, fd, (void*)ADDR_UNMAPPED_LOW, 1, 0, 0), EFAULT);
    struct iovec bad = {(void*)ADDR_HHDM, 4};
    CHECK_ERR(syscall(SYS_preadv, fd, &bad, 1, 0, 0), EFAULT);
    CHECK_ERR(syscall(SYS_pwritev, fd, &bad, 1, 0, 0), EFAULT);
    CHECK_ERR(syscall(SYS_preadv, 999, r, 1, 0, 0), EBADF);
    int p[2];
    CHECK_OK(pipe(p));
    /* A pipe has no positions: ESPIPE even before the access mode. */
    CHECK_ERR(syscall(SYS_preadv, p[1], r, 1, 0, 0), ESPIPE);
    CHECK_ERR(syscall(SYS_pwritev, p[0], w, 1, 0, 0), ESPIPE);
    CHECK_ERR(syscall(SYS_pwritev, p[1], w, 1, 0, 0), ESPIPE);
    CHECK_ERR(syscall(SYS_preadv2, p[1], r, 1, -1L, 0, 0), EBADF);
    CHECK_ERR(syscall(SYS_pwritev2, p[0], w, 1, -1L, 0, 0), EBADF);
    char path[32];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    int ro = open(path, O_RDONLY);
    CHECK_OK(ro);
    CHECK_ERR(syscall(SYS_pwritev, ro, w, 1, 0, 0), EBADF);
    close(ro);
    close(p[0]);
    close(p[1]);
    close(fd);
    return CASE_PASS;
}

static int misc_memfd(void) {
    int fd = memfd("hello", 0);
    CHECK_OK(fd);
    char link[64], want[64];
    snprintf(want, sizeof want, "/memfd:hello (deleted)");
    char path[32];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(path, link, sizeof link - 1);
    CHECK_OK(n);
    link[n] = 0;
    if (strcmp(link, want) != 0) return fail("link %s, expected %s", link, want);
    struct stat st;
    CHECK_OK(fstat(fd, &st));
    CHECK(S_ISREG(st.st_mode));
    CHECK_EQ(st.st_mode & 0777, 0777);
    CHECK_EQ(st.st_size, 0);
    CHECK_EQ(st.st_nlink, 0);
    CHECK_EQ(fcntl(fd, F_GETFD), 0);
    CHECK_EQ(fcntl(fd, F_GETFL) & O_ACCMODE, O_RDWR);
    CHECK_EQ(write(fd, "data", 4), 4);
    /* Opening it again through /proc gives the same file. */
    int again = open(path, O_RDONLY);
    CHECK_OK(again);
    char buf[4];
    CHECK_EQ(read(again, buf, 4), 4);
    CHECK(memcmp(buf, "data", 4) == 0);
    close(again);
    /* Shared mappings see each other's writes. */
    CHECK_OK(ftruncate(fd, 4096));
    char* m = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK(m != MAP_FAILED);
    m[100] = 'Q';
    CHECK_EQ(pread(fd, buf, 1, 100), 1);
    CHECK_EQ(buf[0], 'Q');
    munmap(m, 4096);
    close(fd);

    int cl = memfd("", MFD_CLOEXEC_);
    CHECK_OK(cl);
    CHECK_EQ(fcntl(cl, F_GETFD), FD_CLOEXEC);
    close(cl);
    /* Errors: flags, a bad name, a name over 249 bytes. */
    CHECK_ERR(memfd("x", 0x100), EINVAL);
    CHECK_ERR(memfd((const char*)ADDR_UNMAPPED_LOW, 0), EFAULT);
    CHECK_ERR(memfd((const char*)ADDR_HHDM, 0), EFAULT);
    char longname[260];
    memset(longname, 'n', sizeof longname);
    longname[250] = 0;
    CHECK_ERR(memfd(longname, 0), EINVAL);
    longname[249] = 0;
    fd = memfd(longname, 0);
    CHECK_OK(fd);
    close(fd);
    return CASE_PASS;
}

static int misc_fallocate(void) {
    int fd = memfd("falloc", 0);
    CHECK_OK(fd);
    CHECK_OK(syscall(SYS_fallocate, fd, 0, 0, 5000));
    struct stat st;
    CHECK_OK(fstat(fd, &st));
    CHECK_EQ(st.st_size, 5000);
    /* Never shrinks; KEEP_SIZE keeps it. */
    CHECK_OK(syscall(SYS_fallocate, fd, 0, 0, 100));
    CHECK_OK(syscall(SYS_fallocate, fd, FALLOC_KEEP_SIZE_, 0, 100000));
    CHECK_OK(fstat(fd, &st));
    CHECK_EQ(st.st_size, 5000);
    CHECK_OK(syscall(SYS_fallocate, fd, 0, 8000, 10));
    CHECK_OK(fstat(fd, &st));
    CHECK_EQ(st.st_size, 8010);
    char buf[16];
    memset(buf, 1, sizeof buf);
    CHECK_EQ(pread(fd, buf, 16, 7990), 16);
    for (int i = 0; i < 16; ++i) CHECK_EQ(buf[i], 0);
    /* Errors, in Linux's order. */
    CHECK_ERR(syscall(SYS_fallocate, fd, 0, -1L, 10), EINVAL);
    CHECK_ERR(syscall(SYS_fallocate, fd, 0, 0, 0), EINVAL);
    CHECK_ERR(syscall(SYS_fallocate, fd, 0, 0, -5L), EINVAL);
    CHECK_ERR(syscall(SYS_fallocate, fd, 0x1000, 0, 10), EOPNOTSUPP);
    CHECK_ERR(syscall(SYS_fallocate, fd, 0, 0x7fffffffffffff00l, 0x1000), EFBIG);
    CHECK_ERR(syscall(SYS_fallocate, 999, 0, 0, 10), EBADF);
    char path[32];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    int r = open(path, O_RDONLY);
    CHECK_OK(r);
    CHECK_ERR(syscall(SYS_fallocate, r, 0, 0, 10), EBADF);
    close(r);
    int p[2];
    CHECK_OK(pipe(p));
    CHECK_ERR(syscall(SYS_fallocate, p[1], 0, 0, 10), ESPIPE);
    close(p[0]);
    close(p[1]);
    int dev = open("/dev/null", O_WRONLY);
    CHECK_OK(dev);
    CHECK_ERR(syscall(SYS_fallocate, dev, 0, 0, 10), ENODEV);
    close(dev);
    close(fd);
    return CASE_PASS;
}

static int misc_mincore(void) {
    char* m = mmap(0, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(m != MAP_FAILED);
    m[0] = 1;
    m[2 * PAGE] = 1;
    unsigned char vec[4];
    memset(vec, 0xee, sizeof vec);
    CHECK_OK(syscall(SYS_mincore, m, 4 * PAGE, vec));
    CHECK_EQ(vec[0] & 1, 1);
    CHECK_EQ(vec[1] & 1, 0);
    CHECK_EQ(vec[2] & 1, 1);
    CHECK_EQ(vec[3] & 1, 0);
    /* A partial last page counts. */
    memset(vec, 0xee, sizeof vec);
    CHECK_OK(syscall(SYS_mincore, m, 2 * PAGE + 1, vec));
    CHECK_EQ(vec[2] & 1, 1);
    CHECK_EQ(vec[3], 0xee);
    CHECK_OK(syscall(SYS_mincore, m, 0, vec));
    /* Errors. */
    CHECK_ERR(syscall(SYS_mincore, m + 1, PAGE, vec), EINVAL);
    CHECK_ERR(syscall(SYS_mincore, m, PAGE, (void*)ADDR_HHDM), EFAULT);
    CHECK_ERR(syscall(SYS_mincore, m, PAGE, (void*)ADDR_UNMAPPED_LOW), EFAULT);
    CHECK_ERR(syscall(SYS_mincore, ADDR_HHDM, PAGE, vec), ENOMEM);
    munmap(m + PAGE, PAGE);
    CHECK_ERR(syscall(SYS_mincore, m, 4 * PAGE, vec), ENOMEM);
    CHECK_ERR(syscall(SYS_mincore, m + PAGE, PAGE, vec), ENOMEM);
    munmap(m, 4 * PAGE);
    return CASE_PASS;
}

static int misc_mlock(void) {
    if (geteuid() != 0) return skip("mlock's limit for non-root users differs");
    char* m = mmap(0, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(m != MAP_FAILED);
    CHECK_OK(syscall(SYS_mlock, m, 4 * PAGE));
    CHECK_OK(syscall(SYS_munlock, m, 4 * PAGE));
    CHECK_OK(syscall(SYS_mlock, m + 1, 10)); /* rounded out to the page */
    CHECK_OK(syscall(SYS_munlock, m + 1, 10));
    CHECK_OK(syscall(SYS_mlock, m, 0));
    CHECK_OK(syscall(SYS_mlock2, m, PAGE, 0));
    CHECK_OK(syscall(SYS_mlock2, m, PAGE, 1)); /* MLOCK_ONFAULT */
    CHECK_ERR(syscall(SYS_mlock2, m, PAGE, 2), EINVAL);
    CHECK_OK(syscall(SYS_munlock, m, PAGE));
    munmap(m + PAGE, PAGE);
    CHECK_ERR(syscall(SYS_mlock, m, 4 * PAGE), ENOMEM);
    CHECK_ERR(syscall(SYS_munlock, m, 4 * PAGE), ENOMEM);
    CHECK_ERR(syscall(SYS_mlock, ADDR_UNMAPPED_LOW, PAGE), ENOMEM);
    CHECK_ERR(syscall(SYS_mlockall, 0), EINVAL);
    CHECK_ERR(syscall(SYS_mlockall, 4), EINVAL); /* MCL_ONFAULT alone */
    CHECK_ERR(syscall(SYS_mlockall, 0x10), EINVAL);
    CHECK_OK(syscall(SYS_mlockall, 1));
    CHECK_OK(syscall(SYS_munlockall));
    munmap(m, 4 * PAGE);
    return CASE_PASS;
}

static int misc_personality(void) {
    CHECK_EQ(syscall(SYS_personality, 0xffffffffl), 0);
    CHECK_EQ(syscall(SYS_personality, 0), 0);
    CHECK_EQ(syscall(SYS_personality, 0xffffffffl), 0);
    return CASE_PASS;
}


struct cap_header_ {
    unsigned version;
    int pid;
};
struct cap_data_ {
    unsigned effective, permitted, inheritable;
};
#define CAP_V1_ 0x19980330u
#define CAP_V3_ 0x20080522u

static int caps_as_user(void* arg) {
    (void)arg;
    if (setresuid(1000, 1000, 1000) != 0) return 10;
    struct cap_header_ h = {CAP_V3_, 0};
    struct cap_data_ d[2];
    memset(d, 0xff, sizeof d);
    if (syscall(SYS_capget, &h, d) != 0) return 11;
    for (int i = 0; i < 2; ++i)
        if (d[i].effective || d[i].permitted || d[i].inheritable) return 12;
    d[0].effective = d[0].permitted = 1u << 6; /* CAP_SETGID: a raise */
    errno = 0;
    if (syscall(SYS_capset, &h, d) != -1 || errno != EPERM) return 13;
    memset(d, 0, sizeof d);
    if (syscall(SYS_capset, &h, d) != 0) return 14; /* the same empty sets */
    return 0;
}

static int misc_capabilities(void) {
    if (geteuid() != 0) return skip("needs root");
    struct cap_header_ h = {CAP_V3_, 0};
    struct cap_data_ d[2];
    memset(d, 0, sizeof d);
    CHECK_OK(syscall(SYS_capget, &h, d));
    /* Root: every capability up to CAP_CHECKPOINT_RESTORE (40), none
     * inheritable. */
    CHECK_EQ(d[0].effective, 0xffffffffu);
    CHECK_EQ(d[0].permitted, 0xffffffffu);
    CHECK_EQ(d[1].effective, 0x1ffu);
    CHECK_EQ(d[1].permitted, 0x1ffu);
    CHECK_EQ(d[0].inheritable, 0);
    CHECK_EQ(d[1].inheritable, 0);
    /* Setting the same sets is fine. */
    CHECK_OK(syscall(SYS_capset, &h, d));
    /* The version handshake: a null data pointer probes; an unknown
     * version comes back as V3. */
    h.version = 0x12345678;
    CHECK_OK(syscall(SYS_capget, &h, 0));
    CHECK_EQ(h.version, CAP_V3_);
    h.version = 0x12345678;
    CHECK_ERR(syscall(SYS_capget, &h, d), EINVAL);
    CHECK_EQ(h.version, CAP_V3_);
    h.version = 0;
    CHECK_ERR(syscall(SYS_capset, &h, d), EINVAL);
    CHECK_EQ(h.version, CAP_V3_);
    /* V1: one word. */
    struct cap_data_ one[2];
    memset(one, 0xee, sizeof one);
    h.version = CAP_V1_;
    CHECK_OK(syscall(SYS_capget, &h, one));
    CHECK_EQ(one[0].effective, 0xffffffffu);
    CHECK_EQ(one[1].effective, 0xeeeeeeeeu);
    /* Other processes: ESRCH for none, EINVAL for a negative pid. */
    h.version = CAP_V3_;
    h.pid = getppid();
    CHECK_OK(syscall(SYS_capget, &h, d));
    h.pid = -1;
    CHECK_ERR(syscall(SYS_capget, &h, d), EINVAL);
    h.pid = 0x3ffffff0;
    CHECK_ERR(syscall(SYS_capget, &h, d), ESRCH);
    h.pid = getppid();
    CHECK_ERR(syscall(SYS_capset, &h, d), EPERM);
    h.pid = 0;
    CHECK_ERR(syscall(SYS_capget, (void*)ADDR_HHDM, d), EFAULT);
    CHECK_ERR(syscall(SYS_capget, &h, (void*)ADDR_HHDM), EFAULT);
    CHECK_ERR(syscall(SYS_capset, &h, (void*)ADDR_UNMAPPED_LOW), EFAULT);
    int status = run_in_child(caps_as_user, 0);
    CHECK_EXITED(status, 0);
    return CASE_PASS;
}

CASE_TABLE(misc) = {
    {"misc-preadv-pwritev", misc_preadv},
    {"misc-memfd-create", misc_memfd},
    {"misc-fallocate", misc_fallocate},
    {"misc-mincore", misc_mincore},
    {"misc-mlock", misc_mlock},
    {"misc-personality", misc_personality},
    {"misc-capabilities", misc_capabilities},
    CASE_TABLE_END,
};
