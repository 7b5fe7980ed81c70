// PC Screen Font (PSF1 and PSF2) parsing, portable: the framebuffer console
// uses it on the font embedded at build time, the host tests on crafted and
// malformed fonts.
//
// A parsed Font borrows the bytes it was parsed from: they must outlive it
// (the kernel's font lives in .rodata for good).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "nyanos/lib/result.h"

namespace nyanos::psf {

// Glyphs wider or taller than this are refused: the console draws rows from
// a 32-bit bitmap and nobody ships larger console fonts.
inline constexpr uint32_t kMaxGlyphWidth = 32;
inline constexpr uint32_t kMaxGlyphHeight = 64;

struct Font {
    uint32_t width;            // pixels
    uint32_t height;           // pixels
    uint32_t bytes_per_row;    // (width + 7) / 8, most significant bit = leftmost pixel
    uint32_t bytes_per_glyph;  // height * bytes_per_row
    uint32_t glyph_count;
    const uint8_t* glyphs;  // glyph_count * bytes_per_glyph bytes inside the parsed buffer
    bool has_unicode_table;
    // Code points U+0000..U+00FF (ASCII and Latin-1) to glyph indices, from
    // the font's Unicode table when it has one, else the identity. Code points
    // the font has no glyph for map to the glyph of '?' (or glyph 0).
    uint16_t latin1_to_glyph[256];

    const uint8_t* glyph(uint32_t index) const { return glyphs + size_t(index) * bytes_per_glyph; }
    const uint8_t* glyph_for(uint8_t code_point) const {
        return glyph(latin1_to_glyph[code_point]);
    }
};

// Parses a PSF1 or PSF2 font of `size` bytes at `data`. Errors:
// kInvalid  – neither magic, or a PSF2 version/flag this parser does not know;
// kRange    – glyph dimensions outside 1..kMaxGlyphWidth x 1..kMaxGlyphHeight,
//             or no glyphs at all;
// kCorrupt  – the header or glyph table runs past the end, the PSF2 header
//             size or glyph size is inconsistent, or the Unicode table is
//             truncated or holds invalid UTF-8.
Result<Font> parse(const uint8_t* data, size_t size);

}  // namespace nyanos::psf
