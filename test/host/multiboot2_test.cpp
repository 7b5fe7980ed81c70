// The multiboot2 MBI parser (include/nyanos/boot/multiboot2.h) against
// well-formed and malformed tag lists. Every malformed input must give an
// error with a reason; none may read outside the buffer (ASan watches).
#include <doctest/doctest.h>
#include <stdint.h>
#include <string.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "nyanos/boot/multiboot2.h"

using namespace nyanos;
using namespace nyanos::boot::multiboot2;

namespace {

// Builds an MBI byte by byte, as GRUB lays it out: an 8-byte header, tags
// padded to 8 bytes, an end tag.
class MbiBuilder {
public:
    MbiBuilder() { put32(0), put32(0); }

    MbiBuilder& tag(uint32_t type, const std::vector<uint8_t>& payload) {
        put32(type);
        put32(uint32_t(8 + payload.size()));
        m_bytes.insert(m_bytes.end(), payload.begin(), payload.end());
        pad();
        return *this;
    }
    MbiBuilder& string_tag(uint32_t type, const std::string& s) {
        std::vector<uint8_t> p(s.begin(), s.end());
        p.push_back(0);
        return tag(type, p);
    }
    MbiBuilder& module(uint32_t start, uint32_t end, const std::string& s) {
        std::vector<uint8_t> p;
        append32(p, start);
        append32(p, end);
        p.insert(p.end(), s.begin(), s.end());
        p.push_back(0);
        return tag(kTagModule, p);
    }
    MbiBuilder& memory_map(const std::vector<MemoryMapEntry>& entries, uint32_t entry_size = 24) {
        std::vector<uint8_t> p;
        append32(p, entry_size);
        append32(p, 0);  // entry_version
        for (const auto& e : entries) {
            size_t at = p.size();
            append64(p, e.base);
            append64(p, e.length);
            append32(p, e.type);
            p.resize(at + entry_size, 0);
        }
        return tag(kTagMemoryMap, p);
    }
    MbiBuilder& framebuffer_rgb(uint64_t addr, uint32_t w, uint32_t h) {
        std::vector<uint8_t> p;
        append64(p, addr);
        append32(p, w * 4);
        append32(p, w);
        append32(p, h);
        p.push_back(32);
        p.push_back(kFbRgb);
        append16(p, 0);
        for (uint8_t b : {16, 8, 8, 8, 0, 8}) p.push_back(b);
        return tag(kTagFramebuffer, p);
    }
    MbiBuilder& end() {
        put32(kTagEnd);
        put32(8);
        return *this;
    }

    // Writes total_size (the current length unless given) and returns the
    // bytes in an 8-aligned buffer.
    std::vector<uint64_t> build(int64_t total_size = -1) {
        std::vector<uint8_t> bytes = m_bytes;
        uint32_t total = total_size >= 0 ? uint32_t(total_size) : uint32_t(bytes.size());
        memcpy(bytes.data(), &total, 4);
        std::vector<uint64_t> words((bytes.size() + 7) / 8);
        memcpy(words.data(), bytes.data(), bytes.size());
        m_size = bytes.size();
        return words;
    }
    size_t size() const { return m_size ? m_size : m_bytes.size(); }

    std::vector<uint8_t>& raw() { return m_bytes; }

    static void append16(std::vector<uint8_t>& v, uint16_t x) {
        for (int i = 0; i < 2; ++i) v.push_back(uint8_t(x >> (8 * i)));
    }
    static void append32(std::vector<uint8_t>& v, uint32_t x) {
        for (int i = 0; i < 4; ++i) v.push_back(uint8_t(x >> (8 * i)));
    }
    static void append64(std::vector<uint8_t>& v, uint64_t x) {
        for (int i = 0; i < 8; ++i) v.push_back(uint8_t(x >> (8 * i)));
    }

private:
    void put32(uint32_t x) { append32(m_bytes, x); }
    void pad() {
        while (m_bytes.size() % 8) m_bytes.push_back(0);
    }

