// Bounds for indexes that come from user space, safe under speculation.
//
// After `if (i < size) x = table[i];` a CPU may run the load before the
// compare resolves, with an out-of-range i chosen by the caller, and leave
// a trace of table[i] in the cache (Spectre variant 1). Clamping the index
// with a mask computed without a branch closes that: whatever the CPU
// predicts, the load uses an index that is in range or 0.
#pragma once

#include <stddef.h>

namespace nyanos {

// `index` if index < size, else 0; the caller has checked the bound already
// (this is the speculation barrier, not the check).
inline size_t array_index_nospec(size_t index, size_t size) {
    size_t mask;
    // cmp computes index - size: the carry is set exactly when index < size,
    // and sbb turns it into all ones (or zero).
    asm("cmp %2, %1\n\tsbb %0, %0" : "=r"(mask) : "r"(index), "r"(size) : "cc");
    return index & mask;
}

// `index` if index < size, else `size` itself: for a table with one slot
// more than its `size` entries, the last one answering every out-of-range
// index. No separate bound check is needed: a conditional move is no
// branch, so no prediction can run the load with an index the clamp did
// not produce.
inline size_t array_index_clamp_nospec(size_t index, size_t size) {
    asm("cmp %1, %0\n\tcmovae %1, %0" : "+r"(index) : "r"(size) : "cc");
    return index;
}

}  // namespace nyanos
