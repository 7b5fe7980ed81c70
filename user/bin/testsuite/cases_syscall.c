/* Bad system-call arguments: every call must fail with -EFAULT (or -EINVAL
 * and friends where the argument is a number, not a pointer), never crash
 * the kernel and never hand back kernel bytes. Each case runs in its own
 * process, so a kernel that kills the caller instead of returning an error
 * shows up as a case killed by a signal. */
#include <nyan.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testsuite.h"

/* Pointers no system call may accept as a buffer. */
static const uintptr_t g_bad[] = {
    0,
    ADDR_UNMAPPED_USER,
    ADDR_LAST_USER_PAGE,
    ADDR_STACK_GUARD,
    ADDR_STACK_GAP,
    ADDR_KERNEL_IMAGE,
    ADDR_KERNEL_TOP,
    ADDR_HHDM,
    ADDR_HHDM_1M,
    ADDR_NONCANONICAL,
    ADDR_FIRST_NONCANONICAL,
    0xfffffffffffffff8ul,
};
#define BAD_COUNT (sizeof g_bad / sizeof g_bad[0])

/* Expects result == -e1 (or -e2 when e2 != 0). */
static void expect(const char* what, uintptr_t arg, long result, int e1, int e2) {
    if (result == -e1 || (e2 && result == -e2)) return;
    fail("%s(%#lx) = %ld (%s), expected -%s%s%s", what, (unsigned long)arg, result,
         result < 0 ? strerrorname_np((int)-result) : "success", strerrorname_np(e1),
         e2 ? " or -" : "", e2 ? strerrorname_np(e2) : "");
}

static int open_true(void) {
    int fd = open("/bin/true", O_RDONLY);
    if (fd < 0) fail("open /bin/true: %s", strerrorname_np(errno));
    return fd;
}

/* The top bytes of our own stack, right below the unmapped page at
 * NYAN_USER_STACK_TOP (they hold our argv strings and AT_RANDOM, which this
 * process no longer needs). */
static char* stack_end(size_t bytes) { return (char*)(ADDR_STACK_GAP - bytes); }

static int efault_read(int argc, char** argv) {
    (void)argc, (void)argv;
    int fd = open_true();
    if (fd < 0) return 1;
    for (size_t i = 0; i < BAD_COUNT; ++i) expect("read(file)", g_bad[i], SC(SYS_READ, fd, g_bad[i], 64), EFAULT, 0);
    /* fd 0 (the console) checks the buffer before it waits for input; only
     * addresses outside user space, so the test never blocks. */
    expect("read(0)", ADDR_KERNEL_IMAGE, SC(SYS_READ, 0, ADDR_KERNEL_IMAGE, 64), EFAULT, 0);
    expect("read(0)", ADDR_HHDM, SC(SYS_READ, 0, ADDR_HHDM, 64), EFAULT, 0);
    expect("read(0)", ADDR_NONCANONICAL, SC(SYS_READ, 0, ADDR_NONCANONICAL, 64), EFAULT, 0);
    /* A buffer that starts mapped and runs into the unmapped page. */
    expect("read(file, end of stack)", (uintptr_t)stack_end(16),
           SC(SYS_READ, fd, stack_end(16), 64), EFAULT, 0);
    close(fd);
    return 0;
}

static int efault_write(int argc, char** argv) {
    (void)argc, (void)argv;
    for (size_t i = 0; i < BAD_COUNT; ++i) {
        expect("write(1)", g_bad[i], SC(SYS_WRITE, 1, g_bad[i], 64), EFAULT, 0);
        expect("write(2)", g_bad[i], SC(SYS_WRITE, 2, g_bad[i], 1), EFAULT, 0);
    }
    return 0;
}

