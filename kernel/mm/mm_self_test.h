// A boot-time self-test of the live frame allocator and kernel heap, run when
// the command line has `mm_selftest` (mm_self_test.kernel.cpp).
#pragma once

namespace nyanos::mm {

// Allocates, writes, checks and frees frames (single, contiguous, zeroed) and
// heap blocks (kmalloc sizes from 1 byte to 100 KB, nothrow new/delete), then
// checks that nothing leaked and prints `mm: selftest ok free_frames=N`.
// Panics with `mm selftest: <what>` on any failure.
void run_self_test();

}  // namespace nyanos::mm
