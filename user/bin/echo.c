/* echo [-n] ARG...: prints the arguments separated by spaces. */
#include <string.h>
#include <unistd.h>

int main(int argc, char** argv) {
    int i = 1, newline = 1;
    if (argc > 1 && !strcmp(argv[1], "-n")) {
        newline = 0;
        ++i;
    }
    for (int first = i; i < argc; ++i) {
        if (i > first) write(1, " ", 1);
        write(1, argv[i], strlen(argv[i]));
    }
    if (newline) write(1, "\n", 1);
    return 0;
}
