// MCFG parsing (lib/acpi_mcfg.h) over hand-built tables, each a heap vector
// of exactly the bytes handed over, so ASan reports any read past its end.
#include <doctest/doctest.h>

#include <stddef.h>
#include <stdint.h>

#include <vector>

#include "lib/acpi_mcfg.h"

using namespace nyanos;
using namespace nyanos::acpi;

namespace {

using Bytes = std::vector<uint8_t>;

Bytes mcfg() {
    Bytes b(44, 0);
    b[0] = 'M', b[1] = 'C', b[2] = 'F', b[3] = 'G';
    return b;
}

void add_entry(Bytes& b, uint64_t base, uint16_t segment, uint8_t start, uint8_t end) {
    size_t at = b.size();
    b.resize(at + 16, 0);
    for (int i = 0; i < 8; ++i) b[at + i] = uint8_t(base >> (8 * i));
    b[at + 8] = uint8_t(segment);
    b[at + 9] = uint8_t(segment >> 8);
    b[at + 10] = start;
    b[at + 11] = end;
}

}  // namespace

TEST_CASE("mcfg: QEMU q35's single window") {
    Bytes b = mcfg();
    add_entry(b, 0xb0000000, 0, 0, 0xff);
    McfgInfo info;
    REQUIRE(parse_mcfg(b.data(), uint32_t(b.size()), info).ok());
    REQUIRE(info.count == 1);
    CHECK(info.windows[0].base == 0xb0000000);
    CHECK(info.windows[0].size() == 256u << 20);
    auto window = ecam_window_for(info, 0);
    REQUIRE(window.ok());
    CHECK(window.value().end_bus == 0xff);
    CHECK(ecam_window_for(info, 1).error() == Error::kNoEntry);
}

TEST_CASE("mcfg: unusable entries are skipped, the window of bus 0 preferred") {
    Bytes b = mcfg();
    add_entry(b, 0, 0, 0, 0xff);                      // no base
    add_entry(b, 0xe0000000, 0, 9, 3);                // end before start
    add_entry(b, 0xfffffffffff00000ull, 0, 0, 0xff);  // wraps
    add_entry(b, 0xc0000000, 0, 0x80, 0xff);
    add_entry(b, 0xd0000000, 0, 0, 0x7f);
    b.push_back(0xaa);  // a trailing partial entry
    McfgInfo info;
    REQUIRE(parse_mcfg(b.data(), uint32_t(b.size()), info).ok());
    CHECK(info.count == 2);
    CHECK(info.skipped == 3);
    CHECK(ecam_window_for(info, 0).value().base == 0xd0000000);
}

TEST_CASE("mcfg: more segments than fit are counted") {
    Bytes b = mcfg();
    for (uint16_t s = 0; s < kMcfgMaxSegments + 2; ++s)
        add_entry(b, 0x100000000ull * (s + 1), s, 0, 0);
    McfgInfo info;
    REQUIRE(parse_mcfg(b.data(), uint32_t(b.size()), info).ok());
    CHECK(info.count == kMcfgMaxSegments);
    CHECK(info.skipped == 2);
}

TEST_CASE("mcfg: a table too short for its fixed part") {
    McfgInfo info;
    for (uint32_t length = 0; length < 44; ++length) {
        Bytes b(length, 0);
        CHECK(parse_mcfg(b.data(), length, info).error() == Error::kCorrupt);
        CHECK(info.count == 0);
    }
    Bytes b = mcfg();
    CHECK(parse_mcfg(b.data(), 44, info).ok());
    CHECK(info.count == 0);
}