    std::vector<uint8_t> m_bytes;
    size_t m_size = 0;
};

// Parses exactly `bytes` bytes of `words`, copied into a heap block of that
// size so ASan catches any read past it. The block is freed before returning:
// callers may look at the Result's scalars and error, not at its pointers.
Result<Info> parse_exact(const std::vector<uint64_t>& words, size_t bytes, Diagnostic* diag) {
    void* copy = aligned_alloc(8, (bytes + 7) & ~size_t(7));
    memcpy(copy, words.data(), bytes);
    Result<Info> r = parse(copy, bytes, diag);
    free(copy);
    return r;
}

// Expects a parse failure whose reason contains `needle`.
void expect_error(const std::vector<uint64_t>& words, size_t bytes, Error code,
                  const char* needle) {
    Diagnostic diag;
    auto r = parse_exact(words, bytes, &diag);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error() == code);
    REQUIRE(diag.reason != nullptr);
    CHECK_MESSAGE(std::string(diag.reason).find(needle) != std::string::npos,
                  "reason was: " << diag.reason);
}

MbiBuilder full_mbi() {
    MbiBuilder b;
    b.string_tag(kTagCmdline, "init=/bin/echo -- hi");
    b.string_tag(kTagBootloaderName, "GRUB 2.06");
    b.module(0x300000, 0x340000, "kernel");
    b.module(0x341000, 0x351000, "initrd");
    b.memory_map({{0, 0x9fc00, kMemAvailable},
                  {0x9fc00, 0x400, kMemReserved},
                  {0x100000, 0x1ff00000, kMemAvailable},
                  {0x100000000, 0x40000000, kMemAvailable}});
    b.framebuffer_rgb(0xfd000000, 1024, 768);
    std::vector<uint8_t> rsdp(20, 0);
    memcpy(rsdp.data(), "RSD PTR ", 8);
    b.tag(kTagAcpiOldRsdp, rsdp);
    b.end();
    return b;
}

}  // namespace

TEST_CASE("multiboot2: a well-formed MBI yields every tag") {
    MbiBuilder b = full_mbi();
    auto words = b.build();
    Diagnostic diag;
    auto r = parse(words.data(), b.size(), &diag);
    REQUIRE(r.ok());
    const Info& info = r.value();
    CHECK(info.total_size == b.size());
    REQUIRE(info.cmdline);
    CHECK(std::string(info.cmdline) == "init=/bin/echo -- hi");
    CHECK(std::string(info.bootloader_name) == "GRUB 2.06");
    REQUIRE(info.module_count == 2);
    CHECK(info.modules[0].start == 0x300000);
    CHECK(info.modules[0].end == 0x340000);
    CHECK(std::string(info.modules[1].string) == "initrd");
    REQUIRE(info.memory_map_entry_count == 4);
    CHECK(info.memory_map_entry(3).base == 0x100000000);
    CHECK(info.memory_map_entry(3).length == 0x40000000);
    CHECK(info.memory_map_entry(1).type == kMemReserved);
    REQUIRE(info.has_framebuffer);
    CHECK(info.framebuffer.addr == 0xfd000000);
    CHECK(info.framebuffer.width == 1024);
    CHECK(info.framebuffer.height == 768);
    CHECK(info.framebuffer.pitch == 4096);
    CHECK(info.framebuffer.red_position == 16);
    CHECK(info.framebuffer.blue_size == 8);
    REQUIRE(info.rsdp_v1);
    CHECK(memcmp(info.rsdp_v1, "RSD PTR ", 8) == 0);
    CHECK(info.rsdp_v2 == nullptr);
    CHECK(!info.booted_by_efi());
    CHECK(info.unknown_tag_count == 0);
}

