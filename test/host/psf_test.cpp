// The PSF parser: well-formed PSF1/PSF2 fonts with and without Unicode
// tables, the font the kernel embeds, and malformed fonts that must be
// refused with an error (never read past the buffer: ASan watches).
#include <doctest/doctest.h>

#include <stdio.h>

#include <vector>

#include "lib/psf.h"

using namespace nyanos;

namespace {

using Bytes = std::vector<uint8_t>;

void put32(Bytes& b, uint32_t v) {
    for (int i = 0; i < 4; ++i) b.push_back(uint8_t(v >> (8 * i)));
}
void put16(Bytes& b, uint16_t v) {
    b.push_back(uint8_t(v));
    b.push_back(uint8_t(v >> 8));
}

// A PSF2 font whose glyph i has every byte equal to i + 1, so tests can tell
// glyphs apart.
Bytes make_psf2(uint32_t count, uint32_t width, uint32_t height, uint32_t flags = 0) {
    Bytes b;
    put32(b, 0x864ab572);
    put32(b, 0);   // version
    put32(b, 32);  // header size
    put32(b, flags);
    put32(b, count);
    put32(b, height * ((width + 7) / 8));
    put32(b, height);
    put32(b, width);
    for (uint32_t g = 0; g < count; ++g)
        for (uint32_t i = 0; i < height * ((width + 7) / 8); ++i) b.push_back(uint8_t(g + 1));
    return b;
}

Bytes make_psf1(uint8_t mode, uint8_t height) {
    Bytes b = {0x36, 0x04, mode, height};
    uint32_t count = (mode & 1) ? 512 : 256;
    for (uint32_t g = 0; g < count; ++g)
        for (uint32_t i = 0; i < height; ++i) b.push_back(uint8_t(g));
    return b;
}

void set32(Bytes& b, size_t offset, uint32_t v) {
    for (int i = 0; i < 4; ++i) b[offset + i] = uint8_t(v >> (8 * i));
}

}  // namespace

TEST_CASE("psf2: header fields and identity map without a Unicode table") {
    Bytes b = make_psf2(128, 8, 16);
    auto r = psf::parse(b.data(), b.size());
    REQUIRE(r.ok());
    const psf::Font& f = r.value();
    CHECK(f.width == 8);
    CHECK(f.height == 16);
    CHECK(f.bytes_per_row == 1);
    CHECK(f.bytes_per_glyph == 16);
    CHECK(f.glyph_count == 128);
    CHECK(!f.has_unicode_table);
    CHECK(f.glyphs == b.data() + 32);
    CHECK(f.glyph_for('A')[0] == 'A' + 1);
    // Beyond the font's 128 glyphs: the fallback is '?'.
    CHECK(f.latin1_to_glyph[200] == '?');
}

TEST_CASE("psf2: wide glyphs use whole bytes per row") {
    Bytes b = make_psf2(4, 12, 24);
    auto r = psf::parse(b.data(), b.size());
    REQUIRE(r.ok());
    CHECK(r.value().bytes_per_row == 2);
    CHECK(r.value().bytes_per_glyph == 48);
    CHECK(r.value().glyph(3)[47] == 4);
}

TEST_CASE("psf2: the Unicode table maps Latin-1 code points, first glyph wins") {
    Bytes b = make_psf2(3, 8, 8, 1);
    // glyph 0: 'A' and U+00E9 (é, UTF-8 c3 a9); glyph 1: 'B', a sequence
    // holding 'C' (must not map 'C'), then 'A' again (must not override);
    // glyph 2: U+2500 only (outside Latin-1).
    for (uint8_t v : {0x41, 0xc3, 0xa9, 0xff, 0x42, 0xfe, 0x43, 0x41, 0xff, 0xe2, 0x94, 0x80, 0xff})
        b.push_back(v);
    auto r = psf::parse(b.data(), b.size());
    REQUIRE(r.ok());
    const psf::Font& f = r.value();
    CHECK(f.has_unicode_table);
    CHECK(f.latin1_to_glyph['A'] == 0);
    CHECK(f.latin1_to_glyph[0xe9] == 0);
    CHECK(f.latin1_to_glyph['B'] == 1);
    CHECK(f.latin1_to_glyph['C'] == 0);  // unmapped, no '?': glyph 0
}

