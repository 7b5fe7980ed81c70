/* mmap, munmap, mprotect, madvise and brk edge cases. */
#include "suite.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)

/* The raw calls, for the error checks: musl's mmap checks the offset and
 * length itself, and its mprotect rounds the start down to a page. */
static long sys_mmap(void* addr, size_t len, int prot, int flags, int fd, long off) {
    return syscall(SYS_mmap, addr, len, prot, flags, fd, off);
}
static long sys_mprotect(void* addr, size_t len, int prot) {
    return syscall(SYS_mprotect, addr, len, prot);
}

/* A fresh private anonymous mapping of n pages (NULL on failure). */
static unsigned char* map_pages(size_t n, int prot) {
    void* p = mmap(NULL, n * PAGE, prot, ANON, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

static int mmap_einval(void) {
    unsigned char* p = map_pages(2, RW);
    CHECK(p != NULL);
    /* mmap(2) EINVAL: "(since Linux 2.6.12) length was 0". */
    CHECK_ERR(sys_mmap(NULL, 0, RW, ANON, -1, 0), EINVAL);
    /* "addr, length, or offset were too large, or not aligned on a page
     * boundary" (for MAP_FIXED the address must be aligned). */
    CHECK_ERR(sys_mmap(p + 1, PAGE, RW, ANON | MAP_FIXED, -1, 0), EINVAL);
    CHECK_ERR(sys_mmap(NULL, PAGE, RW, ANON, -1, 100), EINVAL);
    /* "flags contained none of MAP_PRIVATE, MAP_SHARED, or MAP_SHARED_VALIDATE". */
    CHECK_ERR(sys_mmap(NULL, PAGE, RW, MAP_ANONYMOUS, -1, 0), EINVAL);
    /* ENOMEM for a length that overflows when rounded up to a page. */
    CHECK_ERR(sys_mmap(NULL, (size_t)-1, RW, ANON, -1, 0), ENOMEM);
    /* A file mapping without MAP_ANONYMOUS needs a descriptor. */
    CHECK_ERR(sys_mmap(NULL, PAGE, RW, MAP_PRIVATE, -1, 0), EBADF);
    /* munmap(2): length 0 or an unaligned address is EINVAL. */
    CHECK_ERR(munmap(p, 0), EINVAL);
    CHECK_ERR(munmap(p + 1, PAGE), EINVAL);
    /* mprotect: an unaligned start is EINVAL; length 0 succeeds and does
     * nothing; an unknown PROT bit is EINVAL. */
    CHECK_ERR(sys_mprotect(p + 1, PAGE, PROT_READ), EINVAL);
    CHECK_OK(sys_mprotect(p, 0, PROT_NONE));
    CHECK_ERR(sys_mprotect(p, PAGE, 0x1000), EINVAL);
    if (expect_no_fault(p, 1, 1, "after mprotect(len 0)")) return CASE_FAIL;
    return CASE_PASS;
}

static int mmap_fixed_noreplace(void) {
    unsigned char* p = map_pages(3, RW);
    CHECK(p != NULL);
    p[0] = 1;
    CHECK_OK(munmap(p + 2 * PAGE, PAGE));
    /* Over a mapped page: EEXIST, and the page keeps its contents. */
    CHECK_ERR(sys_mmap(p, PAGE, RW, ANON | MAP_FIXED_NOREPLACE, -1, 0), EEXIST);
    /* Partly over a mapping: EEXIST too. */
    CHECK_ERR(sys_mmap(p + PAGE, 2 * PAGE, RW, ANON | MAP_FIXED_NOREPLACE, -1, 0), EEXIST);
    CHECK_EQ(p[0], 1);
    /* Over a free range: exactly there. */
    void* q = mmap(p + 2 * PAGE, PAGE, RW, ANON | MAP_FIXED_NOREPLACE, -1, 0);
    CHECK(q == p + 2 * PAGE);
    /* MAP_FIXED replaces what was there with fresh zero pages. */
    q = mmap(p, PAGE, RW, ANON | MAP_FIXED, -1, 0);
    CHECK(q == p);
    CHECK_EQ(p[0], 0);
    return CASE_PASS;
}

static int mmap_prot_none_then_mprotect(void) {
    unsigned char* p = map_pages(4, PROT_NONE);
    CHECK(p != NULL);
    if (expect_fault(p + 10, 0, SIGSEGV, SEGV_ACCERR, "PROT_NONE read")) return CASE_FAIL;
    if (expect_fault(p + PAGE, 1, SIGSEGV, SEGV_ACCERR, "PROT_NONE write")) return CASE_FAIL;
    CHECK_OK(mprotect(p + PAGE, PAGE, RW));
    if (expect_no_fault(p + PAGE + 5, 1, 42, "write after mprotect(RW)")) return CASE_FAIL;
    CHECK_EQ(p[PAGE + 5], 42);
    CHECK_EQ(p[PAGE + 6], 0);
    if (expect_fault(p + 2 * PAGE, 0, SIGSEGV, SEGV_ACCERR, "the next page, still PROT_NONE"))
        return CASE_FAIL;
    CHECK_OK(mprotect(p + PAGE, PAGE, PROT_READ));
    if (expect_fault(p + PAGE + 5, 1, SIGSEGV, SEGV_ACCERR, "write after mprotect(PROT_READ)"))
        return CASE_FAIL;
    CHECK_EQ(p[PAGE + 5], 42);
    return CASE_PASS;
}

static int munmap_middle_splits(void) {
    unsigned char* p = map_pages(3, RW);
    CHECK(p != NULL);
    memset(p, 'a', PAGE);
    memset(p + PAGE, 'b', PAGE);
    memset(p + 2 * PAGE, 'c', PAGE);
    CHECK_OK(munmap(p + PAGE, PAGE));
    for (size_t i = 0; i < PAGE; ++i)
        if (p[i] != 'a' || p[2 * PAGE + i] != 'c') return fail("byte %zu changed after the split", i);
    if (expect_fault(p + PAGE + 123, 0, SIGSEGV, SEGV_MAPERR, "the unmapped middle")) return CASE_FAIL;
    /* Each side is a mapping of its own now. */
    CHECK_OK(mprotect(p + 2 * PAGE, PAGE, PROT_READ));
    if (expect_no_fault(p, 1, 'a', "the left side")) return CASE_FAIL;
    if (expect_fault(p + 2 * PAGE, 1, SIGSEGV, SEGV_ACCERR, "the right side, now read-only"))
        return CASE_FAIL;
    return CASE_PASS;
}

static int munmap_unmapped_ok(void) {
    unsigned char* p = map_pages(4, RW);
    CHECK(p != NULL);
    CHECK_OK(munmap(p, 4 * PAGE));
    /* munmap(2): "It is not an error if the indicated range does not
     * contain any mapped pages." */
    CHECK_EQ(munmap(p, 4 * PAGE), 0);
    CHECK_EQ(munmap(p + PAGE, PAGE), 0);
    return CASE_PASS;
}

static int mprotect_hole_enomem(void) {
    unsigned char* p = map_pages(3, RW);
    CHECK(p != NULL);
    CHECK_OK(munmap(p + PAGE, PAGE));
    /* mprotect(2) ENOMEM: "Addresses in the range [addr, addr+len-1] are
     * invalid for the address space of the process, or specify one or more
     * pages that are not mapped." (Linux changes the pages before the hole
     * and stops there; only the error is checked.) */
    CHECK_ERR(sys_mprotect(p, 3 * PAGE, PROT_READ), ENOMEM);
    CHECK_ERR(sys_mprotect(p + PAGE, PAGE, PROT_READ), ENOMEM);
    /* madvise(2) ENOMEM: "Addresses in the specified range are not
     * currently mapped". */
    CHECK_ERR(madvise(p + PAGE, PAGE, MADV_DONTNEED), ENOMEM);
    if (expect_no_fault(p + 2 * PAGE, 1, 1, "the page after the hole")) return CASE_FAIL;
    return CASE_PASS;
}

static int segv_accerr_maperr(void) {
    unsigned char* p = map_pages(2, PROT_READ);
    CHECK(p != NULL);
    /* si_addr is the faulting byte, not its page; SEGV_ACCERR for a
     * mapped page without the permission, SEGV_MAPERR for no mapping. */
    if (expect_fault(p + 123, 1, SIGSEGV, SEGV_ACCERR, "write to PROT_READ")) return CASE_FAIL;
    if (expect_fault(p + PAGE + 4095, 1, SIGSEGV, SEGV_ACCERR, "write to PROT_READ, last byte"))
        return CASE_FAIL;
    if (expect_no_fault(p + 123, 0, 0, "read of PROT_READ")) return CASE_FAIL;
    CHECK_OK(munmap(p, 2 * PAGE));
    if (expect_fault(p + 77, 0, SIGSEGV, SEGV_MAPERR, "read of an unmapped page")) return CASE_FAIL;
    if (expect_fault(p + PAGE + 1, 1, SIGSEGV, SEGV_MAPERR, "write to an unmapped page"))
        return CASE_FAIL;
    if (expect_fault((unsigned char*)0, 0, SIGSEGV, SEGV_MAPERR, "read of NULL")) return CASE_FAIL;
    return CASE_PASS;
}

static int madvise_dontneed_zeroes(void) {
    unsigned char* p = map_pages(4, RW);
    CHECK(p != NULL);
    memset(p, 0xee, 4 * PAGE);
    /* madvise(2) MADV_DONTNEED: "subsequent accesses of pages in the range
     * ... will result in zero-fill-on-demand pages for anonymous private
     * mappings". */
    CHECK_OK(madvise(p + PAGE, 2 * PAGE, MADV_DONTNEED));
    for (size_t i = 0; i < 4 * PAGE; ++i) {
        unsigned char want = (i >= PAGE && i < 3 * PAGE) ? 0 : 0xee;
        if (p[i] != want) return fail("byte %zu = %#x after MADV_DONTNEED, expected %#x", i, p[i], want);
    }
    /* Shared copy-on-write with a child: the parent's DONTNEED zeroes only
     * the parent's view. */
    memset(p, 0x11, PAGE);
    int go[2], done[2];
    CHECK_OK(pipe(go));
    CHECK_OK(pipe(done));
    fflush(NULL);
    pid_t pid = fork();
    CHECK_OK(pid);
    if (pid == 0) {
        char c;
        if (read(go[0], &c, 1) != 1) _exit(2);
        for (size_t i = 0; i < PAGE; ++i)
            if (p[i] != 0x11) _exit(3);
        _exit(0);
    }
    CHECK_OK(madvise(p, PAGE, MADV_DONTNEED));
    CHECK_EQ(p[0], 0);
    CHECK_EQ(write(go[1], "g", 1), 1);
    CHECK_EXITED(wait_status(pid), 0);
    /* An unknown advice is EINVAL. */
    CHECK_ERR(madvise(p, PAGE, 12345), EINVAL);
    return CASE_PASS;
}

static int mmap_unaligned_length(void) {
    unsigned char* p = map_pages(3, PROT_NONE);
    CHECK(p != NULL);
    /* mmap(2): the length need not be a page multiple; whole pages are
     * mapped. 5000 bytes take two pages. */
    CHECK(mmap(p, 5000, RW, ANON | MAP_FIXED, -1, 0) == p);
    if (expect_no_fault(p + 8191, 1, 1, "the rest of the second page")) return CASE_FAIL;
    if (expect_fault(p + 8192, 0, SIGSEGV, SEGV_ACCERR, "the third page, still PROT_NONE"))
        return CASE_FAIL;
    /* mprotect and munmap round the length up the same way. */
    CHECK_OK(sys_mprotect(p + 2 * PAGE, 1, PROT_READ));
    if (expect_no_fault(p + 2 * PAGE + 4000, 0, 0, "the page mprotect(len 1) covered")) return CASE_FAIL;
    CHECK_OK(munmap(p, 5000));
    if (expect_fault(p + PAGE + 100, 0, SIGSEGV, SEGV_MAPERR, "after munmap(5000)")) return CASE_FAIL;
    if (expect_no_fault(p + 2 * PAGE, 0, 0, "the third page after munmap(5000)")) return CASE_FAIL;
    return CASE_PASS;
}

/* Large reservations are lazy: 1 GiB costs only the pages touched. */
static int mmap_large_lazy(void) {
    size_t len = 1ul << 30;
    unsigned char* p = mmap(NULL, len, RW, ANON | MAP_NORESERVE, -1, 0);
    CHECK(p != MAP_FAILED);
    p[0] = 1;
    p[len / 2] = 2;
    p[len - 1] = 3;
    CHECK(p[0] == 1 && p[len / 2] == 2 && p[len - 1] == 3 && p[PAGE] == 0);
    CHECK_OK(munmap(p, len));
    return CASE_PASS;
}

static int brk_grow_shrink(void) {
    /* brk(2), the system call: returns the new break on success and the
     * current one on failure; brk(0) asks for the current break. */
    unsigned long cur = (unsigned long)syscall(SYS_brk, 0);
    CHECK(cur != 0 && cur % 8 == 0);
    CHECK_EQ(syscall(SYS_brk, 0), cur);
    unsigned long want = cur + 3 * PAGE + 5;
    CHECK_EQ(syscall(SYS_brk, want), want);
    CHECK_EQ(syscall(SYS_brk, 0), want);
    volatile unsigned char* b = (unsigned char*)cur;
    /* New break memory is zero-filled (the page holding `cur` may hold
     * earlier data below it). */
    for (unsigned long a = (cur + PAGE - 1) & ~(PAGE - 1); a < want; ++a)
        if (*(volatile unsigned char*)a) return fail("brk memory at %#lx is not zero", a);
    b[0] = 1;
    b[3 * PAGE + 4] = 2;
    /* The whole page holding the break is usable. */
    unsigned long top = (want + PAGE - 1) & ~(PAGE - 1);
    if (expect_no_fault((unsigned char*)top - 1, 1, 3, "the rest of the break's page")) return CASE_FAIL;
    if (expect_fault((unsigned char*)top, 0, SIGSEGV, SEGV_MAPERR, "above the break")) return CASE_FAIL;
    /* Shrink: the pages above the new break go away. */
    CHECK_EQ(syscall(SYS_brk, cur + PAGE), cur + PAGE);
    unsigned long gone = (cur + PAGE + PAGE - 1) & ~(PAGE - 1);
    if (expect_fault((unsigned char*)gone, 0, SIGSEGV, SEGV_MAPERR, "freed break page")) return CASE_FAIL;
    /* Grow again: the pages come back zeroed. */
    CHECK_EQ(syscall(SYS_brk, want), want);
    CHECK_EQ(b[3 * PAGE + 4], 0);
    /* Below the start of the heap, or into other mappings: refused, the
     * current break is returned. */
    CHECK_EQ(syscall(SYS_brk, 0x1000), want);
    CHECK_EQ(syscall(SYS_brk, ADDR_HHDM), want);
    CHECK_EQ(syscall(SYS_brk, cur), cur);
    return CASE_PASS;
}

/* A private writable mapping of a file: reads the file's bytes, writes stay
 * in the process. The file is this program (/proc/self/exe may not exist). */
static int file_mmap_private(void) {
    int fd = open(g_self, O_RDONLY | O_CLOEXEC);
    CHECK_OK(fd);
    struct stat st;
    CHECK_OK(fstat(fd, &st));
    CHECK(st.st_size > (off_t)(2 * PAGE));
    unsigned char* p = mmap(NULL, 2 * PAGE, RW, MAP_PRIVATE, fd, 0);
    CHECK(p != MAP_FAILED);
    unsigned char file[2 * PAGE];
    CHECK_EQ(pread(fd, file, sizeof file, 0), sizeof file);
    CHECK(memcmp(p, "\177ELF", 4) == 0);
    CHECK(memcmp(p, file, sizeof file) == 0);
    p[0] = 'X';
    p[PAGE + 1] = 'Y';
    unsigned char again[4];
    CHECK_EQ(pread(fd, again, 4, 0), 4);
    CHECK(memcmp(again, "\177ELF", 4) == 0);
    /* A second mapping sees the file, not the first one's copy. */
    unsigned char* q = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
    CHECK(q != MAP_FAILED);
    CHECK(memcmp(q, "\177ELF", 4) == 0);
    /* An offset maps that part of the file. */
    unsigned char* r = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, PAGE);
    CHECK(r != MAP_FAILED);
    CHECK(memcmp(r, file + PAGE, PAGE) == 0);
    /* mmap(2) EACCES: "MAP_SHARED was requested and PROT_WRITE is set, but
     * fd is not open in read/write (O_RDWR) mode"; EINVAL for an offset
     * that is not a page multiple. */
    CHECK_ERR(sys_mmap(NULL, PAGE, RW, MAP_SHARED, fd, 0), EACCES);
    CHECK_ERR(sys_mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, 100), EINVAL);
    close(fd);
    /* The mapping outlives the descriptor. */
    CHECK_EQ(p[0], 'X');
    CHECK_EQ(q[1], 'E');
    return CASE_PASS;
}