TEST_CASE("multiboot2: EFI system table tags mark a GRUB-EFI boot") {
    MbiBuilder b;
    std::vector<uint8_t> st;
    MbiBuilder::append64(st, 0x7fe00018);
    b.tag(kTagEfi64SystemTable, st);
    std::vector<uint8_t> rsdp2(36, 0);
    memcpy(rsdp2.data(), "RSD PTR ", 8);
    b.tag(kTagAcpiNewRsdp, rsdp2);
    b.end();
    auto words = b.build();
    auto r = parse(words.data(), b.size());
    REQUIRE(r.ok());
    CHECK(r.value().booted_by_efi());
    CHECK(r.value().efi_system_table == 0x7fe00018);
    CHECK(r.value().rsdp_v2_size == 36);
}

TEST_CASE("multiboot2: unknown tag types are skipped and counted") {
    MbiBuilder b;
    b.tag(99, {1, 2, 3});  // odd size: padding follows
    b.string_tag(kTagCmdline, "after-unknown");
    b.tag(0xffffffff, {});
    b.end();
    auto words = b.build();
    auto r = parse(words.data(), b.size());
    REQUIRE(r.ok());
    CHECK(r.value().unknown_tag_count == 2);
    CHECK(std::string(r.value().cmdline) == "after-unknown");
}

TEST_CASE("multiboot2: bad MBI pointers and header sizes") {
    MbiBuilder b = full_mbi();
    auto words = b.build();
    Diagnostic diag;

    auto null_mbi = parse(nullptr, 64, &diag);
    CHECK(null_mbi.error() == Error::kInvalid);
    CHECK(std::string(diag.reason).find("null") != std::string::npos);

    auto misaligned = parse(reinterpret_cast<uint8_t*>(words.data()) + 4, b.size() - 4, &diag);
    CHECK(misaligned.error() == Error::kInvalid);
    CHECK(std::string(diag.reason).find("aligned") != std::string::npos);

    for (size_t n = 0; n < 8; ++n) expect_error(words, n, Error::kCorrupt, "no room");

    expect_error(MbiBuilder().end().build(8), 16, Error::kCorrupt, "too small");
    expect_error(MbiBuilder().end().build(0), 16, Error::kCorrupt, "too small");
    expect_error(MbiBuilder().end().build(24), 16, Error::kCorrupt, "larger than");
    expect_error(MbiBuilder().end().build(0xfffffff8), 16, Error::kCorrupt, "larger than");
    // A total_size that is not a multiple of 8, inside a big enough buffer.
    expect_error(full_mbi().build(20), b.size(), Error::kCorrupt, "multiple of 8");
}

TEST_CASE("multiboot2: truncated MBIs") {
    MbiBuilder b = full_mbi();
    auto words = b.build();
    // The buffer ends before total_size says.
    for (size_t n = 8; n < b.size(); ++n) {
        CAPTURE(n);
        expect_error(words, n, Error::kCorrupt, "larger than");
    }
    // total_size cut short at every tag boundary and in between: the last
    // tag then overruns it, or the end tag is missing.
    for (uint32_t total = 16; total < b.size(); total += 8) {
        CAPTURE(total);
        Diagnostic diag;
        auto r = parse_exact(full_mbi().build(total), b.size(), &diag);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error() == Error::kCorrupt);
        std::string why = diag.reason;
        CHECK((why.find("runs past") != std::string::npos ||
               why.find("no end tag") != std::string::npos));
    }
}