TEST_CASE("psf2: malformed fonts are refused") {
    SUBCASE("bad magic") {
        Bytes b = make_psf2(4, 8, 16);
        b[0] ^= 0xff;
        CHECK(psf::parse(b.data(), b.size()).error() == Error::kInvalid);
    }
    SUBCASE("truncated header") {
        Bytes b = make_psf2(4, 8, 16);
        CHECK(psf::parse(b.data(), 20).error() == Error::kCorrupt);
    }
    SUBCASE("glyph table past the end") {
        Bytes b = make_psf2(4, 8, 16);
        b.pop_back();
        CHECK(psf::parse(b.data(), b.size()).error() == Error::kCorrupt);
    }
    SUBCASE("huge glyph count") {
        Bytes b = make_psf2(4, 8, 16);
        set32(b, 16, 0xffffffff);
        CHECK(psf::parse(b.data(), b.size()).error() == Error::kCorrupt);
    }
    SUBCASE("header size past the end") {
        Bytes b = make_psf2(4, 8, 16);
        set32(b, 8, 0x7fffffff);
        CHECK(psf::parse(b.data(), b.size()).error() == Error::kCorrupt);
    }
    SUBCASE("header size smaller than the header") {
        Bytes b = make_psf2(4, 8, 16);
        set32(b, 8, 16);
        CHECK(psf::parse(b.data(), b.size()).error() == Error::kCorrupt);
    }
    SUBCASE("glyph size inconsistent with width and height") {
        Bytes b = make_psf2(4, 8, 16);
        set32(b, 20, 15);
        CHECK(psf::parse(b.data(), b.size()).error() == Error::kCorrupt);
    }
    SUBCASE("zero or oversized dimensions, no glyphs") {
        Bytes b = make_psf2(4, 8, 16);
        set32(b, 28, 0);
        CHECK(psf::parse(b.data(), b.size()).error() == Error::kRange);
        set32(b, 28, 64);
        CHECK(psf::parse(b.data(), b.size()).error() == Error::kRange);
        set32(b, 28, 8);
        set32(b, 16, 0);
        CHECK(psf::parse(b.data(), b.size()).error() == Error::kRange);
    }
    SUBCASE("unknown version or flags") {
        Bytes b = make_psf2(4, 8, 16);
        set32(b, 4, 1);
        CHECK(psf::parse(b.data(), b.size()).error() == Error::kInvalid);
        set32(b, 4, 0);
        set32(b, 12, 0x80);
        CHECK(psf::parse(b.data(), b.size()).error() == Error::kInvalid);
    }
    SUBCASE("Unicode table truncated") {
        Bytes b = make_psf2(2, 8, 8, 1);
        for (uint8_t v : {0x41, 0xff, 0x42}) b.push_back(v);  // glyph 1 has no terminator
        CHECK(psf::parse(b.data(), b.size()).error() == Error::kCorrupt);
    }
    SUBCASE("Unicode table with invalid UTF-8") {
        for (Bytes bad :
             {Bytes{0xc3, 0xff}, Bytes{0x80, 0xff}, Bytes{0xc0, 0x80, 0xff}, Bytes{0xe2, 0x94}}) {
            Bytes b = make_psf2(1, 8, 8, 1);
            b.insert(b.end(), bad.begin(), bad.end());
            CHECK(psf::parse(b.data(), b.size()).error() == Error::kCorrupt);
        }
    }
    SUBCASE("empty or null input") {
        CHECK(psf::parse(nullptr, 0).error() == Error::kInvalid);
        uint8_t one = 0x36;
        CHECK(psf::parse(&one, 1).error() == Error::kInvalid);
    }
}

