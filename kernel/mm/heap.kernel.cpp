// The kernel's heap instance, kmalloc/kfree, and the C++ allocation
// operators. Only the non-throwing `new` exists: a plain `new T` (which could
// not report failure without exceptions) fails to link, so every allocation
// site has to handle nullptr.
#include <new>

#include "boot_info.h"
#include "mm/heap.h"

namespace {

nyanos::mm::Heap& kernel_heap() {
    // Built on first use, over the global frame allocator (which fails every
    // allocation until init_physical_memory() has run). Heap's destructor is
    // trivial, so no exit-time registration is emitted.
    static nyanos::mm::Heap heap(nyanos::mm::physical_memory(), nyanos::boot::kHhdmBase);
    return heap;
}

}  // namespace

void* kmalloc(size_t size) {
    return kernel_heap().allocate(size);
}
void kfree(void* p) {
    kernel_heap().free(p);
}

namespace nyanos::mm {
HeapStats kernel_heap_stats() {
    return kernel_heap().stats();
}
void kernel_heap_trim() {
    kernel_heap().trim();
}
}  // namespace nyanos::mm

// The kernel links no C++ runtime, so the nothrow tag object lives here.
namespace std {
const nothrow_t nothrow{};
}  // namespace std

void* operator new(size_t size, const std::nothrow_t&) noexcept {
    return kmalloc(size);
}
void* operator new[](size_t size, const std::nothrow_t&) noexcept {
    return kmalloc(size);
}
void operator delete(void* p) noexcept {
    kfree(p);
}
void operator delete[](void* p) noexcept {
    kfree(p);
}
void operator delete(void* p, size_t) noexcept {
    kfree(p);
}
void operator delete[](void* p, size_t) noexcept {
    kfree(p);
}
void operator delete(void* p, const std::nothrow_t&) noexcept {
    kfree(p);
}
void operator delete[](void* p, const std::nothrow_t&) noexcept {
    kfree(p);
}
