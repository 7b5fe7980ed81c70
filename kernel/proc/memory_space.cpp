#include "proc/memory_space.h"

#include <new>

namespace nyanos::proc {

MemorySpace* MemorySpace::create(mm::ProcessMemory&& memory) {
    MemorySpace* space = new (std::nothrow) MemorySpace;
    if (!space) return nullptr;
    space->unshared() = static_cast<mm::ProcessMemory&&>(memory);
    return space;
}

void MemorySpace::release(MemorySpace* space) {
    if (!space) return;
    if (__atomic_sub_fetch(&space->m_users, 1, __ATOMIC_ACQ_REL) != 0) return;
    space->unshared().release();
    delete space;
}

}  // namespace nyanos::proc
