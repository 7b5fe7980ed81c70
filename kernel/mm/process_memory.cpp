#include "mm/process_memory.h"

namespace nyanos::mm {

namespace {
constexpr uint64_t kPage = paging::kPageSize;
uint64_t page_up(uint64_t v) {
    return (v + kPage - 1) & ~(kPage - 1);
}
}  // namespace

bool ProcessMemory::resolve_fault(uint64_t address, bool known_absent) {
    bool in_stack = address >= stack_bottom && address < stack_top;
    bool in_heap = address >= heap_base && address < heap_break;
    if (!in_stack && !in_heap) return false;
    uint64_t page = address & ~(kPage - 1);
    // A not-present fault already says the page is absent; a prefault for a
    // user copy must look first (the page is usually there).
    if (!known_absent && space.translate(page).ok()) return false;
    return space.map_anonymous(page, 1, PageFlags{.writable = true}).ok();
}

Result<uint64_t> ProcessMemory::sbrk(int64_t increment) {
    uint64_t old = heap_break;
    if (increment == 0) return old;
    if (increment > 0) {
        if (uint64_t(increment) > heap_limit - old) return Error::kNoMemory;
        heap_break = old + uint64_t(increment);
        return old;
    }
    uint64_t shrink = 0 - uint64_t(increment);  // well defined for INT64_MIN too
    if (shrink > old - heap_base) return Error::kInvalid;
    heap_break = old - shrink;
    uint64_t first = page_up(heap_break);
    uint64_t last = page_up(old);
    if (last > first) space.unmap_range(first, (last - first) / kPage);
    return old;
}

}  // namespace nyanos::mm
