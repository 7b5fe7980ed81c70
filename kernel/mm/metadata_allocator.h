// Where the VM layer's bookkeeping (the region map, mm/vm_map.h) gets its
// memory: the kernel heap in the kernel, a counting allocator that fails on
// demand in the host tests. MemoryContext (mm/address_space.h) is one.
#pragma once

#include <stddef.h>

namespace nyanos::mm {

class MetadataAllocator {
public:
    // `bytes` bytes, 16-byte aligned, contents unspecified; nullptr when out
    // of memory.
    virtual void* allocate_metadata(size_t bytes) = 0;
    // Gives back a block from allocate_metadata (nullptr is ignored).
    virtual void free_metadata(void* block) = 0;

protected:
    ~MetadataAllocator() = default;
};

}  // namespace nyanos::mm
