#include "lib/psf.h"

namespace nyanos::psf {
namespace {

constexpr uint8_t kPsf1Magic0 = 0x36, kPsf1Magic1 = 0x04;
constexpr uint8_t kPsf1Mode512 = 0x01;
constexpr uint8_t kPsf1ModeHasTab = 0x02;
constexpr uint8_t kPsf1ModeHasSeq = 0x04;
constexpr size_t kPsf1HeaderSize = 4;
constexpr uint16_t kPsf1Separator = 0xffff;  // ends one glyph's entry
constexpr uint16_t kPsf1StartSeq = 0xfffe;   // starts a combining sequence

constexpr uint32_t kPsf2Magic = 0x864ab572;
constexpr uint32_t kPsf2HasUnicodeTable = 0x01;
constexpr size_t kPsf2HeaderSize = 32;
constexpr uint8_t kPsf2Separator = 0xff;
constexpr uint8_t kPsf2StartSeq = 0xfe;

uint32_t read_le32(const uint8_t* p) {
    return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
}
uint16_t read_le16(const uint8_t* p) {
    return uint16_t(p[0] | p[1] << 8);
}

// Records `code_point` -> `glyph` unless an earlier glyph already claimed it
// (fonts list the preferred glyph first).
void claim(Font& font, bool claimed[256], uint32_t code_point, uint32_t glyph) {
    if (code_point >= 256 || claimed[code_point]) return;
    claimed[code_point] = true;
    font.latin1_to_glyph[code_point] = uint16_t(glyph);
}

// Unmapped code points show the font's '?' (if mapped), else glyph 0.
void fill_unclaimed(Font& font, const bool claimed[256]) {
    constexpr uint8_t kQuestionMark = '?';  // an index: unsigned, where char may be signed
    uint16_t fallback = claimed[kQuestionMark] ? font.latin1_to_glyph[kQuestionMark] : 0;
    for (uint32_t c = 0; c < 256; ++c) {
        if (!claimed[c]) font.latin1_to_glyph[c] = fallback;
    }
}

void identity_map(Font& font) {
    bool claimed[256] = {};
    for (uint32_t c = 0; c < 256 && c < font.glyph_count; ++c) claim(font, claimed, c, c);
    fill_unclaimed(font, claimed);
}

// PSF1 table: per glyph, 16-bit code points, then optional 0xFFFE-led
// sequences, ended by 0xFFFF. Only single code points (before any sequence)
// name the glyph on their own.
Result<void> parse_psf1_table(Font& font, const uint8_t* p, const uint8_t* end) {
    bool claimed[256] = {};
    for (uint32_t glyph = 0; glyph < font.glyph_count; ++glyph) {
        bool in_sequence = false;
        for (;;) {
            if (end - p < 2) return Error::kCorrupt;
            uint16_t value = read_le16(p);
            p += 2;
            if (value == kPsf1Separator) break;
            if (value == kPsf1StartSeq) {
                in_sequence = true;
                continue;
            }
            if (!in_sequence) claim(font, claimed, value, glyph);
        }
    }
    fill_unclaimed(font, claimed);
    return {};
}

// Decodes one UTF-8 code point at p (before end). Returns bytes consumed,
// 0 on malformed input.
size_t decode_utf8(const uint8_t* p, const uint8_t* end, uint32_t& code_point) {
    uint8_t lead = p[0];
    size_t length;
    uint32_t min;
    if (lead < 0x80) {
        code_point = lead;
        return 1;
    } else if ((lead & 0xe0) == 0xc0) {
        length = 2, code_point = lead & 0x1f, min = 0x80;
    } else if ((lead & 0xf0) == 0xe0) {
        length = 3, code_point = lead & 0x0f, min = 0x800;
    } else if ((lead & 0xf8) == 0xf0) {
        length = 4, code_point = lead & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (size_t(end - p) < length) return 0;
    for (size_t i = 1; i < length; ++i) {
        if ((p[i] & 0xc0) != 0x80) return 0;
        code_point = code_point << 6 | (p[i] & 0x3f);
    }
    if (code_point < min || code_point > 0x10ffff) return 0;
    return length;
}

// PSF2 table: per glyph, UTF-8 code points, then optional 0xFE-led
// sequences, ended by 0xFF.
Result<void> parse_psf2_table(Font& font, const uint8_t* p, const uint8_t* end) {
    bool claimed[256] = {};
    for (uint32_t glyph = 0; glyph < font.glyph_count; ++glyph) {
        bool in_sequence = false;
        for (;;) {
            if (p == end) return Error::kCorrupt;
            if (*p == kPsf2Separator) {
                ++p;
                break;
            }
            if (*p == kPsf2StartSeq) {
                ++p;
                in_sequence = true;
                continue;
            }
            uint32_t code_point;
            size_t used = decode_utf8(p, end, code_point);
            if (used == 0) return Error::kCorrupt;
            p += used;
            if (!in_sequence) claim(font, claimed, code_point, glyph);
        }
    }
    fill_unclaimed(font, claimed);
    return {};
}

Result<Font> parse_psf1(const uint8_t* data, size_t size) {
    if (size < kPsf1HeaderSize) return Error::kCorrupt;
    uint8_t mode = data[2];
    Font font{};
    font.width = 8;
    font.height = data[3];
    font.bytes_per_row = 1;
    font.bytes_per_glyph = font.height;
    font.glyph_count = (mode & kPsf1Mode512) ? 512 : 256;
    font.has_unicode_table = (mode & (kPsf1ModeHasTab | kPsf1ModeHasSeq)) != 0;
    if (font.height == 0 || font.height > kMaxGlyphHeight) return Error::kRange;

    size_t table_bytes = size_t(font.glyph_count) * font.bytes_per_glyph;
    if (size - kPsf1HeaderSize < table_bytes) return Error::kCorrupt;
    font.glyphs = data + kPsf1HeaderSize;

    if (font.has_unicode_table) {
        TRY(parse_psf1_table(font, font.glyphs + table_bytes, data + size));
    } else {
        identity_map(font);
    }
    return font;
}

Result<Font> parse_psf2(const uint8_t* data, size_t size) {
    if (size < kPsf2HeaderSize) return Error::kCorrupt;
    uint32_t version = read_le32(data + 4);
    uint32_t header_size = read_le32(data + 8);
    uint32_t flags = read_le32(data + 12);
    Font font{};
    font.glyph_count = read_le32(data + 16);
    font.bytes_per_glyph = read_le32(data + 20);
    font.height = read_le32(data + 24);
    font.width = read_le32(data + 28);
    font.has_unicode_table = (flags & kPsf2HasUnicodeTable) != 0;

    if (version != 0 || (flags & ~kPsf2HasUnicodeTable) != 0) return Error::kInvalid;
    if (font.width == 0 || font.width > kMaxGlyphWidth || font.height == 0 ||
        font.height > kMaxGlyphHeight || font.glyph_count == 0)
        return Error::kRange;
    font.bytes_per_row = (font.width + 7) / 8;
    if (font.bytes_per_glyph != font.height * font.bytes_per_row) return Error::kCorrupt;
    if (header_size < kPsf2HeaderSize || header_size > size) return Error::kCorrupt;

    // Both factors are bounded (count < 2^32, glyph <= 256 bytes): no overflow
    // in 64 bits.
    uint64_t table_bytes = uint64_t(font.glyph_count) * font.bytes_per_glyph;
    if (size - header_size < table_bytes) return Error::kCorrupt;
    font.glyphs = data + header_size;

    if (font.has_unicode_table) {
        TRY(parse_psf2_table(font, font.glyphs + table_bytes, data + size));
    } else {
        identity_map(font);
    }
    return font;
}

}  // namespace

Result<Font> parse(const uint8_t* data, size_t size) {
    if (data == nullptr || size < 2) return Error::kInvalid;
    if (data[0] == kPsf1Magic0 && data[1] == kPsf1Magic1) return parse_psf1(data, size);
    if (size >= 4 && read_le32(data) == kPsf2Magic) return parse_psf2(data, size);
    return Error::kInvalid;
}

}  // namespace nyanos::psf
