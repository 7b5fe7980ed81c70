// Copies between the kernel and the current process's user memory. Every
// user pointer is checked against the user half (no wrap, no kernel-half,
// HHDM or non-canonical address); the copy itself runs with SMAP opened
// (stac/clac) inside a registered fault fixup, so an unmapped or read-only
// page gives EFAULT, never a kernel panic, and no kernel byte ever reaches
// user space. A copy that faults has its pages prefaulted through the
// process's memory (lazy pages mapped, copy-on-write broken for a write:
// mm::ProcessMemory::prefault) and runs again, a few rounds at most (a
// sibling thread's fork may write-protect a page again in between); it is
// EFAULT when a page cannot be made usable.
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
// For a caller that must write user memory while it holds a spinlock:
// prepare_user_write faults [user_dst, user_dst + length) in for writing
// beforehand (EFAULT if it cannot be), and copy_to_user_now then makes one
// attempt without faulting anything in (EFAULT if a page went meanwhile).
Result<void> prepare_user_write(uint64_t user_dst, size_t length);
Result<void> copy_to_user_now(uint64_t user_dst, const void* src, size_t length);

// Reads the 32-bit word at `user_src` as it is now, without faulting a page
// in: one attempt, EFAULT if the page is not mapped for reading at this
// moment. For a caller that holds a spinlock (no prefault, which takes the
// memory lock, may run under one); it then lets go, faults the page in
// with copy_from_user and tries again.
Result<uint32_t> read_user_word_now(uint64_t user_src);

// One atomic compare-and-exchange of the aligned 32-bit user word at
// `user_word`: it becomes `desired` if it holds `expected`. Returns the
// value it held before (== expected when replaced). EFAULT on a bad or
// unaligned pointer. Faults the page in (writable) like copy_to_user.
Result<uint32_t> compare_exchange_user_word(uint64_t user_word, uint32_t expected,
                                            uint32_t desired);

// Copies a NUL-terminated string of at most max - 1 bytes (plus the NUL),
// faulting in the lazy pages its scan reaches. ENAMETOOLONG if there is no
// NUL within max bytes, EFAULT on a bad pointer.
Result<size_t> copy_string_from_user(char* dst, uint64_t user_src, size_t max);

}  // namespace nyanos::sys
