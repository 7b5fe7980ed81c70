/* hello: the first program; prints its arguments. */
#include <stdio.h>

int main(int argc, char** argv) {
    puts("Hello from NyanOS!");
    printf("argc=%d\n", argc);
    for (int i = 0; i < argc; ++i) printf("argv[%d]=%s\n", i, argv[i]);
    return 0;
}