/* mmap(2): "SIGBUS Attempted access to a page of the buffer that lies
 * beyond the end of the mapped file"; the rest of the last page reads 0. */
static int file_mmap_past_eof_sigbus(void) {
    int fd = open(g_self, O_RDONLY | O_CLOEXEC);
    CHECK_OK(fd);
    struct stat st;
    CHECK_OK(fstat(fd, &st));
    size_t size = (size_t)st.st_size;
    size_t pages = (size + PAGE - 1) / PAGE;
    unsigned char* p = mmap(NULL, (pages + 2) * PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
    CHECK(p != MAP_FAILED);
    for (size_t i = size; i < pages * PAGE; ++i)
        if (p[i]) return fail("byte %zu past EOF (%zu) reads %#x, expected 0", i, size, p[i]);
    if (expect_fault(p + pages * PAGE + 8, 0, SIGBUS, BUS_ADRERR, "the page past EOF")) return CASE_FAIL;
    if (expect_fault(p + (pages + 1) * PAGE, 0, SIGBUS, BUS_ADRERR, "two pages past EOF"))
        return CASE_FAIL;
    return CASE_PASS;
}

/* mmap(2) on files, the errors: "EBADF fd is not a valid file descriptor
 * (and MAP_ANONYMOUS was not set)"; "ENODEV The underlying filesystem of
 * the specified file does not support memory mapping" (a pipe, a
 * directory, /dev/null); "EACCES ... a file mapping was requested, but fd is
 * not open for reading" (before ENODEV: a pipe's write end); EOPNOTSUPP for
 * MAP_SHARED_VALIDATE with a flag the file does not know; EINVAL for
 * MAP_GROWSDOWN on a file. */
static int file_mmap_errors(void) {
    CHECK_ERR(sys_mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, 1000, 0), EBADF);
    CHECK_ERR(sys_mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, -1, 0), EBADF);
    int fd = open(g_self, O_RDONLY | O_CLOEXEC);
    CHECK_OK(fd);
    CHECK_ERR(sys_mmap(NULL, 0, PROT_READ, MAP_PRIVATE, fd, 0), EINVAL);
    CHECK_ERR(sys_mmap(NULL, PAGE, PROT_READ, 0, fd, 0), EINVAL);
    CHECK_ERR(sys_mmap(NULL, PAGE, PROT_READ, MAP_SHARED_VALIDATE | MAP_SYNC, fd, 0), EOPNOTSUPP);
    CHECK_ERR(sys_mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_GROWSDOWN, fd, 0), EINVAL);
    int p[2];
    CHECK_OK(pipe2(p, O_CLOEXEC));
    CHECK_ERR(sys_mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, p[0], 0), ENODEV);
    CHECK_ERR(sys_mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, p[1], 0), EACCES);
    int dir = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    CHECK_OK(dir);
    CHECK_ERR(sys_mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, dir, 0), ENODEV);
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    CHECK_OK(null);
    CHECK_ERR(sys_mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, null, 0), ENODEV);
    close(fd);
    close(p[0]);
    close(p[1]);
    close(dir);
    close(null);
    return CASE_PASS;
}

