// libFuzzer target: the multiboot2 MBI parser (include/nyanos/boot/
// multiboot2.h) and what the GRUB loader does with its result
// (grub/boot_regions.h: the region list and the claims for the MBI and the
// modules), on arbitrary bytes.
//
// An accepted MBI must only point inside the buffer, its strings must end
// inside it, and the region list built from it must stay normalized (sorted,
// page granular, non-overlapping) through every claim.
#include <stdint.h>
#include <string.h>

#include <vector>

#include "boot_regions.h"
#include "fuzz_check.h"
#include "nyanos/boot/multiboot2.h"

using namespace nyanos;
namespace mb2 = nyanos::boot::multiboot2;

namespace {

bool inside(const void* p, size_t n, const uint8_t* base, size_t size) {
    auto* b = static_cast<const uint8_t*>(p);
    return b >= base && n <= size && b <= base + size - n;
}

void check_string(const char* s, const uint8_t* base, size_t size, const char* what) {
    if (!s) return;
    FUZZ_CHECK(inside(s, 1, base, size), "%s outside the MBI", what);
    size_t room = size - static_cast<size_t>(reinterpret_cast<const uint8_t*>(s) - base);
    FUZZ_CHECK(memchr(s, 0, room) != nullptr, "%s not terminated inside the MBI", what);
}

template <size_t N>
void check_regions(const boot::RegionList<N>& list) {
    for (size_t i = 0; i < list.count(); ++i) {
        const boot::MemoryRegion& r = list[i];
        FUZZ_CHECK(r.length > 0 && r.base % 4096 == 0 && r.length % 4096 == 0,
                   "region %zu not page granular", i);
        FUZZ_CHECK(r.base + r.length > r.base, "region %zu wraps", i);
        if (i > 0) {
            const boot::MemoryRegion& p = list[i - 1];
            FUZZ_CHECK(p.base + p.length <= r.base, "regions %zu and %zu overlap or unsorted",
                       i - 1, i);
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    // The parser needs an 8-byte aligned MBI. The buffer is `size` rounded up
    // to 8; the parser is told `size`, and the checks below hold it to that.
    size_t alloc = size ? (size + 7) & ~size_t(7) : 8;
    uint8_t* mbi = static_cast<uint8_t*>(aligned_alloc(8, alloc));
    if (!mbi) return 0;
    memcpy(mbi, data, size);
    fuzz::no_panic("multiboot2::parse", [&] {
        mb2::Diagnostic diag;
        auto parsed = mb2::parse(mbi, size, &diag);
        if (!parsed.ok()) {
            FUZZ_CHECK(diag.reason != nullptr, "error without a reason");
            FUZZ_CHECK(diag.offset <= size, "diagnostic offset %u past the end", diag.offset);
            return;
        }
        const mb2::Info& info = parsed.value();
        FUZZ_CHECK(info.total_size <= size, "total_size beyond the buffer");
        check_string(info.cmdline, mbi, info.total_size, "cmdline");
        check_string(info.bootloader_name, mbi, info.total_size, "bootloader name");
        FUZZ_CHECK(info.module_count <= mb2::kMaxModules, "module count");
        for (uint32_t i = 0; i < info.module_count; ++i) {
            check_string(info.modules[i].string, mbi, info.total_size, "module string");
            FUZZ_CHECK(info.modules[i].start <= info.modules[i].end, "module ends before start");
        }
        if (info.memory_map) {
            FUZZ_CHECK(inside(info.memory_map,
                              size_t(info.memory_map_entry_count) * info.memory_map_entry_size, mbi,
                              info.total_size),
                       "memory map outside the MBI");
            for (uint32_t i = 0; i < info.memory_map_entry_count; ++i)
                (void)info.memory_map_entry(i);
        }
        if (info.rsdp_v1) FUZZ_CHECK(inside(info.rsdp_v1, mb2::kRsdpV1Size, mbi, size), "rsdp");
        if (info.rsdp_v2) FUZZ_CHECK(inside(info.rsdp_v2, info.rsdp_v2_size, mbi, size), "rsdp v2");

        if (info.cmdline) {
            char out[64];
            auto n = mb2::unescape_grub_cmdline(info.cmdline, out, sizeof(out));
            if (n.ok()) FUZZ_CHECK(n.value() < sizeof(out) && out[n.value()] == 0, "unescape");
        }

        // What the loader does next: build its region list and claim the
        // MBI and the modules out of it.
        static boot::RegionList<boot::kMaxMemoryRegions> regions;
        if (!regions.load(info).ok()) return;
        check_regions(regions);
        (void)regions.claim(0x10000, 0x10000 + info.total_size, boot::MemoryType::kBootReclaimable);
        check_regions(regions);
        for (uint32_t i = 0; i < info.module_count; ++i) {
            (void)regions.claim(info.modules[i].start, info.modules[i].end,
                                boot::MemoryType::kKernelAndModules);
            check_regions(regions);
        }
        auto got =
            regions.allocate(64 * 1024, boot::MemoryType::kKernelAndModules, 0x100000, 1ull << 32);
        if (got.ok()) FUZZ_CHECK(got.value() % 4096 == 0, "allocation not page aligned");
        check_regions(regions);
    });
    free(mbi);
    return 0;
}