TEST_CASE("psf1: 256 and 512 glyphs, Unicode table") {
    SUBCASE("plain 256") {
        Bytes b = make_psf1(0, 14);
        auto r = psf::parse(b.data(), b.size());
        REQUIRE(r.ok());
        CHECK(r.value().width == 8);
        CHECK(r.value().height == 14);
        CHECK(r.value().glyph_count == 256);
        CHECK(r.value().glyph_for(0xe9)[0] == 0xe9);
    }
    SUBCASE("512 glyphs") {
        Bytes b = make_psf1(1, 16);
        auto r = psf::parse(b.data(), b.size());
        REQUIRE(r.ok());
        CHECK(r.value().glyph_count == 512);
    }
    SUBCASE("table: é on glyph 130, sequences ignored") {
        Bytes b = make_psf1(2, 8);
        for (uint32_t g = 0; g < 256; ++g) {
            if (g == 130)
                put16(b, 0xe9);
            else if (g < 128)
                put16(b, uint16_t(g));
            if (g == 5) {
                put16(b, 0xfffe);
                put16(b, 0xe8);  // part of a sequence: not a mapping
            }
            put16(b, 0xffff);
        }
        auto r = psf::parse(b.data(), b.size());
        REQUIRE(r.ok());
        const psf::Font& f = r.value();
        CHECK(f.latin1_to_glyph['A'] == 'A');
        CHECK(f.latin1_to_glyph[0xe9] == 130);
        CHECK(f.latin1_to_glyph[0xe8] == '?');
    }
    SUBCASE("glyph table past the end") {
        Bytes b = make_psf1(1, 16);
        b.resize(4 + 256 * 16);  // says 512 glyphs, holds 256
        CHECK(psf::parse(b.data(), b.size()).error() == Error::kCorrupt);
    }
    SUBCASE("truncated header") {
        Bytes b = {0x36, 0x04, 0x00};
        CHECK(psf::parse(b.data(), b.size()).error() == Error::kCorrupt);
    }
    SUBCASE("zero height") {
        Bytes b = make_psf1(0, 0);
        CHECK(psf::parse(b.data(), b.size()).error() == Error::kRange);
    }
    SUBCASE("table flag without a table") {
        Bytes b = make_psf1(2, 8);
        CHECK(psf::parse(b.data(), b.size()).error() == Error::kCorrupt);
        put16(b, 0x41);  // half an entry
        b.push_back(0xff);
        CHECK(psf::parse(b.data(), b.size()).error() == Error::kCorrupt);
    }
}

#ifdef NYANOS_FONT_PATH
TEST_CASE("psf: the font the kernel embeds parses and has ASCII and Latin-1") {
    FILE* file = fopen(NYANOS_FONT_PATH, "rb");
    REQUIRE_MESSAGE(file != nullptr, "missing " NYANOS_FONT_PATH);
    Bytes b(65536);
    b.resize(fread(b.data(), 1, b.size(), file));
    fclose(file);
    auto r = psf::parse(b.data(), b.size());
    REQUIRE(r.ok());
    const psf::Font& f = r.value();
    CHECK(f.width == 8);
    CHECK(f.height == 16);
    CHECK(f.has_unicode_table);
    // 'A' has ink; space has none; é is a glyph of its own, not the fallback.
    int a_ink = 0, space_ink = 0;
    for (uint32_t i = 0; i < f.bytes_per_glyph; ++i) {
        a_ink += f.glyph_for('A')[i] != 0;
        space_ink += f.glyph_for(' ')[i] != 0;
    }
    CHECK(a_ink > 4);
    CHECK(space_ink == 0);
    CHECK(f.latin1_to_glyph[0xe9] != f.latin1_to_glyph['?']);
}
#endif