/* MAP_SHARED of a file open read-only: readable, the file's bytes; never
 * writable ("EACCES ... MAP_SHARED was requested and PROT_WRITE is set, but
 * fd is not open in read/write (O_RDWR) mode", and mprotect(2): "EACCES The
 * memory cannot be given the specified access. This can happen, for
 * example, if you mmap(2) a file to which you have read-only access, then
 * ask mprotect() to mark it PROT_WRITE"). munmap in the middle leaves the
 * rest at its file offset; a child sees the same bytes. */
static int file_mmap_shared_readonly(void) {
    int fd = open(g_self, O_RDONLY | O_CLOEXEC);
    CHECK_OK(fd);
    unsigned char file[3 * PAGE];
    CHECK_EQ(pread(fd, file, sizeof file, 0), sizeof file);
    unsigned char* s = mmap(NULL, 3 * PAGE, PROT_READ, MAP_SHARED, fd, 0);
    CHECK(s != MAP_FAILED);
    CHECK(memcmp(s, file, sizeof file) == 0);
    CHECK_ERR(sys_mprotect(s, PAGE, RW), EACCES);
    CHECK_OK(mprotect(s, PAGE, PROT_READ | PROT_EXEC));
    CHECK_OK(munmap(s + PAGE, PAGE));
    CHECK(memcmp(s + 2 * PAGE, file + 2 * PAGE, PAGE) == 0);
    fflush(NULL);
    pid_t pid = fork();
    CHECK_OK(pid);
    if (pid == 0) _exit(memcmp(s, file, PAGE) == 0 && s[2 * PAGE] == file[2 * PAGE] ? 0 : 1);
    CHECK_EXITED(wait_status(pid), 0);
    close(fd);
    return CASE_PASS;
}

