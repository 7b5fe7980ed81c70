// A text terminal on a grid of character cells, portable: it interprets the
// bytes written to the console (UTF-8 text, controls, and the escape
// sequences the Linux console understands that full-screen programs such as
// vi, less and top use) and keeps the resulting screen as cells. It draws
// nothing: the framebuffer console renders the cells that changed, and the
// host tests read them back. The kernel advertises TERM=linux, so where
// terminals disagree this one does what the Linux console does.
//
// Controls: \n (and VT, FF) is CR LF, because the kernel and the programs
// write bare \n; \r, \b, \t (stops every 8 columns); CAN and SUB abort a
// sequence; the rest are ignored.
//
// Escape sequences (CSI = ESC '['; n defaults to 1, counts are clamped to
// what the screen or region holds, positions are 1-based):
//   CSI n m      attributes: 0 reset, 1 bold (bright foreground), 2 half
//                bright (dark grey), 3/23 italic (green), 4/21/24 underline
//                (cyan), 5/25 blink (bright background), 22 normal
//                intensity, 7/27 reverse, 30-37/90-97 foreground, 40-47/
//                100-107 background, 39/49 defaults, 38/48 with ;5;n (256
//                colours) or ;2;r;g;b (true colour) mapped to the nearest of
//                the 16 colours, as the Linux console does
//   CSI n J      erase in display (0 to end, 1 to cursor, 2 or 3 all)
//   CSI n K      erase in line (0 to end, 1 to cursor, 2 all)
//   CSI n X      erase n characters from the cursor (ECH)
//   CSI n @ / P  insert / delete n characters at the cursor (ICH / DCH)
//   CSI n L / M  insert / delete n lines at the cursor row, within the
//                scroll region (IL / DL)
//   CSI n S / T  scroll the region up / down n lines (SU / SD)
//   CSI t;b r    scroll region (DECSTBM; defaults the whole screen, fewer
//                than 2 lines is ignored), then the cursor goes home
//   CSI r;c H/f  cursor position; CSI n A/B/C/D, e, a moves, CSI n E/F next/
//                previous line, CSI n G or ` column, CSI n d row
//   CSI n b      repeat the last printed character n times (REP)
//   CSI s / u    save / restore the cursor, as ESC 7 / ESC 8
//   CSI 4 h/l    insert mode on/off (IRM)
//   CSI ? n h/l  DEC modes: 6 origin (rows count from the region's top, the
//                cursor stays inside it), 7 autowrap, 25 cursor visible,
//                47/1047/1049 alternate screen (1049 also saves and restores
//                the cursor and clears the alternate screen on entry)
//   ESC 7 / 8    save / restore the cursor position and attributes
//   ESC D / M    index / reverse index: line feed, or scroll the region at
//                its bottom / top row
//   ESC E        next line (CR, index);  ESC c  full reset
//   ESC ] ...    operating system commands (and DCS, PM, APC strings) are
//                consumed up to BEL or ST; the Linux palette commands
//                ESC ] P nrrggbb and ESC ] R are consumed and ignored
// Anything else is consumed and ignored (character set selection, tab
// stops, reports, which would need a way to answer). Cells hold Latin-1:
// code points above U+00FF and malformed UTF-8 show as '?'.
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
    // alive while attached), clears them, homes the cursor and resets every
    // mode. `alternate`, if not null, is a second grid of the same size for
    // the alternate screen (full-screen programs draw there and the main
    // screen reappears when they exit); without it, entering the alternate
    // screen just clears the main one. A null or empty grid, or one whose
    // cell count does not fit 32 bits, leaves the terminal detached: writes
    // are then dropped.
    void attach(Cell* cells, uint32_t columns, uint32_t rows, Cell* alternate = nullptr);

    void write(const char* text, size_t length);
    // Blanks the screen with the default colours, homes the cursor, resets
    // the attributes (what the clear syscall wants). Modes, the scroll
    // region and which screen is shown stay as they are.
    void clear();

    uint32_t columns() const { return m_columns; }
    uint32_t rows() const { return m_rows; }
    // The cell shown now: from the alternate screen while it is active.
    Cell cell(uint32_t column, uint32_t row) const { return m_cells[row * m_columns + column]; }
    uint32_t cursor_column() const { return m_column; }
    uint32_t cursor_row() const { return m_row; }
    bool cursor_visible() const { return m_cursor_visible; }
    bool alternate_screen() const { return m_cells != m_main_cells; }
    // The scroll region, rows [top, bottom] inclusive, 0-based.
    uint32_t scroll_top() const { return m_top; }
    uint32_t scroll_bottom() const { return m_bottom; }

    // The rows whose cells changed since the last call, inclusive; returns
    // false when none did. Scrolling marks the rows of the scrolled region;
    // switching screens marks every row.
    bool take_dirty_rows(uint32_t& first, uint32_t& last);

