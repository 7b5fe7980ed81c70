// The memory layout every user process sees. Fixed points: programs are
// linked at 0x400000 (user/lib/user.ld), and the stack top is 0x1000000
// (16 MiB), leaving the image almost 12 MiB below the stack; an image that
// would reach the stack's guard page is rejected (kImageLimit).
//
//   0x0000000000400000  program image (PT_LOADs must lie in [kImageBase, kImageLimit))
//   0x0000000000feffff  guard page (never mapped)
//   0x0000000000ff0000  stack, kStackSize bytes, RW- NX
//   0x0000000001000000  stack top (initial RSP just below, System V layout)
//   0x0000000001001000  heap (sbrk) base, grows up to kHeapLimit
#pragma once

#include <stdint.h>

#include "nyanos/abi/syscall.h"

namespace nyanos::proc {

inline constexpr uint64_t kPageSize = 4096;
inline constexpr uint64_t kImageBase = NYAN_USER_BASE;
inline constexpr uint64_t kStackTop = NYAN_USER_STACK_TOP;
inline constexpr uint64_t kStackSize = 64 * 1024;
inline constexpr uint64_t kStackBottom = kStackTop - kStackSize;
inline constexpr uint64_t kGuardPage = kStackBottom - kPageSize;
// The image must end below the guard page.
inline constexpr uint64_t kImageLimit = kGuardPage;
// One unmapped page between the stack top and the heap, so a stack
// underflow (popping past the top) faults instead of reading heap data.
inline constexpr uint64_t kHeapBase = kStackTop + kPageSize;
inline constexpr uint64_t kHeapLimit = 0x0000000040000000ull;  // 1 GiB

// The initial stack's argument area may use at most this much (argv and envp
// strings, pointers and auxv); more is E2BIG.
inline constexpr uint64_t kMaxArgBytes = 32 * 1024;
inline constexpr uint64_t kMaxArgs = 1024;

}  // namespace nyanos::proc
