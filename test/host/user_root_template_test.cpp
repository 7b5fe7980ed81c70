// The user-root template maps exactly the pages it is given, to the frames
// the kernel's tables map them to, and nothing else of the kernel half.
#include <doctest/doctest.h>

#include <map>

#include "fake_ram.h"
#include "mm/user_root_template.h"
#include "nyanos/paging/page_table.h"

using namespace nyanos;
using namespace nyanos::paging;
using namespace nyanos::test;

namespace {

using Table = PageTable<FakePagingEnv>;

// Every leaf under `root`'s kernel half, as page address -> (frame, flags),
// 4 KiB pages only (the template has no others).
void collect_leaves(FakeRam& ram, PhysAddr table, int level, uint64_t base,
                    std::map<VirtAddr, std::pair<PhysAddr, PageFlags>>& out) {
    auto* entries = static_cast<PageTableEntry*>(ram.phys_to_virt(table));
    unsigned first = level == 4 ? kFirstKernelPml4Index : 0;
    for (unsigned i = first; i < 512; ++i) {
        if (!entries[i].present()) continue;
        uint64_t va = base + (uint64_t(i) << (12 + 9 * (level - 1)));
        if (level == 4) va |= 0xffff000000000000ull;
        if (level == 1) {
            out[va] = {entries[i].address(), entries[i].flags()};
            continue;
        }
        REQUIRE(!entries[i].huge());
        collect_leaves(ram, entries[i].address(), level - 1, va, out);
    }
}

constexpr VirtAddr kImage = 0xffffffff80000000ull;
constexpr VirtAddr kDirectMap = 0xffff800000000000ull;

}  // namespace

TEST_CASE("User-root template: exactly the aliased pages, at the kernel's frames") {
    FakeRam ram(256);
    FailingFrameAllocator allocator(ram);
    FakePagingEnv env{ram, allocator, {}};
    Table kernel(env, allocator.allocate().release_value());
    Table templ(env, allocator.allocate().release_value());
    // The kernel maps its image in 4 KiB pages and the direct map in 2 MiB
    // ones; the template takes two image pages and one 4 KiB page inside a
    // 2 MiB direct-map page (a CPU's stacks).
    for (unsigned i = 0; i < 8; ++i)
        REQUIRE(kernel.map(kImage + i * kPageSize, 0x100000 + i * kPageSize, {}).ok());
    REQUIRE(
        kernel.map(kDirectMap + kLargePageSize, kLargePageSize, {.writable = true}, PageSize::k2M)
            .ok());
    const PageFlags text{.executable = true};
    const PageFlags data{.writable = true};
    REQUIRE(mm::alias_into_template(templ, kernel, kImage + 2 * kPageSize + 8, 100, text).ok());
    REQUIRE(mm::alias_into_template(templ, kernel, kImage + 5 * kPageSize, kPageSize, data).ok());
    VirtAddr stack = kDirectMap + kLargePageSize + 3 * kPageSize;
    REQUIRE(mm::alias_into_template(templ, kernel, stack, kPageSize, data).ok());
    // Twice is harmless.
    REQUIRE(mm::alias_into_template(templ, kernel, stack, kPageSize, data).ok());

    std::map<VirtAddr, std::pair<PhysAddr, PageFlags>> leaves;
    collect_leaves(ram, templ.root(), 4, 0, leaves);
    REQUIRE(leaves.size() == 3);
    CHECK(leaves[kImage + 2 * kPageSize].first == 0x102000);
    CHECK(leaves[kImage + 2 * kPageSize].second == text);
    CHECK(leaves[kImage + 5 * kPageSize].first == 0x105000);
    CHECK(leaves[kImage + 5 * kPageSize].second == data);
    CHECK(leaves[stack].first == kLargePageSize + 3 * kPageSize);
}

TEST_CASE("User-root template: refuses what the kernel does not map, and user addresses") {
    FakeRam ram(64);
    FailingFrameAllocator allocator(ram);
    FakePagingEnv env{ram, allocator, {}};
    Table kernel(env, allocator.allocate().release_value());
    Table templ(env, allocator.allocate().release_value());
    CHECK(mm::alias_into_template(templ, kernel, kImage, kPageSize, {}).error() == Error::kNoEntry);
    REQUIRE(kernel.map(0x400000, 0x200000, {.user = true}).ok());
    CHECK(mm::alias_into_template(templ, kernel, 0x400000, kPageSize, {}).error() ==
          Error::kInvalid);
    REQUIRE(kernel.map(kImage, 0x200000, {}).ok());
    allocator.fail_at(1);
    CHECK(mm::alias_into_template(templ, kernel, kImage, kPageSize, {}).error() ==
          Error::kNoMemory);
}