static int efault_exec(int argc, char** argv) {
    (void)argc, (void)argv;
    char* ok_argv[] = {(char*)"true", NULL};
    for (size_t i = 0; i < BAD_COUNT; ++i) {
        expect("exec(path)", g_bad[i], SC(SYS_EXEC, g_bad[i], ok_argv, 0), EFAULT, 0);
        if (g_bad[i] == 0) continue; /* argv NULL is allowed */
        expect("exec(argv)", g_bad[i], SC(SYS_EXEC, "/bin/true", g_bad[i], 0), EFAULT, 0);
        char* bad_entry[] = {(char*)"true", (char*)g_bad[i], NULL};
        expect("exec(argv[1])", g_bad[i], SC(SYS_EXEC, "/bin/true", bad_entry, 0), EFAULT, 0);
    }
    /* An argv array without its NULL, ending where the stack ends. */
    char** tail = (char**)stack_end(2 * sizeof(char*));
    tail[0] = (char*)"true";
    tail[1] = (char*)"again";
    expect("exec(argv without NULL)", (uintptr_t)tail, SC(SYS_EXEC, "/bin/true", tail, 0), EFAULT, 0);
    return 0;
}

static int efault_open_stat(int argc, char** argv) {
    (void)argc, (void)argv;
    struct nyan_stat st;
    for (size_t i = 0; i < BAD_COUNT; ++i) {
        expect("open", g_bad[i], SC(SYS_OPEN, g_bad[i], 0, 0), EFAULT, 0);
        expect("stat(path)", g_bad[i], SC(SYS_STAT, g_bad[i], &st, 0), EFAULT, 0);
        expect("stat(out)", g_bad[i], SC(SYS_STAT, "/bin/true", g_bad[i], 0), EFAULT, 0);
    }
    return 0;
}

static int efault_waitpid(int argc, char** argv) {
    (void)argc, (void)argv;
    char* child[] = {(char*)SELF, (char*)"--child", (char*)"exit", (char*)"7", NULL};
    for (size_t i = 0; i < BAD_COUNT; ++i) {
        if (g_bad[i] == 0) continue; /* a NULL status is allowed */
        long pid = SC(SYS_EXEC, SELF, child, 0);
        if (pid < 0) return fail("exec: %s", strerrorname_np((int)-pid));
        expect("waitpid(status)", g_bad[i], SC(SYS_WAITPID, pid, g_bad[i], 0), EFAULT, 0);
        /* The failed wait must not have reaped the child. */
        int status = -1;
        long r = SC(SYS_WAITPID, pid, &status, 0);
        if (r != pid || status != NYAN_W_EXITCODE(7))
            fail("after a faulting waitpid the child is lost: waitpid=%ld status=%#x", r, status);
    }
    return 0;
}

static int efault_list_files(int argc, char** argv) {
    (void)argc, (void)argv;
    char buf[512];
    for (size_t i = 0; i < BAD_COUNT; ++i) {
        if (g_bad[i]) expect("list_files(dir)", g_bad[i], SC(SYS_LIST_FILES, g_bad[i], buf, sizeof buf), EFAULT, 0);
        expect("list_files(buf)", g_bad[i], SC(SYS_LIST_FILES, "/bin", g_bad[i], 4096), EFAULT, 0);
    }
    return 0;
}

static int efault_meminfo_ps(int argc, char** argv) {
    (void)argc, (void)argv;
    for (size_t i = 0; i < BAD_COUNT; ++i) {
        if (!g_bad[i]) continue; /* meminfo(NULL), process_list(NULL) are allowed */
        expect("meminfo", g_bad[i], SC(SYS_MEMINFO, g_bad[i], 0, 0), EFAULT, 0);
        expect("process_list", g_bad[i], SC(SYS_PROCESS_LIST, g_bad[i], 16, 0), EFAULT, 0);
    }
    /* kill_reason of a child killed by a fault, into bad buffers. */
    char* faulter[] = {(char*)"/bin/fault", (char*)"null", NULL};
    long pid = SC(SYS_EXEC, "/bin/fault", faulter, 0);
    if (pid < 0) return fail("exec /bin/fault: %s", strerrorname_np((int)-pid));
    int status;
    SC(SYS_WAITPID, pid, &status, 0);
    for (size_t i = 0; i < BAD_COUNT; ++i)
        expect("kill_reason(buf)", g_bad[i], SC(SYS_KILL_REASON, pid, g_bad[i], 128), EFAULT, 0);
    char reason[128];
    if (SC(SYS_KILL_REASON, pid, reason, sizeof reason) <= 0) fail("kill_reason lost after failed copies");
    return 0;
}

