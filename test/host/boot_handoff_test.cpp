// The boot side shared by both loaders: converting firmware memory types,
// normalising the memory map, choosing the HHDM ranges, and reading and
// mapping kernel.elf (include/nyanos/boot/{memory_map,kernel_image}.h).
#include <doctest/doctest.h>

#include <string.h>

#include <vector>

#include "fake_ram.h"
#include "nyanos/boot/kernel_image.h"
#include "nyanos/boot/memory_map.h"

using namespace nyanos;
using namespace nyanos::boot;
using nyanos::test::FailingFrameAllocator;
using nyanos::test::FakePagingEnv;
using nyanos::test::FakeRam;

TEST_CASE("handoff: UEFI memory types map to NyanOS's") {
    CHECK(from_efi_memory_type(7) == MemoryType::kUsable);           // conventional
    CHECK(from_efi_memory_type(3) == MemoryType::kUsable);           // boot services code
    CHECK(from_efi_memory_type(4) == MemoryType::kUsable);           // boot services data
    CHECK(from_efi_memory_type(1) == MemoryType::kBootReclaimable);  // loader code
    CHECK(from_efi_memory_type(2) == MemoryType::kBootReclaimable);  // loader data
    CHECK(from_efi_memory_type(9) == MemoryType::kAcpiReclaimable);
    CHECK(from_efi_memory_type(10) == MemoryType::kAcpiNvs);
    CHECK(from_efi_memory_type(11) == MemoryType::kMmio);
    CHECK(from_efi_memory_type(12) == MemoryType::kMmio);
    CHECK(from_efi_memory_type(8) == MemoryType::kBadMemory);
    CHECK(from_efi_memory_type(5) == MemoryType::kReserved);  // runtime services code
    CHECK(from_efi_memory_type(6) == MemoryType::kReserved);  // runtime services data
    CHECK(from_efi_memory_type(0) == MemoryType::kReserved);
    CHECK(from_efi_memory_type(kEfiKernelMemoryType) == MemoryType::kKernelAndModules);
    CHECK(from_efi_memory_type(0x70000000) == MemoryType::kReserved);  // unknown: never handed out
}

TEST_CASE("handoff: normalising sorts, merges, rounds and resolves overlaps") {
    MemoryRegion r[] = {
        {0x100000, 0x300000, MemoryType::kUsable, 0},
        {0x0, 0x9f000, MemoryType::kUsable, 0},
        {0x400000, 0x100000, MemoryType::kUsable, 0},  // touches the first: merged
        {0x9f000, 0x61000, MemoryType::kReserved, 0},
        {0x600800, 0x1800, MemoryType::kUsable, 0},             // rounded inward to one page
        {0x700100, 0x100, MemoryType::kAcpiNvs, 0},             // rounded outward to one page
        {0x200000, 0x10000, MemoryType::kKernelAndModules, 0},  // inside usable: stricter wins
        {0x800000, 0, MemoryType::kUsable, 0},                  // empty: dropped
    };
    size_t n = normalize_memory_map(r, sizeof(r) / sizeof(r[0]));
    std::vector<MemoryRegion> got(r, r + n);
    REQUIRE(n >= 5);
    CHECK(got[0].base == 0x0);
    CHECK(got[0].length == 0x9f000);
    CHECK(got[1].type == MemoryType::kReserved);
    for (size_t i = 0; i < n; ++i) {
        CHECK(got[i].base % 4096 == 0);
        CHECK(got[i].length % 4096 == 0);
        CHECK(got[i].length > 0);
        if (i) CHECK(got[i - 1].base + got[i - 1].length <= got[i].base);
    }
    bool kernel_kept = false, nvs_page = false, usable_page = false;
    for (auto& g : got) {
        if (g.type == MemoryType::kKernelAndModules && g.base == 0x200000 && g.length == 0x10000)
            kernel_kept = true;
        if (g.type == MemoryType::kAcpiNvs && g.base == 0x700000 && g.length == 0x1000)
            nvs_page = true;
        if (g.type == MemoryType::kUsable && g.base == 0x601000 && g.length == 0x1000)
            usable_page = true;
        // No usable byte may overlap the kernel region.
        if (g.type == MemoryType::kUsable)
            CHECK((g.base + g.length <= 0x200000 || g.base >= 0x210000));
    }
    CHECK(kernel_kept);
    CHECK(nvs_page);
    CHECK(usable_page);
    // A stricter region nested inside a usable one keeps the usable head; the
    // tail behind it is given up (the safe direction: never hand out less
    // than is reserved). Here: [0x210000, 0x400000) is lost.
    CHECK(usable_bytes(r, n) == 0x9f000 + 0x100000 + 0x100000 + 0x1000);
}

TEST_CASE("handoff: the HHDM covers every region and the framebuffer, in 2 MiB units") {
    MemoryRegion r[] = {
        {0x0, 0x9f000, MemoryType::kUsable, 0},
        {0x100000, 0x7ee0000, MemoryType::kUsable, 0},
        {0xffc00000, 0x400000, MemoryType::kReserved, 0},
        {0x100000000, 0x40000000, MemoryType::kUsable, 0},  // above 4 GiB
    };
    PhysRange fb{0x80000000, 0x80000000 + 1280 * 800 * 4};
    PhysRange out[8];
    size_t n = hhdm_ranges(r, 4, &fb, 1, out, 8);
    // Touching ranges merge: the flash below 4 GiB and the RAM above it.
    REQUIRE(n == 3);
    CHECK(out[0].base == 0);
    CHECK(out[0].end == 0x8000000);
    CHECK(out[1].base == 0x80000000);
    CHECK(out[1].end == 0x80400000);
    CHECK(out[2].base == 0xffc00000);
    CHECK(out[2].end == 0x140000000);
    for (size_t i = 0; i < n; ++i) {
        CHECK(out[i].base % (2 << 20) == 0);
        CHECK(out[i].end % (2 << 20) == 0);
    }
    // Too small an output: the count says so, nothing is written past max.
    PhysRange small[2] = {};
    CHECK(hhdm_ranges(r, 4, &fb, 1, small, 2) > 2);
}

