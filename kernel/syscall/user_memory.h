// Copies between the kernel and the current process's user memory. Every
// user pointer is checked against the user half (no wrap, no kernel-half,
// HHDM or non-canonical address); the copy itself runs with SMAP opened
// (stac/clac) inside a registered fault fixup, so an unmapped or read-only
// page gives EFAULT, never a kernel panic, and no kernel byte ever reaches
// user space. A copy that faults has its pages prefaulted through the
// process's memory (lazy pages mapped, copy-on-write broken for a write:
// mm::ProcessMemory::prefault) and runs once more; only then is it EFAULT.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "mm/address_space.h"
#include "nyanos/lib/result.h"

namespace nyanos::sys {

// Whether [address, address + length) lies in the user half without
// wrapping: what every copy checks first, and what read and write check
// before they wait for anything (a bad buffer is EFAULT at once).
inline bool is_user_range(uint64_t address, size_t length) {
    return address < mm::kUserSpaceEnd && length <= mm::kUserSpaceEnd - address;
}

void init_user_memory();

Result<void> copy_from_user(void* dst, uint64_t user_src, size_t length);
Result<void> copy_to_user(uint64_t user_dst, const void* src, size_t length);
// Copies a NUL-terminated string of at most max - 1 bytes (plus the NUL),
// faulting in the lazy pages its scan reaches. ENAMETOOLONG if there is no
// NUL within max bytes, EFAULT on a bad pointer.
Result<size_t> copy_string_from_user(char* dst, uint64_t user_src, size_t max);

}  // namespace nyanos::sys
