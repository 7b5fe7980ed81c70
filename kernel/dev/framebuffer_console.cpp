#include "dev/framebuffer_console.h"

#include <stdint.h>

#include "arch/x86_64/cpu.h"
#include "boot_info.h"
#include "lib/console.h"
#include "lib/psf.h"
#include "lib/terminal.h"

extern "C" const uint8_t nyanos_console_font[];
extern "C" const uint8_t nyanos_console_font_end[];

namespace nyanos::fbcon {
namespace {

// The text grid is bounded so it can live in .bss (there is no heap when the
// console starts). 256 x 128 cells cover 2048 x 2048 pixels with an 8 x 16
// font; larger screens use their top-left part.
constexpr uint32_t kMaxColumns = 256;
constexpr uint32_t kMaxRows = 128;
constexpr uint32_t kMaxCells = kMaxColumns * kMaxRows;

// What each cell on the screen currently shows: the character, its colours,
// and whether the cursor is drawn on it. Rendering compares the terminal's
// cells with this and draws only the differences, so scrolling rewrites the
// cells whose content changed and never reads the framebuffer back (slow on
// real hardware, where video memory is uncached).
using ShownKey = uint32_t;
constexpr ShownKey kCursorBit = 1u << 16;
constexpr ShownKey shown_key(Cell cell, bool cursor) {
    return ShownKey(cell.ch) | ShownKey(cell.attr) << 8 | (cursor ? kCursorBit : 0);
}

// The VGA text palette, as 8-bit red, green, blue.
struct Rgb {
    uint8_t r, g, b;
};
constexpr Rgb kPalette[16] = {
    {0x00, 0x00, 0x00}, {0xaa, 0x00, 0x00}, {0x00, 0xaa, 0x00}, {0xaa, 0x55, 0x00},
    {0x00, 0x00, 0xaa}, {0xaa, 0x00, 0xaa}, {0x00, 0xaa, 0xaa}, {0xaa, 0xaa, 0xaa},
    {0x55, 0x55, 0x55}, {0xff, 0x55, 0x55}, {0x55, 0xff, 0x55}, {0xff, 0xff, 0x55},
    {0x55, 0x55, 0xff}, {0xff, 0x55, 0xff}, {0x55, 0xff, 0xff}, {0xff, 0xff, 0xff},
};

struct State {
    bool active;
    uint8_t* pixels;  // HHDM address of the framebuffer
    uint32_t pitch;   // bytes per scan line
    uint32_t width, height;
    psf::Font font;
    uint32_t pixel_of[16];  // the palette in the framebuffer's pixel format
    bool cursor_drawn;
    uint32_t cursor_column, cursor_row;  // where it is drawn, if it is
};

// Plain globals without constructors: kernel_main starts the console before
// it runs global constructors.
constinit State g_state{};
constinit Terminal g_terminal{};
Cell g_cells[kMaxCells];
// The alternate screen full-screen programs (vi, less) draw on, so the shell's
// screen comes back when they exit: another 64 KiB of .bss, like g_cells.
Cell g_alternate_cells[kMaxCells];
ShownKey g_shown[kMaxCells];

// Scales an 8-bit component to `size` bits at `shift`.
uint32_t place(uint8_t value, uint8_t shift, uint8_t size) {
    if (size == 0) return 0;
    if (size > 8) size = 8;  // the palette has 8 bits of precision
    return uint32_t(value >> (8 - size)) << shift;
}

uint32_t encode(const boot::Framebuffer& fb, Rgb c) {
    switch (fb.format) {
        case boot::PixelFormat::kRgbx:
            return uint32_t(c.r) | uint32_t(c.g) << 8 | uint32_t(c.b) << 16;
        case boot::PixelFormat::kBgrx:
            return uint32_t(c.b) | uint32_t(c.g) << 8 | uint32_t(c.r) << 16;
        case boot::PixelFormat::kBitmask:
            return place(c.r, fb.red_shift, fb.red_size) |
                   place(c.g, fb.green_shift, fb.green_size) |
                   place(c.b, fb.blue_shift, fb.blue_size);
        case boot::PixelFormat::kNone:
            break;
    }
    return 0;
}

void draw_cell(uint32_t column, uint32_t row, Cell cell, bool cursor) {
    const psf::Font& font = g_state.font;
    uint32_t fg = g_state.pixel_of[cell.foreground()];
    uint32_t bg = g_state.pixel_of[cell.background()];
    if (cursor) {
        uint32_t t = fg;
        fg = bg;
        bg = t;
    }
    const uint8_t* glyph = font.glyph_for(cell.ch);
    uint8_t* line = g_state.pixels + size_t(row) * font.height * g_state.pitch +
                    size_t(column) * font.width * 4;
    for (uint32_t y = 0; y < font.height; ++y) {
        // The glyph row as one word, leftmost pixel in the top bit.
        uint32_t bits = 0;
        for (uint32_t b = 0; b < font.bytes_per_row; ++b) bits = bits << 8 | glyph[b];
        bits <<= 32 - font.bytes_per_row * 8;
        auto* out = reinterpret_cast<volatile uint32_t*>(line);
        for (uint32_t x = 0; x < font.width; ++x) out[x] = (bits & (0x80000000u >> x)) ? fg : bg;
        glyph += font.bytes_per_row;
        line += g_state.pitch;
    }
}

void draw_if_changed(uint32_t column, uint32_t row, bool cursor) {
    uint32_t index = row * g_terminal.columns() + column;
    Cell cell = g_terminal.cell(column, row);
    ShownKey key = shown_key(cell, cursor);
    if (g_shown[index] == key) return;
    draw_cell(column, row, cell, cursor);
    g_shown[index] = key;
}

// Brings the screen up to date with the terminal: the cells of changed rows,
// then the cursor (removed from where it was, drawn where it is).
void render() {
    uint32_t first, last;
    uint32_t columns = g_terminal.columns();
    bool want_cursor = g_terminal.cursor_visible();
    uint32_t cursor_column = g_terminal.cursor_column(), cursor_row = g_terminal.cursor_row();
    if (g_terminal.take_dirty_rows(first, last)) {
        for (uint32_t row = first; row <= last; ++row) {
            for (uint32_t column = 0; column < columns; ++column) {
                bool cursor = want_cursor && row == cursor_row && column == cursor_column;
                draw_if_changed(column, row, cursor);
            }
        }
    }
    if (g_state.cursor_drawn && (!want_cursor || g_state.cursor_column != cursor_column ||
                                 g_state.cursor_row != cursor_row))
        draw_if_changed(g_state.cursor_column, g_state.cursor_row, false);
    if (want_cursor) draw_if_changed(cursor_column, cursor_row, true);
    g_state.cursor_drawn = want_cursor;
    g_state.cursor_column = cursor_column;
    g_state.cursor_row = cursor_row;
}

void fill_screen(uint32_t pixel) {
    for (uint32_t y = 0; y < g_state.height; ++y) {
        auto* out =
            reinterpret_cast<volatile uint32_t*>(g_state.pixels + size_t(y) * g_state.pitch);
        for (uint32_t x = 0; x < g_state.width; ++x) out[x] = pixel;
    }
}

// Serialises drawing: writes come from any CPU, from system calls and from
// interrupt handlers (fault reports). Interrupts stay off while it is held so
// an interrupt on this CPU cannot wait for its own interrupted write. The
// wait is bounded: a panic raised inside the console itself (a fault while
// drawing) must still reach the screen rather than spin forever, at the cost
// of a possibly garbled screen.
bool g_lock = false;
constexpr uint64_t kLockSpins = 50'000'000;

class DrawLock {
public:
    DrawLock() {
        for (uint64_t i = 0; i < kLockSpins; ++i) {
            if (!__atomic_test_and_set(&g_lock, __ATOMIC_ACQUIRE)) {
                m_owned = true;
                return;
            }
            asm volatile("pause");
        }
    }
    ~DrawLock() {
        if (m_owned) __atomic_clear(&g_lock, __ATOMIC_RELEASE);
    }
    DrawLock(const DrawLock&) = delete;
    DrawLock& operator=(const DrawLock&) = delete;

private:
    arch::InterruptDisabler m_no_interrupts;  // constructed first, released last
    bool m_owned = false;
};

}  // namespace

bool init(const boot::Framebuffer& fb) {
    if (fb.phys == 0 || fb.format == boot::PixelFormat::kNone) return false;
    if (fb.bpp != 32) {
        kprintf("fbcon: %u bits per pixel is not supported (32 only); no screen console\n", fb.bpp);
        return false;
    }
    auto font =
        psf::parse(nyanos_console_font, size_t(nyanos_console_font_end - nyanos_console_font));
    if (!font.ok()) {
        kprintf("fbcon: the embedded font does not parse (%s); no screen console\n",
                error_name(font.error()));
        return false;
    }
    const psf::Font& f = font.value();
    uint32_t columns = fb.width / f.width, rows = fb.height / f.height;
    if (columns == 0 || rows == 0 || fb.pitch < fb.width * 4) {
        kprintf("fbcon: framebuffer %ux%u pitch %u cannot hold text; no screen console\n", fb.width,
                fb.height, fb.pitch);
        return false;
    }
    if (columns > kMaxColumns) columns = kMaxColumns;
    if (rows > kMaxRows) rows = kMaxRows;

    g_state.font = font.release_value();
    g_state.pixels = phys_to_virt<uint8_t>(fb.phys);
    g_state.pitch = fb.pitch;
    g_state.width = fb.width;
    g_state.height = fb.height;
    for (uint32_t i = 0; i < 16; ++i) g_state.pixel_of[i] = encode(fb, kPalette[i]);
    g_state.cursor_drawn = false;

    // Start from a known screen: everything in the default background, which
    // is exactly what a grid of default blanks looks like.
    fill_screen(g_state.pixel_of[kDefaultBackground]);
    g_terminal.attach(g_cells, columns, rows, g_alternate_cells);
    ShownKey blank = shown_key(g_terminal.cell(0, 0), false);
    for (uint32_t i = 0; i < columns * rows; ++i) g_shown[i] = blank;
    g_state.active = true;
    render();
    return true;
}

bool active() {
    return g_state.active;
}

void write(const char* text, size_t length) {
    if (!g_state.active) return;
    DrawLock lock;
    g_terminal.write(text, length);
    render();
}

void clear() {
    if (!g_state.active) return;
    DrawLock lock;
    g_terminal.clear();
    render();
}

size_t columns() {
    return g_state.active ? g_terminal.columns() : 0;
}  // fixed after init()
size_t rows() {
    return g_state.active ? g_terminal.rows() : 0;
}

}  // namespace nyanos::fbcon