/* A private file mapping after fork is copy-on-write like any private
 * memory: the child's writes are its own, and pages nobody wrote still
 * read the file. MAP_FIXED over it maps the file again (fresh bytes);
 * FIXED_NOREPLACE refuses. The rest of the last page reads zeros. */
static int file_mmap_private_fork(void) {
    int fd = open(g_self, O_RDONLY | O_CLOEXEC);
    CHECK_OK(fd);
    struct stat st;
    CHECK_OK(fstat(fd, &st));
    unsigned char file[2 * PAGE];
    CHECK_EQ(pread(fd, file, sizeof file, 0), sizeof file);
    volatile unsigned char* q = mmap(NULL, 2 * PAGE, RW, MAP_PRIVATE, fd, 0);
    CHECK(q != MAP_FAILED);
    q[0] = 'A';
    fflush(NULL);
    pid_t pid = fork();
    CHECK_OK(pid);
    if (pid == 0) {
        if (q[0] != 'A' || q[1] != file[1]) _exit(1);
        q[0] = 'B';
        q[PAGE] = 'C';
        _exit(q[0] == 'B' && q[PAGE] == 'C' ? 0 : 2);
    }
    CHECK_EXITED(wait_status(pid), 0);
    CHECK_EQ(q[0], 'A');
    CHECK_EQ(q[PAGE], file[PAGE]);
    CHECK_ERR(sys_mmap((void*)q, PAGE, PROT_READ, MAP_PRIVATE | MAP_FIXED_NOREPLACE, fd, 0), EEXIST);
    CHECK(mmap((void*)q, PAGE, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, 0) == (void*)q);
    CHECK_EQ(q[0], file[0]);
    size_t last = ((size_t)st.st_size - 1) / PAGE * PAGE;
    unsigned char* t = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, (off_t)last);
    CHECK(t != MAP_FAILED);
    for (size_t i = (size_t)st.st_size - last; i < PAGE; ++i)
        if (t[i]) return fail("byte %zu of the last page reads %#x, expected 0", i, t[i]);
    close(fd);
    return CASE_PASS;
}

