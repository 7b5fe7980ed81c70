// The Linux-personality layout: fixed with norandmaps, and with
// randomisation every part inside Linux's ranges, page aligned, and the
// pieces never overlapping whatever the random source says.
#include <doctest/doctest.h>

#include "proc/linux_layout.h"

using namespace nyanos::proc;

namespace {

uint64_t always_zero(uint64_t) {
    return 0;
}
uint64_t always_max(uint64_t bound) {
    return bound - 1;
}
uint64_t g_state = 0x9e3779b97f4a7c15ull;
uint64_t pseudo(uint64_t bound) {
    g_state ^= g_state << 13, g_state ^= g_state >> 7, g_state ^= g_state << 17;
    return g_state % bound;
}

void check_sane(const LinuxLayout& l) {
    CHECK(l.stack_top % 4096 == 0);
    CHECK(l.mmap_base % 4096 == 0);
    CHECK(l.brk_shift % 4096 == 0);
    CHECK(l.stack_shift % 16 == 0);
    CHECK(l.stack_shift < 8192);
    CHECK(l.stack_top <= kLinuxTaskSize);
    CHECK(l.stack_top > kLinuxTaskSize - kLinuxStackRandomRange - 1);
    // The whole stack, at its limit and with its guard gap, stays above
    // every mmap address.
    CHECK(l.mmap_base + kLinuxStackGuardGap + kLinuxStackLimit <= l.stack_top);
    // A static-PIE's heap starts far below the mmap area it sits in.
    if (l.randomized) CHECK(linux_brk_start(l, l.mmap_base, true) + (1ull << 40) < l.mmap_base);
}

}  // namespace

TEST_CASE("linux layout: norandmaps gives Linux's fixed addresses") {
    LinuxLayout l = choose_linux_layout(false, always_max);
    CHECK(l.stack_top == 0x7ffffffff000ull);
    CHECK(l.stack_shift == 0);
    CHECK(l.brk_shift == 0);
    CHECK(linux_brk_start(l, 0x1234000, true) == kLinuxDynBase);
    CHECK(linux_brk_start(l, 0x1234000, false) == 0x1234000);
    // TASK_SIZE - 128 MiB: the gap's minimum wins over 8 MiB + 1 MiB.
    CHECK(l.mmap_base == 0x7ffff7fff000ull);
    check_sane(l);
}

TEST_CASE("linux layout: randomised parts stay in range at both extremes") {
    LinuxLayout low = choose_linux_layout(true, always_zero);
    check_sane(low);
    CHECK(low.stack_top == kLinuxTaskSize);
    LinuxLayout high = choose_linux_layout(true, always_max);
    check_sane(high);
    CHECK(high.stack_top == kLinuxTaskSize - kLinuxStackRandomRange + 4096);
    CHECK(high.brk_shift == kLinuxBrkRandomRange - 4096);
    CHECK(high.stack_shift == 8176);
}

TEST_CASE("linux layout: randomised layouts differ and stay sane") {
    LinuxLayout first = choose_linux_layout(true, pseudo);
    bool differs = false;
    for (int i = 0; i < 1000; ++i) {
        LinuxLayout l = choose_linux_layout(true, pseudo);
        check_sane(l);
        differs |= l.stack_top != first.stack_top || l.mmap_base != first.mmap_base ||
                   l.brk_shift != first.brk_shift;
    }
    CHECK(differs);
}

TEST_CASE(
    "linux layout: a static-PIE goes right below the mmap base, its heap at ELF_ET_DYN_BASE") {
    LinuxLayout l = choose_linux_layout(true, always_max);
    uint64_t bias = linux_pie_bias(l, 0x0, 0x12345);
    CHECK(bias % 4096 == 0);
    CHECK(bias + 0x13000 == l.mmap_base);
    CHECK(linux_brk_start(l, bias + 0x13000, true) == kLinuxDynBase + l.brk_shift);
    CHECK(linux_brk_start(l, 0x600000, false) == 0x600000 + l.brk_shift);
    // A PIE linked above 0 moves by its link address too.
    CHECK(linux_pie_bias(l, 0x400000, 0x1000) + 0x400000 + 0x1000 == l.mmap_base);
}
