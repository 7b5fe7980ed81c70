// AlignedBlock: sole owner of a heap block whose usable bytes start at an
// `alignment` boundary stricter than the heap's own (16 bytes): an XSAVE
// area needs 64. It over-allocates by the difference and keeps the pointer
// the heap returned, to free it. Move-only; freed by its destructor, so an
// early return on any failure path cannot leak it.
//
// Portable (host-tested in test/host/aligned_block_test.cpp).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "lib/panic.h"
#include "nyanos/lib/result.h"

namespace nyanos {

class AlignedBlock {
public:
    // What operator new (kmalloc in the kernel) guarantees.
    static constexpr size_t kHeapAlignment = __STDCPP_DEFAULT_NEW_ALIGNMENT__;

    // `bytes` (> 0) bytes at an `alignment` boundary (a power of two, at most
    // 4096), contents unspecified; kNoMemory when the heap is out, kInvalid
    // for a bad size or alignment.
    static Result<AlignedBlock> try_allocate(size_t bytes, size_t alignment) {
        if (bytes == 0 || alignment == 0 || (alignment & (alignment - 1)) || alignment > 4096)
            return Error::kInvalid;
        size_t slack = alignment > kHeapAlignment ? alignment - kHeapAlignment : 0;
        if (bytes > SIZE_MAX / 2 - slack) return Error::kInvalid;
        uint8_t* raw = new (std::nothrow) uint8_t[bytes + slack];
        if (!raw) return Error::kNoMemory;
        VERIFY(reinterpret_cast<uintptr_t>(raw) % kHeapAlignment == 0);
        uintptr_t aligned = (reinterpret_cast<uintptr_t>(raw) + alignment - 1) & ~(alignment - 1);
        return AlignedBlock(raw, raw + (aligned - reinterpret_cast<uintptr_t>(raw)));
    }

    AlignedBlock() = default;
    AlignedBlock(AlignedBlock&& other) : m_raw(other.m_raw), m_data(other.m_data) {
        other.m_raw = other.m_data = nullptr;
    }
    AlignedBlock& operator=(AlignedBlock&& other) {
        if (this != &other) {
            delete[] m_raw;
            m_raw = other.m_raw;
            m_data = other.m_data;
            other.m_raw = other.m_data = nullptr;
        }
        return *this;
    }
    AlignedBlock(const AlignedBlock&) = delete;
    AlignedBlock& operator=(const AlignedBlock&) = delete;
    ~AlignedBlock() { delete[] m_raw; }

    // The aligned bytes; nullptr for an empty (default or moved-from) block.
    uint8_t* data() const { return m_data; }

private:
    AlignedBlock(uint8_t* raw, uint8_t* data) : m_raw(raw), m_data(data) {}

    uint8_t* m_raw = nullptr;   // what the heap returned, for delete[]
    uint8_t* m_data = nullptr;  // m_raw rounded up to the alignment
};

}  // namespace nyanos