/* The kernel must honour user page permissions when it writes for us:
 * a read() into our own text must fail, not patch the code. */
static int readonly_user_pages(int argc, char** argv) {
    (void)argc, (void)argv;
    static const char rodata[64] = "read only";
    unsigned char* text = (unsigned char*)(void*)&readonly_user_pages;
    unsigned char before[64];
    memcpy(before, text, sizeof before);
    int fd = open_true();
    if (fd < 0) return 1;
    expect("read(file, text)", (uintptr_t)text, SC(SYS_READ, fd, text, 64), EFAULT, 0);
    expect("read(file, rodata)", (uintptr_t)rodata, SC(SYS_READ, fd, rodata, 64), EFAULT, 0);
    close(fd);
    if (memcmp(before, text, sizeof before)) fail("read() changed our text");
    if (strcmp(rodata, "read only")) fail("read() changed our rodata");
    expect("meminfo(text)", (uintptr_t)text, SC(SYS_MEMINFO, text, 0, 0), EFAULT, 0);
    expect("stat(rodata)", (uintptr_t)rodata, SC(SYS_STAT, "/bin/true", rodata, 0), EFAULT, 0);
    expect("list_files(text)", (uintptr_t)text, SC(SYS_LIST_FILES, "/", text, 64), EFAULT, 0);
    char* child[] = {(char*)SELF, (char*)"--child", (char*)"exit", NULL};
    long pid = SC(SYS_EXEC, SELF, child, 0);
    if (pid > 0) {
        expect("waitpid(text)", (uintptr_t)text, SC(SYS_WAITPID, pid, text, 0), EFAULT, 0);
        SC(SYS_WAITPID, pid, 0, 0);
    }
    if (memcmp(before, text, sizeof before)) fail("a system call changed our text");
    return 0;
}

/* Strings whose NUL would lie in an unmapped page. */
static int unterminated_strings(int argc, char** argv) {
    (void)argc, (void)argv;
    char* s = stack_end(64);
    memset(s, 'A', 64); /* no NUL before the unmapped page */
    struct nyan_stat st;
    char buf[256];
    expect("open(unterminated)", (uintptr_t)s, SC(SYS_OPEN, s, 0, 0), EFAULT, 0);
    expect("stat(unterminated)", (uintptr_t)s, SC(SYS_STAT, s, &st, 0), EFAULT, 0);
    expect("exec(unterminated)", (uintptr_t)s, SC(SYS_EXEC, s, 0, 0), EFAULT, 0);
    expect("list_files(unterminated)", (uintptr_t)s, SC(SYS_LIST_FILES, s, buf, sizeof buf), EFAULT, 0);
    char* args[] = {(char*)"true", s, NULL};
    expect("exec(argv unterminated)", (uintptr_t)s, SC(SYS_EXEC, "/bin/true", args, 0), EFAULT, 0);

    /* The same at the end of the heap: the page above the break is not ours. */
    char* brk = (char*)sbrk(0);
    uintptr_t end = ((uintptr_t)brk + 2 * PAGE - 1) & ~(PAGE - 1);
    if (sbrk((intptr_t)(end - (uintptr_t)brk)) == (void*)-1) return fail("sbrk failed");
    char* h = (char*)end - 100;
    memset(h, 'B', 100);
    expect("open(heap unterminated)", (uintptr_t)h, SC(SYS_OPEN, h, 0, 0), EFAULT, 0);
    expect("exec(heap unterminated)", (uintptr_t)h, SC(SYS_EXEC, h, 0, 0), EFAULT, 0);

    /* A long path that is terminated: an error, but not EFAULT. */
    static char long_path[4096];
    memset(long_path, 'c', sizeof long_path - 1);
    long_path[0] = '/';
    long r = SC(SYS_OPEN, long_path, 0, 0);
    if (r != -ENAMETOOLONG && r != -ENOENT && r != -EINVAL)
        fail("open(4 KiB path) = %ld, expected ENAMETOOLONG, ENOENT or EINVAL", r);
    r = SC(SYS_EXEC, long_path, 0, 0);
    if (r != -ENAMETOOLONG && r != -ENOENT && r != -EINVAL)
        fail("exec(4 KiB path) = %ld, expected ENAMETOOLONG, ENOENT or EINVAL", r);
    return 0;
}

