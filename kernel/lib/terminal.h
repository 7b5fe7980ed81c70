// A text terminal on a grid of character cells, portable: it interprets the
// bytes written to the console (UTF-8 text, \n \r \b \t, and a small set of
// ANSI/VT100 escape sequences) and keeps the resulting screen as
// cells. It draws nothing: the framebuffer console renders the cells that
// changed, and the host tests read them back.
//
// Supported escape sequences (CSI = ESC '['):
//   CSI n m      colours and attributes: 0 reset, 1 bold (bright foreground),
//                22 normal, 7/27 reverse on/off, 30-37/90-97 foreground,
//                40-47/100-107 background, 39/49 defaults, 38;5;n/48;5;n n<16
//   CSI n J      erase in display (0 to end, 1 to cursor, 2 or 3 all)
//   CSI n K      erase in line (0 to end, 1 to cursor, 2 all)
//   CSI r;c H/f  cursor position (1-based, defaults 1); CSI n A/B/C/D moves,
//                CSI n G column, CSI n d row
//   CSI ?25 l/h  hide/show the cursor;  ESC c  full reset
// Anything else is consumed and ignored. Cells hold Latin-1: code points
// above U+00FF and malformed UTF-8 show as '?'.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace nyanos {

// The 16 colours: 0 black, 1 red, 2 green, 3 yellow (brown), 4 blue,
// 5 magenta, 6 cyan, 7 light grey, then 8-15 their bright variants.
inline constexpr uint8_t kDefaultForeground = 7;
inline constexpr uint8_t kDefaultBackground = 0;

struct Cell {
    uint8_t ch;    // Latin-1 code point
    uint8_t attr;  // low nibble foreground colour, high nibble background colour

    uint8_t foreground() const { return attr & 0x0f; }
    uint8_t background() const { return attr >> 4; }
    bool operator==(const Cell&) const = default;
};

class Terminal {
public:
    // Constant-initialisable: the kernel's console is a global that exists
    // before constructors run. Call attach() before any write().
    constexpr Terminal() = default;

    // Takes `cells` (columns * rows of them, owned by the caller and kept
    // alive while attached), clears them and homes the cursor. A null or
    // empty grid leaves the terminal detached: writes are then dropped.
    void attach(Cell* cells, uint32_t columns, uint32_t rows);

    void write(const char* text, size_t length);
    // Blanks the screen with the default colours, homes the cursor, resets
    // the attributes (what the clear syscall wants).
    void clear();

    uint32_t columns() const { return m_columns; }
    uint32_t rows() const { return m_rows; }
    Cell cell(uint32_t column, uint32_t row) const { return m_cells[row * m_columns + column]; }
    uint32_t cursor_column() const { return m_column; }
    uint32_t cursor_row() const { return m_row; }
    bool cursor_visible() const { return m_cursor_visible; }

    // The rows whose cells changed since the last call, inclusive; returns
    // false when none did. Scrolling marks every row.
    bool take_dirty_rows(uint32_t& first, uint32_t& last);

private:
    static constexpr uint32_t kMaxParams = 8;
    enum class State : uint8_t { kGround, kEscape, kCsi };

    void put_printable(uint8_t ch);
    void utf8_byte(uint8_t byte);
    void put_code_point(uint32_t code_point);
    void execute_control(uint8_t ch);
    void line_feed();
    void scroll_up();
    void fill(uint32_t from, uint32_t to, Cell blank);  // cell indices [from, to)
    void mark_dirty(uint32_t first_row, uint32_t last_row);
    void move_to(int64_t column, int64_t row);
    void csi_dispatch(uint8_t final);
    void select_graphic_rendition();
    uint32_t param(uint32_t index, uint32_t fallback) const;
    uint8_t current_attr() const;
    Cell blank() const { return Cell{' ', current_attr()}; }
    void reset_attributes();

    Cell* m_cells = nullptr;
    uint32_t m_columns = 0;
    uint32_t m_rows = 0;
    uint32_t m_column = 0;
    uint32_t m_row = 0;
    // Writing the last column leaves the cursor there; the next printable
    // character wraps first (as VT100s do), so an exactly full line followed
    // by \n does not leave an empty line.
    bool m_wrap_pending = false;
    bool m_cursor_visible = true;

    uint8_t m_foreground = kDefaultForeground;
    uint8_t m_background = kDefaultBackground;
    bool m_bold = false;
    bool m_reverse = false;

    State m_state = State::kGround;
    uint8_t m_utf8_pending = 0;  // continuation bytes still expected
    uint32_t m_utf8_code_point = 0;
    bool m_private = false;  // CSI '?' ...
    uint32_t m_params[kMaxParams] = {};
    uint32_t m_param_count = 0;

    uint32_t m_dirty_first = 1;  // first > last: nothing dirty
    uint32_t m_dirty_last = 0;
};

}  // namespace nyanos
