/* orphan [MS]: starts /bin/sleeper MS (default 100) and exits at once without
 * waiting, so the sleeper is handed to init, which must reap it. */
#include <nyan.h>
#include <stdio.h>

int main(int argc, char** argv) {
    const char* ms = argc > 1 ? argv[1] : "100";
    char* child_argv[] = {(char*)"sleeper", (char*)ms, 0};
    long pid = exec("/bin/sleeper", child_argv);
    if (pid < 0) {
        printf("orphan: exec failed\n");
        return 1;
    }
    printf("orphan: left pid %ld behind\n", pid);
    return 0;
}