/* Ranges whose end wraps around the address space or leaves user space. */
static int wrapping_ranges(int argc, char** argv) {
    (void)argc, (void)argv;
    char buf[64] = "x";
    int fd = open_true();
    if (fd < 0) return 1;
    expect("write(top, 0x2000)", 0xfffffffffffff000ul, SC(SYS_WRITE, 1, 0xfffffffffffff000ul, 0x2000), EFAULT, 0);
    expect("write(buf, ~0)", (uintptr_t)buf, SC(SYS_WRITE, 1, buf, ~0ul), EFAULT, EINVAL);
    expect("write(buf, wraps to 0)", (uintptr_t)buf, SC(SYS_WRITE, 1, buf, 0ul - (uintptr_t)buf), EFAULT, EINVAL);
    expect("read(file, 0x400000, wraps to 0)", 0x400000, SC(SYS_READ, fd, 0x400000, 0ul - 0x400000ul), EFAULT, EINVAL);
    expect("read(0, buf, ~0)", (uintptr_t)buf, SC(SYS_READ, 0, buf, ~0ul), EFAULT, EINVAL);
    expect("write(last user page, into non-canonical)", ADDR_LAST_USER_PAGE + 0xff0,
           SC(SYS_WRITE, 1, ADDR_LAST_USER_PAGE + 0xff0, 0x20), EFAULT, 0);
    expect("list_files(buf, ~0)", (uintptr_t)stack_end(8), SC(SYS_LIST_FILES, "/bin", stack_end(8), ~0ul), EFAULT, 0);
    close(fd);
    return 0;
}

/* Lengths far larger than the buffer behind them. */
static int oversized_lengths(int argc, char** argv) {
    (void)argc, (void)argv;
    int fd = open_true();
    if (fd < 0) return 1;
    expect("write(stack end, 1 TiB)", (uintptr_t)stack_end(64), SC(SYS_WRITE, 1, stack_end(64), 1ul << 40), EFAULT, EINVAL);
    expect("write(text, 2^47)", 0x400000, SC(SYS_WRITE, 1, 0x400000, 1ul << 47), EFAULT, EINVAL);
    expect("read(file, stack end, 1 TiB)", (uintptr_t)stack_end(16), SC(SYS_READ, fd, stack_end(16), 1ul << 40), EFAULT, 0);
    expect("list_files(stack end, 1 MiB)", (uintptr_t)stack_end(4), SC(SYS_LIST_FILES, "/bin", stack_end(4), 1ul << 20), EFAULT, 0);
    struct nyan_process_info* info = (struct nyan_process_info*)stack_end(sizeof(struct nyan_process_info) / 2);
    expect("process_list(stack end, 1000)", (uintptr_t)info, SC(SYS_PROCESS_LIST, info, 1000, 0), EFAULT, 0);
    close(fd);
    return 0;
}

/* Heap pages that were never touched are valid memory: system calls must
 * fill them (demand paging from kernel copies), not fail with EFAULT. */
