// The bookkeeping behind device interrupt vectors: which of a fixed range of
// IDT vectors are handed out, to which handler (a function pointer and its
// context), aimed at which CPU, and how many interrupts each has taken.
// A message-signalled interrupt (MSI, MSI-X) names its vector itself, so a
// driver needs a vector nobody else uses before it programs its device.
//
// Portable and unlocked: the interrupt layer (arch/x86_64/device_vectors.h)
// keeps the one instance under its lock and dispatches from it; the host
// tests drive it directly. Fixed storage, so nothing here allocates.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "nyanos/lib/result.h"

namespace nyanos {

class DeviceVectorTable {
public:
    using Handler = void (*)(void* context);
    static constexpr unsigned kVectors = 256;

    // A bound vector as the dispatcher and /proc see it.
    struct Binding {
        Handler handler = nullptr;  // nullptr: the vector is free
        void* context = nullptr;
        const char* name = nullptr;  // for listings; outlives the binding (a literal)
        uint32_t cpu = 0;            // the CPU index the device aims it at
        uint64_t count = 0;          // interrupts taken since it was bound
    };

    // The table hands out vectors first..last (inclusive), lowest first.
    // kInvalid from allocate() for every request if first > last.
    constexpr DeviceVectorTable(uint8_t first, uint8_t last) : m_first(first), m_last(last) {}

    // Binds the lowest free vector of the range to handler(context).
    // kInvalid for a null handler or a null name, kBusy when every vector of
    // the range is bound (exhausted).
    Result<uint8_t> allocate(Handler handler, void* context, const char* name, uint32_t cpu);

    // Unbinds `vector`, which may then be handed out again (its count starts
    // over). kInvalid for a vector outside the range, kNoEntry for one that
    // is not bound. The caller makes sure the device no longer sends it.
    Result<void> release(uint8_t vector);

    // True if `vector` lies in the range (bound or not): the dispatcher's
    // question for an arriving vector.
    bool in_range(uint64_t vector) const { return vector >= m_first && vector <= m_last; }

    // For dispatch: the binding of `vector` with its count advanced by one,
    // copied out; nullptr handler when the vector is free or outside the
    // range (a stray: the count is not advanced).
    Binding take(uint64_t vector);

    // The binding of `vector` (a copy; nullptr handler when free).
    Binding binding(uint8_t vector) const;

    // How many vectors are bound, and the n-th bound vector in increasing
    // order (for listings); kNoEntry when there are n or fewer.
    size_t bound() const;
    Result<uint8_t> nth_bound(size_t n) const;

    uint8_t first() const { return m_first; }
    uint8_t last() const { return m_last; }

private:
    uint8_t m_first;
    uint8_t m_last;
    Binding m_bindings[kVectors] = {};
};

}  // namespace nyanos