TEST_CASE("multiboot2: bad tag sizes") {
    {  // zero size
        MbiBuilder b;
        MbiBuilder::append32(b.raw(), kTagCmdline);
        MbiBuilder::append32(b.raw(), 0);
        b.end();
        Diagnostic diag;
        auto r = parse_exact(b.build(), b.size(), &diag);
        CHECK(r.error() == Error::kCorrupt);
        CHECK(std::string(diag.reason) == "tag has size 0");
        CHECK(diag.offset == 8);
    }
    {  // smaller than its header
        MbiBuilder b;
        MbiBuilder::append32(b.raw(), 77);
        MbiBuilder::append32(b.raw(), 4);
        b.end();
        auto words = b.build();
        expect_error(words, b.size(), Error::kCorrupt, "smaller than the tag header");
    }
    {  // a tag that claims more bytes than the MBI holds
        MbiBuilder b;
        MbiBuilder::append32(b.raw(), kTagCmdline);
        MbiBuilder::append32(b.raw(), 4096);
        MbiBuilder::append64(b.raw(), 0);
        b.end();
        auto words = b.build();
        expect_error(words, b.size(), Error::kCorrupt, "runs past the end");
    }
    {  // misaligned: a tag size whose padding would overrun the MBI
        MbiBuilder b;
        MbiBuilder::append32(b.raw(), 99);
        MbiBuilder::append32(b.raw(), 12);  // padded to 16, but only 12 bytes remain
        MbiBuilder::append32(b.raw(), 0);
        auto words = b.build(20);
        expect_error(words, 20, Error::kCorrupt, "multiple of 8");
    }
    {  // misaligned: a tag whose stated size skips into the middle of the next
       // one, so the parser lands on garbage and must still stop cleanly.
        MbiBuilder b;
        b.string_tag(kTagCmdline, "x");  // 10 bytes, padded to 16
        b.raw()[8 + 4] = 20;             // claims 20: next tag read at 8 + 24
        b.string_tag(kTagBootloaderName, "yy");
        b.end();
        auto words = b.build();
        Diagnostic diag;
        auto r = parse_exact(words, b.size(), &diag);
        REQUIRE_FALSE(r.ok());
        CHECK(diag.reason != nullptr);
    }
    {  // end tag of the wrong size
        MbiBuilder b;
        MbiBuilder::append32(b.raw(), kTagEnd);
        MbiBuilder::append32(b.raw(), 16);
        MbiBuilder::append64(b.raw(), 0);
        auto words = b.build();
        expect_error(words, b.size(), Error::kCorrupt, "end tag size");
    }
    {  // no end tag at all
        MbiBuilder b;
        b.string_tag(kTagCmdline, "abc");
        auto words = b.build();
        expect_error(words, b.size(), Error::kCorrupt, "no end tag");
    }
}

TEST_CASE("multiboot2: malformed known tags") {
    auto single = [](uint32_t type, std::vector<uint8_t> payload, const char* needle) {
        MbiBuilder b;
        b.tag(type, payload).end();
        auto words = b.build();
        CAPTURE(type);
        expect_error(words, b.size(), Error::kCorrupt, needle);
    };
    single(kTagCmdline, {'a', 'b', 'c'}, "NUL");
    single(kTagCmdline, {}, "NUL");
    single(kTagModule, {0, 0, 0, 0, 0, 0, 0, 0}, "module tag too short");
    single(kTagModule, {0, 0, 0x10, 0, 0, 0, 0x20, 0, 'k'}, "NUL");
    single(kTagModule, {0, 0, 0x20, 0, 0, 0, 0x10, 0, 0}, "ends before it starts");
    single(kTagMemoryMap, {24, 0, 0, 0}, "memory map tag too short");
    single(kTagFramebuffer, std::vector<uint8_t>(20, 0), "framebuffer tag too short");
    std::vector<uint8_t> rgb_short(24, 0);
    rgb_short[21] = kFbRgb;
    single(kTagFramebuffer, rgb_short, "colour info");
    single(kTagAcpiOldRsdp, std::vector<uint8_t>(19, 0), "old RSDP");
    single(kTagAcpiNewRsdp, std::vector<uint8_t>(20, 0), "new RSDP");
    single(kTagEfi64SystemTable, {1, 2, 3, 4}, "EFI64");
    single(kTagEfi32SystemTable, {1, 2}, "EFI32");

    // An EGA text "framebuffer" (BIOS fallback) is accepted without colour info.
    MbiBuilder b;
    std::vector<uint8_t> ega(24, 0);
    ega[21] = kFbEgaText;
    b.tag(kTagFramebuffer, ega).end();
    auto words = b.build();
    auto r = parse(words.data(), b.size());
    REQUIRE(r.ok());
    CHECK(r.value().framebuffer.type == kFbEgaText);
}