/* /dev/zero (mem(4): "mmap ... of /dev/zero ... is equivalent to anonymous
 * memory"): private mappings read zeros; a shared one of a descriptor open
 * for writing is shared with children; a writable shared one of a
 * read-only descriptor is EACCES, and so is mprotect adding write to a
 * read-only one. */
static int file_mmap_dev_zero(void) {
    int z = open("/dev/zero", O_RDWR | O_CLOEXEC);
    CHECK_OK(z);
    volatile int* shared = mmap(NULL, PAGE, RW, MAP_SHARED, z, 0);
    CHECK(shared != MAP_FAILED);
    CHECK_EQ(shared[0], 0);
    fflush(NULL);
    pid_t pid = fork();
    CHECK_OK(pid);
    if (pid == 0) {
        shared[0] = 42;
        _exit(0);
    }
    CHECK_EXITED(wait_status(pid), 0);
    CHECK_EQ(shared[0], 42);
    volatile int* priv = mmap(NULL, 2 * PAGE, RW, MAP_PRIVATE, z, 0);
    CHECK(priv != MAP_FAILED);
    CHECK_EQ(priv[PAGE / sizeof(int)], 0);
    priv[0] = 7;
    CHECK_EQ(priv[0], 7);
    int ro = open("/dev/zero", O_RDONLY | O_CLOEXEC);
    CHECK_OK(ro);
    CHECK_ERR(sys_mmap(NULL, PAGE, RW, MAP_SHARED, ro, 0), EACCES);
    /* Shared and read-only, it may never become writable. */
    void* never = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, ro, 0);
    CHECK(never != MAP_FAILED);
    CHECK_ERR(sys_mprotect(never, PAGE, RW), EACCES);
    close(z);
    close(ro);
    return CASE_PASS;
}

