/* pause: blocks forever (until killed) without touching more memory than a
 * program needs to start. The benchmarks use it as the minimal process. */
#include <nyan.h>

int main(void) {
    char c;
    for (;;) read(0, &c, 0 + 1); /* console input wakes it; nothing is sent */
}