TEST_CASE("multiboot2: memory map entry sizes") {
    for (uint32_t entry_size : {0u, 8u, 16u, 28u}) {
        MbiBuilder b;
        std::vector<uint8_t> p;
        MbiBuilder::append32(p, entry_size);
        MbiBuilder::append32(p, 0);
        p.resize(8 + 48, 0);
        b.tag(kTagMemoryMap, p).end();
        auto words = b.build();
        CAPTURE(entry_size);
        expect_error(words, b.size(), Error::kCorrupt, "entry_size");
    }
    {  // 32-byte entries (a future GRUB) are fine
        MbiBuilder b;
        b.memory_map({{0x100000, 0x1000, kMemAvailable}, {0x200000, 0x2000, kMemAcpiNvs}}, 32);
        b.end();
        auto words = b.build();
        auto r = parse(words.data(), b.size());
        REQUIRE(r.ok());
        REQUIRE(r.value().memory_map_entry_count == 2);
        CHECK(r.value().memory_map_entry(1).base == 0x200000);
        CHECK(r.value().memory_map_entry(1).type == kMemAcpiNvs);
    }
    {  // a partial trailing entry
        MbiBuilder b;
        std::vector<uint8_t> p;
        MbiBuilder::append32(p, 24);
        MbiBuilder::append32(p, 0);
        p.resize(8 + 24 + 8, 0);
        b.tag(kTagMemoryMap, p).end();
        auto words = b.build();
        expect_error(words, b.size(), Error::kCorrupt, "inside an entry");
    }
}

TEST_CASE("multiboot2: too many modules") {
    MbiBuilder b;
    for (size_t i = 0; i <= kMaxModules; ++i) b.module(0x100000, 0x101000, "m");
    b.end();
    auto words = b.build();
    expect_error(words, b.size(), Error::kCorrupt, "more modules");
}

TEST_CASE("multiboot2: random corruption never crashes") {
    MbiBuilder good = full_mbi();
    auto base = good.build();
    size_t size = good.size();
    srand(12345);
    int ok = 0, failed = 0;
    for (int round = 0; round < 4000; ++round) {
        std::vector<uint64_t> words = base;
        auto* bytes = reinterpret_cast<uint8_t*>(words.data());
        int flips = 1 + rand() % 4;
        for (int f = 0; f < flips; ++f) bytes[rand() % size] = uint8_t(rand());
        Diagnostic diag;
        auto r = parse_exact(words, size, &diag);
        if (r.ok()) {
            ++ok;
            // Whatever was accepted lies inside the buffer.
            const Info& info = r.value();
            CHECK(info.total_size <= size);
        } else {
            ++failed;
            CHECK(diag.reason != nullptr);
        }
    }
    CHECK(ok > 0);
    CHECK(failed > 0);
}

TEST_CASE("multiboot2: GRUB's command-line escaping is undone") {
    char out[64];
    auto r = unescape_grub_cmdline(R"(init=/bin/echo -- \"a b\" \\d \'q\' $x)", out, sizeof(out));
    REQUIRE(r.ok());
    CHECK(std::string(out) == R"(init=/bin/echo -- "a b" \d 'q' $x)");
    CHECK(r.value() == strlen(out));
    // A trailing lone backslash and other escapes stay as they are.
    REQUIRE(unescape_grub_cmdline(R"(a\n\)", out, sizeof(out)).ok());
    CHECK(std::string(out) == R"(a\n\)");
    REQUIRE(unescape_grub_cmdline("", out, sizeof(out)).ok());
    CHECK(std::string(out).empty());
    // Too long: an error and an empty string, never an overflow.
    char small[4];
    CHECK(unescape_grub_cmdline("abcd", small, sizeof(small)).error() == Error::kRange);
    CHECK(small[0] == '\0');
    REQUIRE(unescape_grub_cmdline("abc", small, sizeof(small)).ok());
    CHECK(std::string(small) == "abc");
    CHECK(unescape_grub_cmdline("", small, 0).error() == Error::kRange);
}

