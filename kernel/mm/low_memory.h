// Frames below 1 MiB. The frame allocator manages only memory above 1 MiB
// (physical_memory.h), so low memory has no owner in the kernel; the one
// user that needs it, the application processors' start-up code (a
// start-up IPI can only point below 1 MiB), takes frames straight from the
// handoff's memory map with this. Portable and host-tested.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "nyanos/boot/handoff.h"
#include "nyanos/paging/pte.h"

namespace nyanos::mm {

// Frame 0 holds the real-mode interrupt vectors and the BIOS data area.
inline constexpr paging::PhysAddr kLowFramesFloor = 0x1000;
// Start-up IPI vectors 0xa0..0xbf are reserved (Intel SDM vol. 3, 8.4.4.1),
// and the legacy video memory and ROMs follow anyway.
inline constexpr paging::PhysAddr kLowFramesCeiling = 0xa0000;

// Writes to `out` up to `count` distinct 4 KiB frames in
// [kLowFramesFloor, kLowFramesCeiling) that lie wholly inside a kUsable
// region of `map` (`regions` entries, in any order) and overlap no region
// of another type; the highest frames first, since the loaders and the
// firmware favour the bottom of memory. Returns how many were found.
// kBootReclaimable memory is never chosen: on the GRUB path it holds the
// multiboot2 information and modules GRUB put in low memory, and the kernel
// does not track when those are dead.
size_t find_low_frames(const boot::MemoryRegion* map, size_t regions, paging::PhysAddr* out,
                       size_t count);

}  // namespace nyanos::mm