static int lazy_pages(int argc, char** argv) {
    (void)argc, (void)argv;
    char* p = (char*)sbrk(4 * PAGE);
    if (p == (char*)-1) return fail("sbrk failed");
    int fd = open_true();
    if (fd < 0) return 1;
    long n = SC(SYS_READ, fd, p + 100, 200);
    if (n != 200) fail("read into an untouched heap page = %ld", n);
    close(fd);
    char check[200];
    fd = open_true();
    if (read(fd, check, sizeof check) != (long)sizeof check) fail("read(check) failed");
    close(fd);
    if (n == 200 && memcmp(check, p + 100, 200)) fail("read into a lazy page gave different bytes");
    long m = SC(SYS_MEMINFO, p + PAGE + 8, 0, 0);
    if (m <= 0) fail("meminfo into an untouched heap page = %ld", m);
    struct nyan_stat* st = (struct nyan_stat*)(p + 2 * PAGE);
    long s = SC(SYS_STAT, "/bin/true", st, 0);
    if (s != 0 || st->size == 0) fail("stat into an untouched heap page = %ld", s);
    long w = SC(SYS_WRITE, 1, p + 3 * PAGE, 0);
    if (w != 0) fail("write(untouched, 0) = %ld", w);
    return 0;
}

/* Writes "/bin/true" (without its NUL) to end right before `end`. */
static char* path_before(char* end) {
    static const char path[] = "/bin/true";
    char* at = end - (sizeof path - 1);
    memcpy(at, path, sizeof path - 1);
    return at;
}

/* Strings in heap pages that were never touched: a path whose NUL is the
 * first byte of an untouched page, an empty argument in one. Valid memory
 * (demand-zero), so the string copies must fault them in like every other
 * copy, not fail with EFAULT. */
static int lazy_page_strings(int argc, char** argv) {
    (void)argc, (void)argv;
    enum { kPages = 5 };
    char* brk = (char*)sbrk(0);
    uintptr_t start = ((uintptr_t)brk + PAGE - 1) & ~(PAGE - 1);
    if (sbrk((intptr_t)(start + kPages * PAGE - (uintptr_t)brk)) == (void*)-1)
        return fail("sbrk failed");
    char* page[kPages];
    for (int i = 0; i < kPages; ++i) page[i] = (char*)start + i * PAGE;
    /* Each call gets "/bin/true" written to the end of page i, right before
     * the call, so its NUL is the first byte of page i + 1, still untouched
     * (the call before faulted in only page i). */
    struct nyan_stat st = {0};
    long r = SC(SYS_STAT, path_before(page[1]), &st, 0);
    if (r != 0 || st.size == 0) fail("stat(path ending in an untouched page) = %ld", r);
    r = SC(SYS_OPEN, path_before(page[2]), 0, 0);
    if (r < 0)
        fail("open(path ending in an untouched page) = %ld", r);
    else
        close((int)r);
    char* true_argv[] = {(char*)"true", NULL};
    r = SC(SYS_EXEC, path_before(page[3]), true_argv, 0);
    if (r < 0) {
        fail("exec(path ending in an untouched page) = %ld", r);
    } else {
        int status = -1;
        SC(SYS_WAITPID, r, &status, 0);
        if (status != 0) fail("/bin/true: status %#x", status);
    }
    /* An empty argument, all of it in the untouched page[4]. */
    char* empty_arg[] = {(char*)SELF, (char*)"--child", (char*)"argcheck",
                         (char*)"1",  (char*)"0",       page[4] + 100,
                         NULL};
    r = run_and_wait(SELF, empty_arg);
    if (r != 0) fail("exec(argv[5] in an untouched page): %ld", r);
    return 0;
}

static int unknown_syscalls(int argc, char** argv) {
    (void)argc, (void)argv;
    static const unsigned long numbers[] = {
        2, 6, 13, 21, 23, 33, 35, 37, 49, 64, 65, 100, 255, 256, 1000,
        0x7fffffff, 0x80000000ul, 0xffffffff, 0x100000000ul, 0x100000001ul /* 1 = write if truncated */,
        0x8000000000000000ul, ~0ul,
    };
    for (size_t i = 0; i < sizeof numbers / sizeof numbers[0]; ++i) {
        long r = nyan_syscall((long)numbers[i], 1, (long)"!", 1, 0, 0, 0);
        if (r != -ENOSYS) fail("syscall %#lx = %ld, expected -ENOSYS", numbers[i], r);
    }
    return 0;
}

