/* The C side of process start: global constructors, main, exit. */
#include <stdlib.h>

char** environ;

int main(int argc, char** argv, char** envp);

typedef void (*nyan_ctor)(void);
/* Defined by user.ld around .init_array. */
extern nyan_ctor __init_array_start[];
extern nyan_ctor __init_array_end[];

NYAN_NORETURN void __nyan_start(int argc, char** argv, char** envp);

void __nyan_start(int argc, char** argv, char** envp) {
    environ = envp;
    for (nyan_ctor* c = __init_array_start; c != __init_array_end; ++c) (*c)();
    exit(main(argc, argv, envp));
}
