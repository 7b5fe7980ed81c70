/* badexec PATH [ARG...]: execs PATH with the given arguments and reports the
 * result, for tests of exec's error paths:
 *   "badexec: PATH: error ENOEXEC (Exec format error)"   exec failed (exit 0)
 *   "badexec: PATH: started pid N, status S"              it ran (exit 1)
 * Special PATHs pass bad pointers to the kernel (each must give EFAULT):
 *   --null-path, --kernel-path, --unmapped-path, --kernel-argv,
 *   --kernel-argv-entry */
#include <errno.h>
#include <nyan.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char** argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: badexec PATH [ARG...]\n");
        return 2;
    }
    const char* path = argv[1];
    char* const* args = argv + 1;
    char* bad_entry[] = {(char*)"true", (char*)0xffff800000001000ul, NULL};
    if (!strcmp(path, "--null-path")) {
        path = NULL;
    } else if (!strcmp(path, "--kernel-path")) {
        path = (const char*)0xffffffff80000000ul;
    } else if (!strcmp(path, "--unmapped-path")) {
        path = (const char*)0x7000000000ul;
    } else if (!strcmp(path, "--kernel-argv")) {
        path = "/bin/true";
        args = (char* const*)0xffffffff80000000ul;
    } else if (!strcmp(path, "--kernel-argv-entry")) {
        path = "/bin/true";
        args = bad_entry;
    }
    int pid = exec(path, args);
    if (pid < 0) {
        printf("badexec: %s: error %s (%s)\n", argv[1], strerrorname_np(errno), strerror(errno));
        return 0;
    }
    int status = 0;
    waitpid(pid, &status, 0);
    printf("badexec: %s: started pid %d, status %d\n", argv[1], pid, status);
    return 1;
}
