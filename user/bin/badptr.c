/* badptr: hands the kernel pointers a user program must not be able to use
 * (NULL, unmapped, kernel image, direct map, non-canonical, a range running
 * off the end of user space) and checks that every call fails with EFAULT
 * instead of crashing the kernel or touching its memory. Prints one line per
 * check, then "badptr ok" (exit 0) or "badptr FAILED N" (exit 1). */
#include <errno.h>
#include <nyan.h>
#include <stdio.h>
#include <string.h>

static int g_failures;

static void expect_efault(const char* what, long result) {
    if (result == -EFAULT) {
        printf("badptr: %s = EFAULT ok\n", what);
    } else {
        printf("badptr: %s = %ld, expected EFAULT\n", what, result);
        ++g_failures;
    }
}

#define CALL(n, a, b, c) nyan_syscall((n), (long)(a), (long)(b), (long)(c), 0, 0, 0)

int main(void) {
    const unsigned long bad[] = {
        0,                      /* NULL */
        0x7000000000ul,         /* unmapped user address */
        0xffffffff80000000ul,   /* kernel image */
        0xffff800000000000ul,   /* direct map */
        0x8000000000000000ul,   /* non-canonical */
        0x00007ffffffff000ul,   /* last user page: 8 KiB from here runs past the end */
    };
    const char* names[] = {"null", "unmapped", "kernel", "hhdm", "noncanonical", "user-end"};
    char what[96];
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; ++i) {
        unsigned long p = bad[i];
        snprintf(what, sizeof what, "write(1, %s, 8192)", names[i]);
        expect_efault(what, CALL(SYS_WRITE, 1, p, 8192));
        snprintf(what, sizeof what, "open(%s)", names[i]);
        expect_efault(what, CALL(SYS_OPEN, p, 0, 0));
        snprintf(what, sizeof what, "exec(%s)", names[i]);
        expect_efault(what, CALL(SYS_EXEC, p, 0, 0));
        snprintf(what, sizeof what, "list_files(\"/\", %s, 8192)", names[i]);
        expect_efault(what, CALL(SYS_LIST_FILES, "/", p, 8192));
        if (p) { /* process_list(NULL) and meminfo(NULL) may just return counts */
            snprintf(what, sizeof what, "process_list(%s, 64)", names[i]);
            expect_efault(what, CALL(SYS_PROCESS_LIST, p, 64, 0));
            snprintf(what, sizeof what, "meminfo(%s)", names[i]);
            expect_efault(what, CALL(SYS_MEMINFO, p, 0, 0));
        }
        /* A file descriptor's read into a bad buffer. */
        int fd = open("/bin/true", O_RDONLY);
        if (fd >= 0) {
            snprintf(what, sizeof what, "read(file, %s, 8192)", names[i]);
            expect_efault(what, CALL(SYS_READ, fd, p, 8192));
            close(fd);
        }
        if (p) { /* waitpid(pid, NULL) is allowed */
            char* argv[] = {(char*)"true", NULL};
            int pid = exec("/bin/true", argv);
            if (pid > 0) {
                snprintf(what, sizeof what, "waitpid(child, %s)", names[i]);
                expect_efault(what, CALL(SYS_WAITPID, pid, p, 0));
                int status;
                waitpid(pid, &status, 0); /* reap it for real */
            }
        }
    }
    if (g_failures) {
        printf("badptr FAILED %d\n", g_failures);
        return 1;
    }
    puts("badptr ok");
    return 0;
}
