/* cat FILE...: prints ramdisk files. With no file it copies fd 0 until end of
 * input (the console never ends: press Ctrl-C). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int copy(int fd, const char* name) {
    char buf[1024];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0) {
            fprintf(stderr, "cat: %s: %s\n", name, strerror(errno));
            return 1;
        }
        if (n == 0) return 0;
        for (ssize_t done = 0; done < n;) {
            ssize_t w = write(1, buf + done, (size_t)(n - done));
            if (w <= 0) return 1;
            done += w;
        }
    }
}

int main(int argc, char** argv) {
    if (argc < 2) return copy(0, "stdin");
    int rc = 0;
    for (int i = 1; i < argc; ++i) {
        int fd = open(argv[i], O_RDONLY);
        if (fd < 0) {
            fprintf(stderr, "cat: %s: %s\n", argv[i], strerror(errno));
            rc = 1;
            continue;
        }
        rc |= copy(fd, argv[i]);
        close(fd);
    }
    return rc;
}
