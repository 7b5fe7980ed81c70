/* Descriptors across exec: a NyanOS child starts with a copy of its
 * parent's descriptor table (CONTRACT.md: "fds are inherited from the
 * parent"), whose entries share the parent's open file descriptions. */
#include <nyan.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testsuite.h"

/* fd-inheritance: the parent opens /bin/true (fd F) and /dev/null (fd N),
 * reads 4 bytes of F, then starts `--child fd-inherit F N`, which must find
 * both open: F's next read continues where the parent's stopped (one shared
 * offset), N takes writes, fds 0-2 are the console's. The child closes F;
 * the parent's F must stay open and continue where the child stopped. */
static int fd_inheritance(int argc, char** argv) {
    (void)argc, (void)argv;
    unsigned char expected[12], got[4];
    int check = open("/bin/true", O_RDONLY);
    if (check < 0) return fail("open /bin/true: %s", strerrorname_np(errno));
    if (read(check, expected, sizeof expected) != (long)sizeof expected)
        return fail("read the first 12 bytes of /bin/true");
    close(check);

    int f = open("/bin/true", O_RDONLY);
    int n = open("/dev/null", O_RDONLY);
    if (f < 3 || n < 3) return fail("open: f=%d n=%d (0-2 are the console's)", f, n);
    if (read(f, got, 4) != 4 || memcmp(got, expected, 4)) return fail("parent's first read");

    char fa[16], na[16];
    snprintf(fa, sizeof fa, "%d", f);
    snprintf(na, sizeof na, "%d", n);
    char* child[] = {(char*)SELF, (char*)"--child", (char*)"fd-inherit", fa, na, NULL};
    long status = run_and_wait(SELF, child);
    if (status < 0) return fail("exec child: %s", strerrorname_np((int)-status));
    if (status != NYAN_W_EXITCODE(0)) return fail("child: status %#lx (see its # lines)", status);

    /* The child read bytes 4..8 through the shared description. */
    long r = read(f, got, 4);
    if (r != 4 || memcmp(got, expected + 8, 4))
        return fail("parent's read after the child's = %ld, not bytes 8..12 (offset not shared?)",
                    r);
    if (write(n, "x", 1) != 1) fail("the parent's /dev/null is gone after the child closed its own");
    close(f);
    close(n);
    /* A closed descriptor is not inherited. */
    char* closed[] = {(char*)SELF, (char*)"--child", (char*)"fd-closed", fa, NULL};
    status = run_and_wait(SELF, closed);
    if (status != NYAN_W_EXITCODE(0)) return fail("fd-closed child: status %#lx", status);
    return 0;
}

/* The child half: argv = fd-inherit F N. */
int fd_inherit_child(int argc, char** argv) {
    if (argc < 3) return 2;
    int f = atoi(argv[1]), n = atoi(argv[2]);
    unsigned char expected[8], got[4];
    int check = open("/bin/true", O_RDONLY);
    if (check < 0 || read(check, expected, 8) != 8) return printf("# child: reopen\n"), 3;
    close(check);
    long r = read(f, got, 4);
    if (r != 4 || memcmp(got, expected + 4, 4))
        return printf("# child: read(inherited fd %d) = %ld, not bytes 4..8\n", f, r), 4;
    r = write(n, "inherited", 9);
    if (r != 9) return printf("# child: write(inherited /dev/null fd %d) = %ld\n", n, r), 5;
    /* 0, 1 and 2 are open (a zero-length call checks the descriptor only). */
    if (SC(SYS_READ, 0, got, 0) != 0) return printf("# child: fd 0 is not open for reading\n"), 6;
    if (SC(SYS_WRITE, 1, got, 0) != 0) return printf("# child: fd 1 is not open\n"), 7;
    if (SC(SYS_WRITE, 2, got, 0) != 0) return printf("# child: fd 2 is not open\n"), 8;
    if (SC(SYS_READ, 1, got, 1) != -EBADF) return printf("# child: fd 1 is readable\n"), 9;
    if (close(f) != 0) return printf("# child: close(%d)\n", f), 10;
    if (SC(SYS_READ, f, got, 1) != -EBADF) return printf("# child: fd %d still open\n", f), 11;
    return 0;
}

/* argv = fd-closed F: F was closed by the parent before the exec. */
int fd_closed_child(int argc, char** argv) {
    if (argc < 2) return 2;
    char c;
    long r = SC(SYS_READ, atoi(argv[1]), &c, 1);
    if (r != -EBADF) return printf("# child: read(closed fd %s) = %ld\n", argv[1], r), 3;
    return 0;
}

struct named_case {
    const char* name;
    case_fn fn;
};

extern const struct named_case g_file_cases[];
const struct named_case g_file_cases[] = {
    {"fd-inheritance", fd_inheritance},
    {NULL, NULL},
};
