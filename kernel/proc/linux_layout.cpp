#include "proc/linux_layout.h"

namespace nyanos::proc {

namespace {

constexpr uint64_t kPage = 4096;

// A random multiple of a page in [0, range).
uint64_t random_pages(bool randomize, RandomBelow random_below, uint64_t range) {
    return randomize ? random_below(range / kPage) * kPage : 0;
}

}  // namespace

LinuxLayout choose_linux_layout(bool randomize, RandomBelow random_below) {
    LinuxLayout l{};
    l.stack_top = kLinuxTaskSize - random_pages(randomize, random_below, kLinuxStackRandomRange);
    l.stack_shift = randomize ? random_below(8192) & ~uint64_t(15) : 0;
    // The gap between the top of the user half and the mmap base covers
    // the stack's limit, its guard gap and the range its top may move, and
    // is at least 128 MiB (mmap_base() in arch/x86/mm/mmap.c).
    uint64_t gap =
        kLinuxStackLimit + kLinuxStackGuardGap + (randomize ? kLinuxStackRandomRange : 0);
    if (gap < (128ull << 20)) gap = 128ull << 20;
    l.mmap_base =
        kLinuxTaskSize - gap - random_pages(randomize, random_below, kLinuxMmapRandomRange);
    l.brk_shift = random_pages(randomize, random_below, kLinuxBrkRandomRange);
    l.randomized = randomize;
    return l;
}

uint64_t linux_pie_bias(const LinuxLayout& layout, uint64_t lowest_page, uint64_t span) {
    uint64_t pages = (span + kPage - 1) & ~(kPage - 1);
    return layout.mmap_base - pages - lowest_page;
}

uint64_t linux_brk_start(const LinuxLayout& layout, uint64_t image_end, bool position_independent) {
    return (position_independent ? kLinuxDynBase : image_end) + layout.brk_shift;
}

}  // namespace nyanos::proc
