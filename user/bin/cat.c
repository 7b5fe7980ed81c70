/* cat [-u] [FILE...]: prints ramdisk files. With no file, or for "-", it
 * copies fd 0 until end of input (the console never ends: press Ctrl-C).
 *
 * This is POSIX cat (-u is accepted and ignored: output is never buffered).
 * busybox's cat also has -n, -b, -v, -e, -t and -A: a Linux program that
 * runs this /bin/cat by path with one of those gets an error naming
 * busybox's, never a silently different result. (Its shell and applets run
 * busybox's own cat: README, "Running Linux programs".) */
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
    int i = 1;
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; ++i) {
        if (!strcmp(argv[i], "--")) {
            ++i;
            break;
        }
        for (const char* p = argv[i] + 1; *p; ++p) {
            if (*p == 'u') continue;
            fprintf(stderr, "cat: -%c: not supported by NyanOS's cat (busybox cat has it)\n", *p);
            return 1;
        }
    }
    if (i == argc) return copy(0, "stdin");
    int rc = 0;
    for (; i < argc; ++i) {
        if (!strcmp(argv[i], "-")) {
            rc |= copy(0, "stdin");
            continue;
        }
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