private:
    // As many as the Linux console keeps: enough for "0;1;38;2;r;g;b;48;2;r;g;b".
    static constexpr uint32_t kMaxParams = 16;
    enum class State : uint8_t {
        kGround,
        kEscape,   // after ESC
        kCsi,      // after ESC [
        kNonStd,   // after ESC ]: a Linux palette command or an OSC string
        kPalette,  // ESC ] P: hex digits follow
        kString,   // OSC, DCS, PM, APC: consumed up to BEL or ST
    };

    // What SGR sets, and what save/restore cursor keep.
    struct Attributes {
        uint8_t foreground = kDefaultForeground;
        uint8_t background = kDefaultBackground;
        bool bold = false;
        bool half_bright = false;
        bool italic = false;
        bool underline = false;
        bool blink = false;
        bool reverse = false;
    };
    struct SavedCursor {
        uint32_t column = 0;
        uint32_t row = 0;
        Attributes attributes;
    };

    void reset();
    void escape_dispatch(uint8_t final);
    void put_printable(uint8_t ch);
    void utf8_byte(uint8_t byte);
    void put_code_point(uint32_t code_point);
    void execute_control(uint8_t ch);
    void line_feed();
    void reverse_index();
    // Moves rows [top, bottom] (inclusive) up or down by `count`, blanking
    // the rows that come free.
    void scroll(uint32_t top, uint32_t bottom, uint32_t count, bool up);
    void insert_cells(uint32_t count);
    void delete_cells(uint32_t count);
    void fill(uint32_t from, uint32_t to, Cell blank);  // cell indices [from, to)
    void mark_dirty(uint32_t first_row, uint32_t last_row);
    void move_to(int64_t column, int64_t row);
    void move_to_origin(int64_t column, int64_t row);  // row relative to DECOM's origin
    void save_cursor();
    void restore_cursor();
    void set_alternate_screen(bool on, uint32_t mode);
    void set_mode(bool dec_private, bool on);
    void csi_dispatch(uint8_t final);
    void select_graphic_rendition();
    uint32_t extended_colour(uint32_t& index) const;
    uint32_t param(uint32_t index, uint32_t fallback) const;
    uint8_t current_attr() const;
    // Erased cells take the current colours (and blink's bright
    // background) but not bold, reverse or underline, as on the Linux console.
    Cell blank() const;

    Cell* m_cells = nullptr;  // the screen shown: m_main_cells or m_alternate_cells
    Cell* m_main_cells = nullptr;
    Cell* m_alternate_cells = nullptr;
    uint32_t m_columns = 0;
    uint32_t m_rows = 0;
    uint32_t m_column = 0;
    uint32_t m_row = 0;
    // Writing the last column leaves the cursor there; the next printable
    // character wraps first (as VT100s do), so an exactly full line followed
    // by \n does not leave an empty line.
    bool m_wrap_pending = false;
    bool m_cursor_visible = true;
    bool m_autowrap = true;
    bool m_origin_mode = false;
    bool m_insert_mode = false;
    uint32_t m_top = 0;          // the scroll region, inclusive
    uint32_t m_bottom = 0;       // m_rows - 1 when there is none
    uint8_t m_last_printed = 0;  // what REP repeats; 0: nothing yet

    Attributes m_attributes;
    // One saved cursor per screen, so a program saving and restoring on the
    // alternate screen does not lose where the main screen's cursor was.
    SavedCursor m_saved[2];

    State m_state = State::kGround;
    uint8_t m_utf8_pending = 0;  // continuation bytes still expected
    uint32_t m_utf8_code_point = 0;
    bool m_escape_intermediate = false;  // ESC ( B and the like: not ESC B
    bool m_private = false;              // CSI '?' ...
    bool m_csi_ignored = false;          // CSI > ..., CSI ... ':' ...: not ours
    uint32_t m_params[kMaxParams] = {};
    uint32_t m_param_count = 0;

    uint32_t m_dirty_first = 1;  // first > last: nothing dirty
    uint32_t m_dirty_last = 0;
};

}  // namespace nyanos