namespace {

// A minimal kernel.elf: one R-X and one RW- PT_LOAD in the top 2 GiB.
std::vector<uint8_t> make_kernel_elf(uint64_t text_vaddr, uint64_t data_vaddr, uint64_t entry) {
    std::vector<uint8_t> file(0x3000, 0);
    Elf64_Ehdr eh{};
    memcpy(eh.e_ident, ELFMAG, SELFMAG);
    eh.e_ident[EI_CLASS] = ELFCLASS64;
    eh.e_ident[EI_DATA] = ELFDATA2LSB;
    eh.e_ident[EI_VERSION] = EV_CURRENT;
    eh.e_type = ET_EXEC;
    eh.e_machine = EM_X86_64;
    eh.e_version = EV_CURRENT;
    eh.e_entry = entry;
    eh.e_phoff = sizeof(Elf64_Ehdr);
    eh.e_phentsize = sizeof(Elf64_Phdr);
    eh.e_phnum = 2;
    memcpy(file.data(), &eh, sizeof(eh));
    Elf64_Phdr text{PT_LOAD, PF_R | PF_X, 0x1000, text_vaddr, text_vaddr, 0x1000, 0x1000, 0x1000};
    Elf64_Phdr data{PT_LOAD, PF_R | PF_W, 0x2000, data_vaddr, data_vaddr, 0x10, 0x2000, 0x1000};
    memcpy(file.data() + eh.e_phoff, &text, sizeof(text));
    memcpy(file.data() + eh.e_phoff + sizeof(text), &data, sizeof(data));
    memset(file.data() + 0x1000, 0x90, 0x1000);  // "code"
    memset(file.data() + 0x2000, 0xab, 0x10);    // data, then bss
    return file;
}

}  // namespace

TEST_CASE("kernel image: parsed, copied with bss zeroed, mapped with per-segment permissions") {
    auto file = make_kernel_elf(kKernelVirtBase, kKernelVirtBase + 0x1000, kKernelVirtBase + 0x10);
    const char* why = nullptr;
    auto parsed = parse_kernel_image(file.data(), file.size(), &why);
    REQUIRE(parsed.ok());
    KernelImage& image = parsed.value();
    CHECK(image.count == 2);
    CHECK(image.size() == 0x3000);

    std::vector<uint8_t> dest(image.size(), 0xee);
    copy_kernel_image(image, file.data(), dest.data());
    CHECK(dest[0] == 0x90);
    CHECK(dest[0x1000] == 0xab);
    CHECK(dest[0x1010] == 0);  // bss
    CHECK(dest[0x2fff] == 0);

    for (size_t n = 1; n <= 6; ++n) {
        FakeRam ram(64);
        FailingFrameAllocator frames(ram);
        FakePagingEnv env{ram, frames, {}};
        paging::PageTable<FakePagingEnv> pt(env, frames.allocate().release_value());
        frames.fail_at(n);
        auto mapped = map_kernel_image(pt, image, 0x200000);
        frames.never_fail();
        if (!mapped.ok()) {
            // A failure part way leaves the earlier segment mapped; the loader
            // then gives up the boot, so only the error matters here.
            CHECK(mapped.error() == Error::kNoMemory);
            continue;
        }
        auto text = pt.translate(kKernelVirtBase);
        auto data = pt.translate(kKernelVirtBase + 0x2000);
        REQUIRE(text.ok());
        REQUIRE(data.ok());
        CHECK(text.value().phys == 0x200000);
        CHECK(text.value().flags.executable);
        CHECK(!text.value().flags.writable);
        CHECK(data.value().phys == 0x202000);
        CHECK(data.value().flags.writable);
        CHECK(!data.value().flags.executable);
        break;
    }
}

TEST_CASE("kernel image: malformed files are refused with a reason") {
    const char* why = nullptr;
    auto good = make_kernel_elf(kKernelVirtBase, kKernelVirtBase + 0x1000, kKernelVirtBase + 0x10);

    CHECK(parse_kernel_image(good.data(), 10, &why).error() == Error::kNotExecutable);
    CHECK(why != nullptr);

    auto low = make_kernel_elf(0x400000, 0x401000, 0x400010);
    CHECK(!parse_kernel_image(low.data(), low.size(), &why).ok());
    CHECK(strstr(why, "top 2 GiB") != nullptr);

    auto bad_entry =
        make_kernel_elf(kKernelVirtBase, kKernelVirtBase + 0x1000, kKernelVirtBase + 0x1008);
    CHECK(!parse_kernel_image(bad_entry.data(), bad_entry.size(), &why).ok());
    CHECK(strstr(why, "entry") != nullptr);

    auto overlap = make_kernel_elf(kKernelVirtBase, kKernelVirtBase, kKernelVirtBase + 0x10);
    CHECK(!parse_kernel_image(overlap.data(), overlap.size(), &why).ok());

    auto bad_magic = good;
    bad_magic[1] = 'X';
    CHECK(!parse_kernel_image(bad_magic.data(), bad_magic.size(), &why).ok());

    // Every truncation is refused or parsed, never read past the end (ASan).
    for (size_t len = 0; len < good.size(); len += 7)
        (void)parse_kernel_image(good.data(), len, &why);
}