// ---------------------------------------------------------------------------
// The loader's region list (grub/boot_regions.h): the multiboot2 map, then
// the loader's claims on it.

#include "../../grub/boot_regions.h"

namespace {

using boot::MemoryType;

template <size_t N>
uint64_t bytes_of(const boot::RegionList<N>& list, MemoryType type) {
    uint64_t total = 0;
    for (size_t i = 0; i < list.count(); ++i) {
        if (list[i].type == type) total += list[i].length;
    }
    return total;
}

template <size_t N>
void check_normalized(const boot::RegionList<N>& list) {
    for (size_t i = 0; i < list.count(); ++i) {
        CHECK(list[i].base % 4096 == 0);
        CHECK(list[i].length % 4096 == 0);
        CHECK(list[i].length > 0);
        if (i > 0) {
            CHECK(list[i - 1].base + list[i - 1].length <= list[i].base);
            bool touching = list[i - 1].base + list[i - 1].length == list[i].base;
            CHECK(!(touching && list[i - 1].type == list[i].type));
        }
    }
}

Info parse_ok(MbiBuilder& b, std::vector<uint64_t>& words) {
    words = b.build();
    auto r = parse(words.data(), b.size());
    REQUIRE(r.ok());
    return r.value();
}

}  // namespace

TEST_CASE("grub loader: the multiboot2 map becomes handoff regions") {
    MbiBuilder b;
    b.memory_map({{0x100000, 0x7ff00000, kMemAvailable},
                  {0, 0x9fc00, kMemAvailable},  // unsorted, as a firmware may
                  {0x9fc00, 0x400, kMemReserved},
                  {0x7fe0000, 0x20000, kMemAcpiReclaimable},  // overlaps the RAM above
                  {0xfec00000, 0x1000, 99},
                  {0x100000000, 0x80000000, kMemAvailable},
                  {0x180000000, 0x1000, kMemAcpiNvs},
                  {0x180001000, 0x1800, kMemBadRam}})
        .end();
    std::vector<uint64_t> words;
    Info info = parse_ok(b, words);
    boot::RegionList<64> list;
    REQUIRE(list.load(info).ok());
    check_normalized(list);
    CHECK(list[0].base == 0);
    CHECK(list[0].length == 0x9f000);  // usable rounded inward
    CHECK(list[1].type == MemoryType::kReserved);
    CHECK(list[1].base == 0x9f000);  // reserved rounded outward
    CHECK(bytes_of(list, MemoryType::kAcpiReclaimable) == 0x20000);
    CHECK(bytes_of(list, MemoryType::kAcpiNvs) == 0x1000);
    CHECK(bytes_of(list, MemoryType::kBadMemory) == 0x2000);
    CHECK(bytes_of(list, MemoryType::kReserved) == 0x1000 + 0x1000);  // unknown type 99 too
    // RAM above 4 GiB is kept.
    CHECK(list[list.count() - 3].base == 0x100000000);
}

