/* exit-with N: exits with status N (0..255), to test status reporting. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char** argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: exit-with N\n");
        return 2;
    }
    exit(atoi(argv[1]));
}
