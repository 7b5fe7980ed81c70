// The kernel's frame allocator, built from the handoff's memory map and
// reaching frames through the HHDM.
#include "boot_info.h"
#include "lib/panic.h"
#include "mm/kernel_memory_context.h"
#include "mm/physical_memory.h"

namespace nyanos::mm {

namespace {

// Constant-initialised (empty) so it is usable before global constructors run.
constinit PhysicalMemory g_physical_memory;
bool g_boot_memory_reclaimed = false;

// Frames below this are never handed out: legacy BIOS data on the BIOS path,
// and the only place an AP startup trampoline can live.
constexpr PhysAddr kLowMemoryEnd = 0x100000;

// A region's part at or above kLowMemoryEnd; false if nothing is left.
bool above_low_memory(const boot::MemoryRegion& r, PhysRange& out) {
    uint64_t end = r.base + r.length;
    if (end <= kLowMemoryEnd) return false;
    out.base = r.base < kLowMemoryEnd ? kLowMemoryEnd : r.base;
    out.length = end - out.base;
    return true;
}

}  // namespace

PhysicalMemory& physical_memory() {
    return g_physical_memory;
}

void init_physical_memory() {
    const boot::BootInfo& info = boot_info();
    static PhysRange usable[boot::kMaxMemoryRegions];
    size_t count = 0;
    // The span covers every region that may be handed over now or later.
    PhysAddr span_first = ~0ull, span_end = 0;
    for (uint32_t i = 0; i < info.memory_region_count; ++i) {
        const boot::MemoryRegion& r = info.memory_map[i];
        if (r.type != boot::MemoryType::kUsable && r.type != boot::MemoryType::kBootReclaimable)
            continue;
        PhysRange range;
        if (!above_low_memory(r, range)) continue;
        if (range.base < span_first) span_first = range.base;
        if (range.base + range.length > span_end) span_end = range.base + range.length;
        if (r.type == boot::MemoryType::kUsable) usable[count++] = range;
    }
    if (count == 0) panic("mm: the memory map has no usable memory above 1 MiB");

    // The kernel's memory context is the one direct map (the HHDM) for every
    // portable unit, this one included.
    auto created = PhysicalMemory::try_create(
        usable, count, PhysRange{span_first, span_end - span_first}, kernel_memory_context());
    if (!created.ok())
        panic("mm: cannot build the frame allocator from the memory map: %s",
              error_name(created.error()));
    g_physical_memory = created.release_value();
}

void reclaim_boot_memory() {
    VERIFY(!g_boot_memory_reclaimed);
    g_boot_memory_reclaimed = true;
    const boot::BootInfo& info = boot_info();
    for (uint32_t i = 0; i < info.memory_region_count; ++i) {
        const boot::MemoryRegion& r = info.memory_map[i];
        if (r.type != boot::MemoryType::kBootReclaimable) continue;
        PhysRange range;
        if (above_low_memory(r, range)) g_physical_memory.add_free_range(range.base, range.length);
    }
}

}  // namespace nyanos::mm