#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif

/* mremap(2): shrink, grow in place, move (the contents come along), FIXED,
 * DONTUNMAP, and the errors; realloc of a large block uses it. */
static int mremap_grow_move(void) {
    char* a = mmap(0, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(a != MAP_FAILED);
    for (int i = 0; i < 4; ++i) a[i * PAGE] = (char)(10 + i);
    /* Shrinking unmaps the tail. */
    CHECK(mremap(a, 4 * PAGE, 2 * PAGE, 0) == a);
    CHECK(mremap(a, 2 * PAGE, 3 * PAGE, 0) == a); /* the page after it is free again */
    CHECK_EQ(a[2 * PAGE], 0);
    CHECK_EQ(a[PAGE], 11);
    /* A neighbour blocks growth in place: ENOMEM without MREMAP_MAYMOVE. */
    char* wall = mmap(a + 3 * PAGE, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    CHECK(wall == a + 3 * PAGE);
    CHECK_ERR((long)mremap(a, 3 * PAGE, 6 * PAGE, 0), ENOMEM);
    char* b = mremap(a, 3 * PAGE, 6 * PAGE, MREMAP_MAYMOVE);
    CHECK(b != MAP_FAILED && b != a);
    CHECK_EQ(b[0], 10);
    CHECK_EQ(b[PAGE], 11);
    CHECK_EQ(b[5 * PAGE], 0);
    b[5 * PAGE] = 1;
    CHECK_ERR(msync(a, PAGE, MS_ASYNC), ENOMEM); /* the old range is gone */

    /* FIXED: onto a chosen range, replacing what was there. */
    char* spot = mmap(0, 4 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(spot != MAP_FAILED);
    char* c = mremap(b, 2 * PAGE, 2 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, spot + PAGE);
    CHECK(c == spot + PAGE);
    CHECK_EQ(c[PAGE], 11);
    c[0] = 7; /* writable, as the source was */
    CHECK_EQ(b[5 * PAGE], 1); /* what was not moved stays */

    /* DONTUNMAP: the source stays, empty. */
    char* d = mremap(c, PAGE, PAGE, MREMAP_MAYMOVE | MREMAP_DONTUNMAP);
    CHECK(d != MAP_FAILED && d != c);
    CHECK_EQ(d[0], 7);
    CHECK_EQ(c[0], 0);

    /* mremap(2) EINVAL: flags, alignment, a zero new size, FIXED without
     * MAYMOVE, DONTUNMAP resizing, overlapping FIXED; EFAULT: nothing
     * mapped at the address, or the old range past its mapping. */
    CHECK_ERR((long)mremap(d, PAGE, PAGE, 0x80), EINVAL);
    CHECK_ERR((long)mremap(d + 1, PAGE, PAGE, 0), EINVAL);
    CHECK_ERR((long)mremap(d, PAGE, 0, 0), EINVAL);
    CHECK_ERR((long)mremap(d, PAGE, PAGE, MREMAP_FIXED, spot), EINVAL);
    CHECK_ERR((long)mremap(d, PAGE, 2 * PAGE, MREMAP_MAYMOVE | MREMAP_DONTUNMAP), EINVAL);
    CHECK_ERR((long)mremap(b + 2 * PAGE, 2 * PAGE, 2 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED,
                           b + 3 * PAGE), EINVAL);
    CHECK_ERR((long)mremap((void*)0x10000000000ul, PAGE, 2 * PAGE, MREMAP_MAYMOVE), EFAULT);
    CHECK_ERR((long)mremap(d, 2 * PAGE, 3 * PAGE, MREMAP_MAYMOVE), EFAULT);
    CHECK_ERR((long)mremap(d, 0, PAGE, MREMAP_MAYMOVE), EINVAL); /* private: no duplicate */
    munmap(b, 6 * PAGE);
    munmap(spot, 4 * PAGE);
    munmap(d, PAGE);
    munmap(wall, PAGE);

    /* musl's realloc moves a large block with mremap. */
    size_t big = 1 << 20;
    unsigned char* m = malloc(big);
    CHECK(m != 0);
    for (size_t i = 0; i < big; i += 4096) m[i] = (unsigned char)(i >> 12);
    unsigned char* m2 = realloc(m, 8 * big);
    CHECK(m2 != 0);
    for (size_t i = 0; i < big; i += 4096) CHECK_EQ(m2[i], (unsigned char)(i >> 12));
    m2[8 * big - 1] = 1;
    free(m2);
    return CASE_PASS;
}

CASE_TABLE(mm) = {
    {"mmap-einval", mmap_einval},
    {"mmap-fixed-noreplace", mmap_fixed_noreplace},
    {"mmap-prot-none-then-mprotect", mmap_prot_none_then_mprotect},
    {"munmap-middle-splits", munmap_middle_splits},
    {"munmap-unmapped-ok", munmap_unmapped_ok},
    {"mprotect-hole-enomem", mprotect_hole_enomem},
    {"segv-accerr-maperr", segv_accerr_maperr},
    {"madvise-dontneed-zeroes", madvise_dontneed_zeroes},
    {"mmap-unaligned-length", mmap_unaligned_length},
    {"mmap-large-lazy", mmap_large_lazy},
    {"mremap-grow-move", mremap_grow_move},
    {"brk-grow-shrink", brk_grow_shrink},
    {"file-mmap-private", file_mmap_private},
    {"file-mmap-past-eof-sigbus", file_mmap_past_eof_sigbus},
    {"file-mmap-errors", file_mmap_errors},
    {"file-mmap-shared-readonly", file_mmap_shared_readonly},
    {"file-mmap-private-fork", file_mmap_private_fork},
    {"file-mmap-dev-zero", file_mmap_dev_zero},
    CASE_TABLE_END,
};
