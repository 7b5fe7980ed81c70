// The kernel's random numbers: one ChaCha20 CSPRNG with fast key erasure
// (lib/csprng.h, batched: BufferedCsprng) for the whole kernel, seeded at
// boot from RDSEED, else RDRAND, always with TSC jitter mixed in (only TSC
// jitter on a CPU with neither instruction), and reseeded from RDRAND (when
// there is one) and the TSC every 256 requests. Users: AT_RANDOM for every
// new process (proc/lifecycle), address-space randomisation.
//
// random_bytes, random_u64 and random_below may be called on any CPU, with
// interrupts on or off, under any other lock, and from an interrupt handler: the state is behind
// an IRQ-saving leaf lock, held for a copy or, one request in thirty, for
// eight ChaCha20 blocks (docs/locking.md). `buf` must be kernel memory (it
// may be written with the lock held): copy to user memory afterwards.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace nyanos {

// Seeds the generator and prints `random: seeded from rdseed|rdrand|
// tsc-jitter` (the weakest source the seed relied on). Once, on the boot
// CPU, after arch::init_cpu() (CPUID) and before anything asks for random
// bytes (a request before it is a kernel bug: panic).
void init_random();

// n random bytes into buf. Never fails. Fast key erasure: once it returns,
// nothing in the kernel's memory can recompute what it wrote.
void random_bytes(void* buf, size_t n);

// A uniform 64-bit number.
uint64_t random_u64();

// A uniform number in [0, bound), without modulo bias (for ASLR slots).
// bound 0 or 1 gives 0.
uint64_t random_below(uint64_t bound);

}  // namespace nyanos
