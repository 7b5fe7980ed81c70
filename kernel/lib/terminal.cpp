#include "lib/terminal.h"

#include <string.h>

namespace nyanos {
namespace {
constexpr uint8_t kEsc = 0x1b;
constexpr uint8_t kCan = 0x18;
constexpr uint8_t kSub = 0x1a;
constexpr uint8_t kBel = 0x07;
constexpr uint32_t kTabWidth = 8;
constexpr uint32_t kMaxParamValue = 9999;
constexpr uint32_t kNoColour = 0xffffffff;

// Attributes the screen cannot draw as such show as foreground colours, as
// they do on the Linux framebuffer console.
constexpr uint8_t kItalicColour = 2;      // green
constexpr uint8_t kUnderlineColour = 6;   // cyan
constexpr uint8_t kHalfBrightColour = 8;  // dark grey

bool is_hex_digit(uint8_t ch) {
    return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
}

// The nearest of the 16 colours to an RGB foreground: each component more
// than half the brightest one counts, and a bright maximum picks the bright
// variant (the Linux console's rule, so colours look as they do there).
uint8_t nearest_foreground(uint32_t r, uint32_t g, uint32_t b) {
    uint32_t max = r > g ? r : g;
    if (b > max) max = b;
    uint8_t hue = uint8_t((r > max / 2 ? 1 : 0) | (g > max / 2 ? 2 : 0) | (b > max / 2 ? 4 : 0));
    if (hue == 7 && max <= 0x55) return 8;  // a dim grey
    return max > 0xaa ? uint8_t(hue + 8) : hue;
}

// Backgrounds err on the dark side: only the 8 normal colours.
uint8_t nearest_background(uint32_t r, uint32_t g, uint32_t b) {
    return uint8_t((r & 0x80 ? 1 : 0) | (g & 0x80 ? 2 : 0) | (b & 0x80 ? 4 : 0));
}

// The RGB value of a 256-colour index from 16 up: the 6x6x6 cube, then the
// grey ramp.
void rgb_of_256(uint32_t n, uint32_t& r, uint32_t& g, uint32_t& b) {
    if (n < 232) {
        r = (n - 16) / 36 * 85 / 2;
        g = (n - 16) / 6 % 6 * 85 / 2;
        b = (n - 16) % 6 * 85 / 2;
    } else {
        r = g = b = n * 10 - 2312;
    }
}
}  // namespace

void Terminal::attach(Cell* cells, uint32_t columns, uint32_t rows, Cell* alternate) {
    if (cells == nullptr || columns == 0 || rows == 0 ||
        uint64_t(columns) * rows > uint64_t(UINT32_MAX)) {
        m_cells = nullptr;  // write() then does nothing
        return;
    }
    m_cells = m_main_cells = cells;
    m_alternate_cells = alternate;
    m_columns = columns;
    m_rows = rows;
    if (m_alternate_cells != nullptr) {
        Cell blank{' ', uint8_t(kDefaultBackground << 4 | kDefaultForeground)};
        for (uint32_t i = 0; i < columns * rows; ++i) m_alternate_cells[i] = blank;
    }
    reset();
}

void Terminal::reset() {
    m_cells = m_main_cells;
    m_state = State::kGround;
    m_utf8_pending = 0;
    m_cursor_visible = true;
    m_autowrap = true;
    m_origin_mode = false;
    m_insert_mode = false;
    m_top = 0;
    m_bottom = m_rows - 1;
    m_last_printed = 0;
    clear();
    m_saved[0] = m_saved[1] = SavedCursor{};
}

void Terminal::clear() {
    if (m_cells == nullptr) return;
    m_attributes = Attributes{};
    fill(0, m_columns * m_rows, blank());
    m_column = m_row = 0;
    m_wrap_pending = false;
    mark_dirty(0, m_rows - 1);
}

uint8_t Terminal::current_attr() const {
    const Attributes& a = m_attributes;
    uint8_t fg = a.foreground, bg = a.background;
    if (a.italic) {
        fg = kItalicColour;
    } else if (a.underline) {
        fg = kUnderlineColour;
    } else if (a.half_bright) {
        fg = kHalfBrightColour;
    }
    if (a.bold && fg < 8) fg += 8;
    if (a.blink && bg < 8) bg += 8;
    if (a.reverse) {
        uint8_t t = fg;
        fg = bg;
        bg = t;
    }
    return uint8_t(bg << 4 | fg);
}

Cell Terminal::blank() const {
    uint8_t bg = m_attributes.background;
    if (m_attributes.blink && bg < 8) bg += 8;
    return Cell{' ', uint8_t(bg << 4 | m_attributes.foreground)};
}

void Terminal::mark_dirty(uint32_t first_row, uint32_t last_row) {
    if (m_dirty_first > m_dirty_last) {
        m_dirty_first = first_row;
        m_dirty_last = last_row;
        return;
    }
    if (first_row < m_dirty_first) m_dirty_first = first_row;
    if (last_row > m_dirty_last) m_dirty_last = last_row;
}

bool Terminal::take_dirty_rows(uint32_t& first, uint32_t& last) {
    if (m_dirty_first > m_dirty_last) return false;
    first = m_dirty_first;
    last = m_dirty_last;
    m_dirty_first = 1;
    m_dirty_last = 0;
    return true;
}

void Terminal::fill(uint32_t from, uint32_t to, Cell cell) {
    for (uint32_t i = from; i < to; ++i) m_cells[i] = cell;
    if (from < to) mark_dirty(from / m_columns, (to - 1) / m_columns);
}

void Terminal::write(const char* text, size_t length) {
    if (m_cells == nullptr) return;
    for (size_t i = 0; i < length; ++i) {
        uint8_t ch = uint8_t(text[i]);
        switch (m_state) {
            case State::kGround:
                if (ch >= 0x80 || m_utf8_pending > 0) {
                    utf8_byte(ch);
                } else if (ch == kEsc) {
                    m_state = State::kEscape;
                    m_escape_intermediate = false;
                } else if (ch < 0x20 || ch == 0x7f) {
                    execute_control(ch);
                } else {
                    put_printable(ch);
                }
                break;
            case State::kEscape:
                if (ch == kEsc) {
                    m_escape_intermediate = false;  // starts over
                } else if (ch == kCan || ch == kSub) {
                    m_state = State::kGround;
                } else if (ch < 0x20) {
                    execute_control(ch);  // VT100s act on controls inside sequences
                } else if (ch == 0x7f) {
                    // DEL is ignored everywhere.
                } else if (ch >= 0x20 && ch <= 0x2f) {
                    // An intermediate byte ("ESC ( B" selects a character
                    // set): the sequence ends at the next byte, which is not
                    // then a command of its own.
                    m_escape_intermediate = true;
                } else if (m_escape_intermediate) {
                    m_state = State::kGround;
                } else {
                    m_state = State::kGround;  // escape_dispatch may change it
                    escape_dispatch(ch);
                }
                break;
            case State::kCsi:
                if (ch >= '0' && ch <= '9') {
                    if (m_param_count == 0) m_param_count = 1;
                    if (m_param_count <= kMaxParams) {
                        uint32_t& p = m_params[m_param_count - 1];
                        p = p * 10 + (ch - '0');
                        if (p > kMaxParamValue) p = kMaxParamValue;
                    }
                } else if (ch == ';') {
                    // "CSI ;5H": the empty first parameter still counts.
                    if (m_param_count == 0) m_param_count = 1;
                    if (m_param_count <= kMaxParams) ++m_param_count;
                } else if (ch == '?') {
                    m_private = true;
                } else if (ch >= 0x3a && ch <= 0x3f) {
                    // Sub-parameters (':') and the other private markers
                    // ('<', '=', '>') introduce sequences this terminal does
                    // not implement; they must not act as their plain forms.
                    m_csi_ignored = true;
                } else if (ch >= 0x40 && ch <= 0x7e) {
                    if (m_param_count > kMaxParams) m_param_count = kMaxParams;
                    m_state = State::kGround;
                    if (!m_csi_ignored) csi_dispatch(ch);
                } else if (ch == kEsc) {
                    m_state = State::kEscape;  // an aborted sequence
                    m_escape_intermediate = false;
                } else if (ch == kCan || ch == kSub) {
                    m_state = State::kGround;
                } else if (ch < 0x20) {
                    execute_control(ch);  // VT100s act on controls inside sequences
                } else if (ch >= 0x20 && ch <= 0x2f) {
                    // "CSI SP q" (cursor shape), "CSI ! p" (soft reset):
                    // intermediates make other commands.
                    m_csi_ignored = true;
                }
                break;
            case State::kNonStd:
                if (ch == 'P') {
                    m_state = State::kPalette;
                    m_param_count = 0;
                } else if (ch >= '0' && ch <= '9') {
                    m_state = State::kString;
                } else if (ch == kEsc) {
                    m_state = State::kEscape;
                    m_escape_intermediate = false;
                } else {
                    m_state = State::kGround;  // ESC ] R (palette reset) and the rest
                }
                break;
            case State::kPalette:
                // ESC ] P nrrggbb: seven hex digits, the palette is fixed here.
                if (is_hex_digit(ch)) {
                    if (++m_param_count == 7) m_state = State::kGround;
                } else if (ch == kEsc) {
                    m_state = State::kEscape;
                    m_escape_intermediate = false;
                } else {
                    m_state = State::kGround;
                }
                break;
            case State::kString:
                // Ends at BEL, at CAN or SUB, or at ESC (of ESC \ or a new
                // sequence); everything else, bytes of titles included, is
                // the string's.
                if (ch == kEsc) {
                    m_state = State::kEscape;
                    m_escape_intermediate = false;
                } else if (ch == kBel || ch == kCan || ch == kSub) {
                    m_state = State::kGround;
                }
                break;
        }
    }
}

void Terminal::escape_dispatch(uint8_t final) {
    switch (final) {
        case '[':
            m_state = State::kCsi;
            m_private = false;
            m_csi_ignored = false;
            m_param_count = 0;
            for (uint32_t& p : m_params) p = 0;
            break;
        case ']':
            m_state = State::kNonStd;
            break;
        case 'P':  // DCS
        case 'X':  // SOS
        case '^':  // PM
        case '_':  // APC
            m_state = State::kString;
            break;
        case 'c':
            reset();
            break;
        case 'D':
            line_feed();
            break;
        case 'E':
            m_column = 0;
            line_feed();
            break;
        case 'M':
            reverse_index();
            break;
        case '7':
            save_cursor();
            break;
        case '8':
            restore_cursor();
            break;
        default:
            break;  // ESC \ (the end of a string) and the rest
    }
}

void Terminal::execute_control(uint8_t ch) {
    switch (ch) {
        case '\n':
        case '\v':
        case '\f':
            // The kernel and the programs write bare \n: treat it as CR LF.
            m_column = 0;
            line_feed();
            break;
        case '\r':
            m_column = 0;
            m_wrap_pending = false;
            break;
        case '\b':
            if (m_column > 0) --m_column;
            m_wrap_pending = false;
            break;
        case '\t':
            if (m_wrap_pending) break;
            m_column = (m_column / kTabWidth + 1) * kTabWidth;
            if (m_column >= m_columns) m_column = m_columns - 1;
            break;
        default:
            break;  // BEL, DEL and the rest: nothing to show
    }
}

void Terminal::utf8_byte(uint8_t byte) {
    if (m_utf8_pending > 0) {
        if ((byte & 0xc0) == 0x80) {
            m_utf8_code_point = m_utf8_code_point << 6 | (byte & 0x3f);
            if (--m_utf8_pending == 0) put_code_point(m_utf8_code_point);
            return;
        }
        // A sequence cut short: show that, then treat the byte afresh.
        m_utf8_pending = 0;
        put_printable('?');
        char again = char(byte);
        write(&again, 1);
        return;
    }
    if (byte >= 0xc2 && byte <= 0xdf) {
        m_utf8_pending = 1, m_utf8_code_point = byte & 0x1f;
    } else if (byte >= 0xe0 && byte <= 0xef) {
        m_utf8_pending = 2, m_utf8_code_point = byte & 0x0f;
    } else if (byte >= 0xf0 && byte <= 0xf4) {
        m_utf8_pending = 3, m_utf8_code_point = byte & 0x07;
    } else {
        put_printable('?');  // a stray continuation byte or an invalid lead
    }
}

void Terminal::put_code_point(uint32_t code_point) {
    if (code_point >= 0x80 && code_point < 0xa0) return;  // C1 controls
    put_printable(code_point <= 0xff ? uint8_t(code_point) : '?');
}

void Terminal::put_printable(uint8_t ch) {
    if (m_wrap_pending) {
        m_column = 0;
        line_feed();
    }
    if (m_insert_mode) insert_cells(1);
    m_cells[m_row * m_columns + m_column] = Cell{ch, current_attr()};
    mark_dirty(m_row, m_row);
    m_last_printed = ch;
    if (m_column + 1 == m_columns) {
        // Without autowrap the next character overwrites the last column.
        m_wrap_pending = m_autowrap;
    } else {
        ++m_column;
    }
}

// At the region's bottom row the region scrolls; elsewhere (below the
// region too) the cursor moves down, stopping at the screen's last row.
void Terminal::line_feed() {
    m_wrap_pending = false;
    if (m_row == m_bottom) {
        scroll(m_top, m_bottom, 1, true);
    } else if (m_row + 1 < m_rows) {
        ++m_row;
    }
}

void Terminal::reverse_index() {
    m_wrap_pending = false;
    if (m_row == m_top) {
        scroll(m_top, m_bottom, 1, false);
    } else if (m_row > 0) {
        --m_row;
    }
}

void Terminal::scroll(uint32_t top, uint32_t bottom, uint32_t count, bool up) {
    if (top > bottom || bottom >= m_rows || count == 0) return;
    uint32_t height = bottom - top + 1;
    if (count > height) count = height;
    size_t row_cells = m_columns;
    size_t kept = size_t(height - count) * row_cells;
    Cell* region = m_cells + top * row_cells;
    if (up) {
        memmove(region, region + count * row_cells, kept * sizeof(Cell));
        fill((bottom + 1 - count) * m_columns, (bottom + 1) * m_columns, blank());
    } else {
        memmove(region + count * row_cells, region, kept * sizeof(Cell));
        fill(top * m_columns, (top + count) * m_columns, blank());
    }
    mark_dirty(top, bottom);
}

// Shifts the rest of the cursor's line right by `count`; what passes the
// right edge is lost.
void Terminal::insert_cells(uint32_t count) {
    uint32_t room = m_columns - m_column;
    if (count > room) count = room;
    Cell* here = m_cells + m_row * m_columns + m_column;
    memmove(here + count, here, (room - count) * sizeof(Cell));
    uint32_t start = m_row * m_columns + m_column;
    fill(start, start + count, blank());
    m_wrap_pending = false;
}

void Terminal::delete_cells(uint32_t count) {
    uint32_t room = m_columns - m_column;
    if (count > room) count = room;
    Cell* here = m_cells + m_row * m_columns + m_column;
    memmove(here, here + count, (room - count) * sizeof(Cell));
    uint32_t end = (m_row + 1) * m_columns;
    fill(end - count, end, blank());
    m_wrap_pending = false;
}

uint32_t Terminal::param(uint32_t index, uint32_t fallback) const {
    if (index >= m_param_count || m_params[index] == 0) return fallback;
    return m_params[index];
}

// Clamps to the screen, or to the scroll region in origin mode.
void Terminal::move_to(int64_t column, int64_t row) {
    int64_t min_row = m_origin_mode ? m_top : 0;
    int64_t max_row = m_origin_mode ? m_bottom : m_rows - 1;
    if (column < 0) column = 0;
    if (column >= int64_t(m_columns)) column = m_columns - 1;
    if (row < min_row) row = min_row;
    if (row > max_row) row = max_row;
    m_column = uint32_t(column);
    m_row = uint32_t(row);
    m_wrap_pending = false;
}

void Terminal::move_to_origin(int64_t column, int64_t row) {
    move_to(column, m_origin_mode ? row + m_top : row);
}

void Terminal::save_cursor() {
    m_saved[alternate_screen() ? 1 : 0] = SavedCursor{m_column, m_row, m_attributes};
}

void Terminal::restore_cursor() {
    const SavedCursor& saved = m_saved[alternate_screen() ? 1 : 0];
    m_attributes = saved.attributes;
    move_to(saved.column, saved.row);
}

// 1049 saves the main screen's cursor and shows a cleared alternate screen;
// leaving brings the main screen back as it was, cursor included. 47 and
// 1047 only switch (1047 clears the alternate screen on the way out).
void Terminal::set_alternate_screen(bool on, uint32_t mode) {
    if (on == alternate_screen() && m_alternate_cells != nullptr) return;
    if (on) {
        if (mode == 1049) save_cursor();
        if (m_alternate_cells == nullptr) {
            // No second grid: the program still gets the blank screen it
            // expects, but what was on the main screen is lost.
            if (mode == 1049 || mode == 1047) fill(0, m_columns * m_rows, blank());
            return;
        }
        m_cells = m_alternate_cells;
        if (mode == 1049) fill(0, m_columns * m_rows, blank());
    } else {
        if (m_alternate_cells == nullptr) {
            if (mode == 1049) restore_cursor();
            return;
        }
        if (mode == 1047) fill(0, m_columns * m_rows, blank());
        m_cells = m_main_cells;
        if (mode == 1049) restore_cursor();
    }
    mark_dirty(0, m_rows - 1);
}

void Terminal::set_mode(bool dec_private, bool on) {
    for (uint32_t i = 0; i < m_param_count; ++i) {
        uint32_t mode = m_params[i];
        if (!dec_private) {
            if (mode == 4) m_insert_mode = on;
            continue;
        }
        switch (mode) {
            case 6:
                m_origin_mode = on;
                move_to_origin(0, 0);
                break;
            case 7:
                m_autowrap = on;
                break;
            case 25:
                m_cursor_visible = on;
                break;
            case 47:
            case 1047:
            case 1049:
                set_alternate_screen(on, mode);
                break;
            default:
                break;
        }
    }
}

void Terminal::csi_dispatch(uint8_t final) {
    if (m_private) {
        if (final == 'h' || final == 'l') set_mode(true, final == 'h');
        return;
    }
    uint32_t here = m_row * m_columns + m_column;
    uint32_t line = m_row * m_columns;
    uint32_t n = param(0, 1);
    switch (final) {
        case 'm':
            select_graphic_rendition();
            break;
        case 'h':
        case 'l':
            set_mode(false, final == 'h');
            break;
        case 'J':
            switch (param(0, 0)) {
                case 0:
                    fill(here, m_rows * m_columns, blank());
                    break;
                case 1:
                    fill(0, here + 1, blank());
                    break;
                case 2:
                case 3:
                    fill(0, m_rows * m_columns, blank());
                    break;
            }
            m_wrap_pending = false;
            break;
        case 'K':
            switch (param(0, 0)) {
                case 0:
                    fill(here, line + m_columns, blank());
                    break;
                case 1:
                    fill(line, here + 1, blank());
                    break;
                case 2:
                    fill(line, line + m_columns, blank());
                    break;
            }
            m_wrap_pending = false;
            break;
        case 'X':
            fill(here, here + (n < m_columns - m_column ? n : m_columns - m_column), blank());
            m_wrap_pending = false;
            break;
        case '@':
            insert_cells(n);
            break;
        case 'P':
            delete_cells(n);
            break;
        case 'L':
        case 'M':
            // From the cursor's row to the region's bottom; a cursor below
            // the region changes nothing.
            if (m_row <= m_bottom) scroll(m_row, m_bottom, n, final == 'M');
            m_wrap_pending = false;
            break;
        case 'S':
        case 'T':
            scroll(m_top, m_bottom, n, final == 'S');
            break;
        case 'r': {
            uint32_t top = param(0, 1), bottom = param(1, m_rows);
            // A region needs two lines and must fit; otherwise it stays.
            if (top < bottom && bottom <= m_rows) {
                m_top = top - 1;
                m_bottom = bottom - 1;
                move_to_origin(0, 0);
            }
            break;
        }
        case 's':
            save_cursor();
            break;
        case 'u':
            restore_cursor();
            break;
        case 'b':
            if (m_last_printed == 0) break;  // nothing printed since the reset
            for (uint32_t i = 0; i < n; ++i) put_printable(m_last_printed);
            break;
        case 'H':
        case 'f':
            move_to_origin(int64_t(param(1, 1)) - 1, int64_t(param(0, 1)) - 1);
            break;
        case 'A':
            move_to(m_column, int64_t(m_row) - n);
            break;
        case 'B':
        case 'e':
            move_to(m_column, int64_t(m_row) + n);
            break;
        case 'C':
        case 'a':
            move_to(int64_t(m_column) + n, m_row);
            break;
        case 'D':
            move_to(int64_t(m_column) - n, m_row);
            break;
        case 'E':
            move_to(0, int64_t(m_row) + n);
            break;
        case 'F':
            move_to(0, int64_t(m_row) - n);
            break;
        case 'G':
        case '`':
            move_to(int64_t(n) - 1, m_row);
            break;
        case 'd':
            move_to_origin(m_column, int64_t(n) - 1);
            break;
        default:
            break;
    }
}

// 38/48 at `index`: ;5;n or ;2;r;g;b. Returns the colour, or kNoColour for a
// form it does not know, and leaves `index` on the last parameter it used.
uint32_t Terminal::extended_colour(uint32_t& index) const {
    bool foreground = m_params[index] == 38;
    if (index + 1 >= m_param_count) return kNoColour;
    uint32_t mode = m_params[++index];
    uint32_t r, g, b;
    if (mode == 5 && index + 1 < m_param_count) {
        uint32_t n = m_params[++index];
        if (n < 16) return n;
        if (n > 255) return kNoColour;
        rgb_of_256(n, r, g, b);
    } else if (mode == 2 && index + 3 < m_param_count) {
        r = m_params[index + 1];
        g = m_params[index + 2];
        b = m_params[index + 3];
        index += 3;
        if (r > 255) r = 255;
        if (g > 255) g = 255;
        if (b > 255) b = 255;
    } else {
        return kNoColour;
    }
    return foreground ? nearest_foreground(r, g, b) : nearest_background(r, g, b);
}

void Terminal::select_graphic_rendition() {
    if (m_param_count == 0) {
        m_attributes = Attributes{};
        return;
    }
    Attributes& a = m_attributes;
    for (uint32_t i = 0; i < m_param_count; ++i) {
        uint32_t p = m_params[i];
        switch (p) {
            case 0:
                a = Attributes{};
                break;
            case 1:
                a.bold = true;
                a.half_bright = false;
                break;
            case 2:
                a.half_bright = true;
                a.bold = false;
                break;
            case 3:
                a.italic = true;
                break;
            case 4:
            case 21:  // double underline
                a.underline = true;
                break;
            case 5:
                a.blink = true;
                break;
            case 7:
                a.reverse = true;
                break;
            case 22:
                a.bold = a.half_bright = false;
                break;
            case 23:
                a.italic = false;
                break;
            case 24:
                a.underline = false;
                break;
            case 25:
                a.blink = false;
                break;
            case 27:
                a.reverse = false;
                break;
            case 39:
                a.foreground = kDefaultForeground;
                break;
            case 49:
                a.background = kDefaultBackground;
                break;
            case 38:
            case 48: {
                uint32_t colour = extended_colour(i);
                if (colour != kNoColour) (p == 38 ? a.foreground : a.background) = uint8_t(colour);
                break;
            }
            default:
                if (p >= 30 && p <= 37) {
                    a.foreground = uint8_t(p - 30);
                } else if (p >= 90 && p <= 97) {
                    a.foreground = uint8_t(p - 90 + 8);
                } else if (p >= 40 && p <= 47) {
                    a.background = uint8_t(p - 40);
                } else if (p >= 100 && p <= 107) {
                    a.background = uint8_t(p - 100 + 8);
                }
                break;
        }
    }
}

}  // namespace nyanos