TEST_CASE("grub loader: claims and allocations retype only usable memory") {
    MbiBuilder b;
    b.memory_map({{0, 0x9f000, kMemAvailable},
                  {0x100000, 0x3ff00000, kMemAvailable},
                  {0x100000000, 0x40000000, kMemAvailable}})
        .end();
    std::vector<uint64_t> words;
    Info info = parse_ok(b, words);
    boot::RegionList<64> list;
    REQUIRE(list.load(info).ok());
    uint64_t usable = bytes_of(list, MemoryType::kUsable);

    // The loader image, the MBI, a module: nested in one usable region.
    REQUIRE(list.claim(0x200000, 0x215000, MemoryType::kBootReclaimable).ok());
    REQUIRE(list.claim(0x215100, 0x215200, MemoryType::kBootReclaimable).ok());  // widened
    REQUIRE(list.claim(0x300000, 0x340000, MemoryType::kKernelAndModules).ok());
    check_normalized(list);
    CHECK(bytes_of(list, MemoryType::kBootReclaimable) == 0x16000);
    CHECK(bytes_of(list, MemoryType::kKernelAndModules) == 0x40000);
    CHECK(bytes_of(list, MemoryType::kUsable) == usable - 0x16000 - 0x40000);
    // The tail of the region after a nested claim survives.
    CHECK(list[list.count() - 2].base + list[list.count() - 2].length == 0x40000000);

    // Allocations: lowest fit inside [low, high), never over a claim.
    auto a = list.allocate(0x1000, MemoryType::kKernelAndModules, 0x100000, 1ull << 32);
    REQUIRE(a.ok());
    CHECK(a.value() == 0x100000);
    auto big = list.allocate(0x100000, MemoryType::kKernelAndModules, 0x100000, 1ull << 32);
    REQUIRE(big.ok());
    // [0x101000, 0x201000) would hit the loader image, [0x216000, 0x300000)
    // is too small: the first fit is after the module.
    CHECK(big.value() == 0x340000);
    check_normalized(list);
    // Nothing fits below 4 GiB: kNoMemory, the list unchanged.
    size_t before = list.count();
    CHECK(list.allocate(0x40000000, MemoryType::kUsable, 0x100000, 1ull << 32).error() ==
          Error::kNoMemory);
    CHECK(list.count() == before);
    // A claim over reserved or absent memory changes nothing there.
    REQUIRE(list.claim(0x9f000, 0x100000, MemoryType::kBootReclaimable).ok());
    CHECK(bytes_of(list, MemoryType::kUsable) + bytes_of(list, MemoryType::kBootReclaimable) +
              bytes_of(list, MemoryType::kKernelAndModules) ==
          usable);
}

TEST_CASE("grub loader: a full region list refuses claims instead of overflowing") {
    MbiBuilder b;
    b.memory_map({{0x100000, 0x1000000, kMemAvailable}}).end();
    std::vector<uint64_t> words;
    Info info = parse_ok(b, words);
    boot::RegionList<4> list;
    REQUIRE(list.load(info).ok());
    // Alternating claims fragment the region until the list is full.
    int ok = 0;
    Error last{};
    for (uint64_t at = 0x200000; at < 0x1000000; at += 0x4000) {
        auto r = list.claim(at, at + 0x1000, MemoryType::kBootReclaimable);
        if (!r.ok()) {
            last = r.error();
            break;
        }
        ++ok;
    }
    CHECK(last == Error::kRange);
    CHECK(ok >= 1);
    check_normalized(list);
    CHECK(list.count() <= 4);

    // No memory map, or one without RAM.
    MbiBuilder none;
    none.end();
    Info no_map = parse_ok(none, words);
    CHECK(list.load(no_map).error() == Error::kNoEntry);
    MbiBuilder reserved_only;
    reserved_only.memory_map({{0x100000, 0x1000, kMemReserved}}).end();
    Info no_ram = parse_ok(reserved_only, words);
    CHECK(list.load(no_ram).error() == Error::kNoEntry);
    MbiBuilder too_many;
    too_many
        .memory_map({{0, 0x1000, 1},
                     {0x2000, 0x1000, 1},
                     {0x4000, 0x1000, 1},
                     {0x6000, 0x1000, 1},
                     {0x8000, 0x1000, 1}})
        .end();
    Info many = parse_ok(too_many, words);
    CHECK(list.load(many).error() == Error::kRange);
}
