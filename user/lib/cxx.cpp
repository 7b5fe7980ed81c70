// The little C++ runtime a freestanding program needs: new/delete on malloc
// and the pure-virtual trap. Programs are built with -fno-exceptions, so a
// failed `new` ends the program instead of throwing.
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

namespace {
void* checked_alloc(size_t size) {
    void* p = malloc(size ? size : 1);
    if (!p) {
        dprintf(2, "operator new: out of memory (%zu bytes)\n", size);
        abort();
    }
    return p;
}
}  // namespace

void* operator new(size_t size) { return checked_alloc(size); }
void* operator new[](size_t size) { return checked_alloc(size); }
void operator delete(void* p) noexcept { free(p); }
void operator delete[](void* p) noexcept { free(p); }
void operator delete(void* p, size_t) noexcept { free(p); }
void operator delete[](void* p, size_t) noexcept { free(p); }

extern "C" void __cxa_pure_virtual() {
    dprintf(2, "pure virtual function called\n");
    abort();
}