static int invalid_arguments(int argc, char** argv) {
    (void)argc, (void)argv;
    char buf[64];
    expect("waitpid(0)", 0, SC(SYS_WAITPID, 0, 0, 0), EINVAL, ECHILD);
    expect("waitpid(-2)", -2ul, SC(SYS_WAITPID, -2, 0, 0), EINVAL, ECHILD);
    expect("waitpid(no such child)", 99999, SC(SYS_WAITPID, 99999, 0, 0), ECHILD, 0);
    expect("waitpid(any, no children)", -1ul, SC(SYS_WAITPID, -1, 0, 0), ECHILD, 0);
    expect("kill(0)", 0, SC(SYS_KILL, 0, 0, 0), EINVAL, 0);
    expect("kill(-1)", -1ul, SC(SYS_KILL, -1, 0, 0), EINVAL, 0);
    expect("kill(no such process)", 99999, SC(SYS_KILL, 99999, 0, 0), ESRCH, 0);
    /* The suite runs as init (pid 1): a child may not kill it. */
    if (getpid() != 1) expect("kill(init)", 1, SC(SYS_KILL, 1, 0, 0), EPERM, 0);
    expect("close(99)", 99, SC(SYS_CLOSE, 99, 0, 0), EBADF, 0);
    expect("close(-1)", -1ul, SC(SYS_CLOSE, -1, 0, 0), EBADF, 0);
    expect("read(99)", 99, SC(SYS_READ, 99, buf, 1), EBADF, 0);
    expect("read(-1)", -1ul, SC(SYS_READ, -1, buf, 1), EBADF, 0);
    expect("write(7)", 7, SC(SYS_WRITE, 7, buf, 1), EBADF, 0);
    expect("sbrk(INT64_MAX)", 0x7ffffffffffffffful, SC(SYS_SBRK, 0x7ffffffffffffffful, 0, 0), ENOMEM, EINVAL);
    expect("sbrk(-1 TiB)", -(1ul << 40), SC(SYS_SBRK, -(1l << 40), 0, 0), EINVAL, ENOMEM);
    expect("sbrk(INT64_MIN)", 0x8000000000000000ul, SC(SYS_SBRK, 0x8000000000000000ul, 0, 0), EINVAL, ENOMEM);
    expect("open(missing)", 0, SC(SYS_OPEN, "/no/such/file", 0, 0), ENOENT, 0);
    expect("list_files(file)", 0, SC(SYS_LIST_FILES, "/bin/true", buf, sizeof buf), ENOTDIR, 0);
    expect("list_files(missing)", 0, SC(SYS_LIST_FILES, "/no/such/dir", buf, sizeof buf), ENOENT, 0);
    expect("exec(missing)", 0, SC(SYS_EXEC, "/no/such/program", 0, 0), ENOENT, 0);
    expect("exec(directory)", 0, SC(SYS_EXEC, "/bin", 0, 0), EISDIR, EACCES);
    return 0;
}

struct named_case {
    const char* name;
    case_fn fn;
};

extern const struct named_case g_syscall_cases[];
const struct named_case g_syscall_cases[] = {
    {"efault-read", efault_read},
    {"efault-write", efault_write},
    {"efault-exec", efault_exec},
    {"efault-open-stat", efault_open_stat},
    {"efault-waitpid", efault_waitpid},
    {"efault-list-files", efault_list_files},
    {"efault-meminfo-ps", efault_meminfo_ps},
    {"readonly-user-pages", readonly_user_pages},
    {"unterminated-strings", unterminated_strings},
    {"wrapping-ranges", wrapping_ranges},
    {"oversized-lengths", oversized_lengths},
    {"lazy-pages-in-syscalls", lazy_pages},
    {"lazy-page-strings", lazy_page_strings},
    {"unknown-syscalls", unknown_syscalls},
    {"invalid-arguments", invalid_arguments},
    {NULL, NULL},
};
