#include "lib/terminal.h"

#include <string.h>

namespace nyanos {
namespace {
constexpr uint8_t kEsc = 0x1b;
constexpr uint32_t kTabWidth = 8;
constexpr uint32_t kMaxParamValue = 9999;
}  // namespace

void Terminal::attach(Cell* cells, uint32_t columns, uint32_t rows) {
    if (cells == nullptr || columns == 0 || rows == 0) {
        m_cells = nullptr;  // write() then does nothing
        return;
    }
    m_cells = cells;
    m_columns = columns;
    m_rows = rows;
    m_state = State::kGround;
    m_cursor_visible = true;
    clear();
}

void Terminal::clear() {
    if (m_cells == nullptr) return;
    reset_attributes();
    fill(0, m_columns * m_rows, blank());
    m_column = m_row = 0;
    m_wrap_pending = false;
    mark_dirty(0, m_rows - 1);
}

void Terminal::reset_attributes() {
    m_foreground = kDefaultForeground;
    m_background = kDefaultBackground;
    m_bold = false;
    m_reverse = false;
}

uint8_t Terminal::current_attr() const {
    uint8_t fg = m_foreground, bg = m_background;
    if (m_bold && fg < 8) fg += 8;
    if (m_reverse) {
        uint8_t t = fg;
        fg = bg;
        bg = t;
    }
    return uint8_t(bg << 4 | fg);
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
                } else if (ch < 0x20 || ch == 0x7f) {
                    execute_control(ch);
                } else {
                    put_printable(ch);
                }
                break;
            case State::kEscape:
                if (ch == '[') {
                    m_state = State::kCsi;
                    m_private = false;
                    m_param_count = 0;
                    for (uint32_t& p : m_params) p = 0;
                } else if (ch >= 0x20 && ch <= 0x2f) {
                    // An intermediate byte ("ESC ( B" selects a character
                    // set): the sequence ends at the next final byte.
                } else {
                    if (ch == 'c') {
                        m_cursor_visible = true;
                        clear();
                    }
                    m_state = State::kGround;
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
                    ++m_param_count;
                } else if (ch == '?') {
                    m_private = true;
                } else if (ch >= 0x40 && ch <= 0x7e) {
                    if (m_param_count > kMaxParams) m_param_count = kMaxParams;
                    m_state = State::kGround;
                    csi_dispatch(ch);
                } else if (ch == kEsc) {
                    m_state = State::kEscape;  // an aborted sequence
                } else if (ch < 0x20) {
                    execute_control(ch);  // VT100s act on controls inside sequences
                }
                // Other intermediate bytes are ignored.
                break;
        }
    }
}

void Terminal::execute_control(uint8_t ch) {
    switch (ch) {
        case '\n':
            // The kernel and the programs write bare \n: treat it as CR LF.
            m_column = 0;
            m_wrap_pending = false;
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
        m_wrap_pending = false;
        m_column = 0;
        line_feed();
    }
    m_cells[m_row * m_columns + m_column] = Cell{ch, current_attr()};
    mark_dirty(m_row, m_row);
    if (m_column + 1 == m_columns) {
        m_wrap_pending = true;
    } else {
        ++m_column;
    }
}

void Terminal::line_feed() {
    if (m_row + 1 == m_rows) {
        scroll_up();
    } else {
        ++m_row;
    }
}

void Terminal::scroll_up() {
    size_t row_cells = m_columns;
    memmove(m_cells, m_cells + row_cells, (m_rows - 1) * row_cells * sizeof(Cell));
    fill((m_rows - 1) * m_columns, m_rows * m_columns, blank());
    mark_dirty(0, m_rows - 1);
}

uint32_t Terminal::param(uint32_t index, uint32_t fallback) const {
    if (index >= m_param_count || m_params[index] == 0) return fallback;
    return m_params[index];
}

void Terminal::move_to(int64_t column, int64_t row) {
    if (column < 0) column = 0;
    if (row < 0) row = 0;
    if (column >= int64_t(m_columns)) column = m_columns - 1;
    if (row >= int64_t(m_rows)) row = m_rows - 1;
    m_column = uint32_t(column);
    m_row = uint32_t(row);
    m_wrap_pending = false;
}

void Terminal::csi_dispatch(uint8_t final) {
    if (m_private) {
        if ((final == 'h' || final == 'l') && param(0, 0) == 25) m_cursor_visible = final == 'h';
        return;
    }
    uint32_t here = m_row * m_columns + m_column;
    uint32_t line = m_row * m_columns;
    switch (final) {
        case 'm':
            select_graphic_rendition();
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
            break;
        case 'H':
        case 'f':
            move_to(int64_t(param(1, 1)) - 1, int64_t(param(0, 1)) - 1);
            break;
        case 'A':
            move_to(m_column, int64_t(m_row) - param(0, 1));
            break;
        case 'B':
            move_to(m_column, int64_t(m_row) + param(0, 1));
            break;
        case 'C':
            move_to(int64_t(m_column) + param(0, 1), m_row);
            break;
        case 'D':
            move_to(int64_t(m_column) - param(0, 1), m_row);
            break;
        case 'G':
            move_to(int64_t(param(0, 1)) - 1, m_row);
            break;
        case 'd':
            move_to(m_column, int64_t(param(0, 1)) - 1);
            break;
        default:
            break;
    }
}

void Terminal::select_graphic_rendition() {
    if (m_param_count == 0) {
        reset_attributes();
        return;
    }
    for (uint32_t i = 0; i < m_param_count; ++i) {
        uint32_t p = m_params[i];
        if (p == 0) {
            reset_attributes();
        } else if (p == 1) {
            m_bold = true;
        } else if (p == 22) {
            m_bold = false;
        } else if (p == 7) {
            m_reverse = true;
        } else if (p == 27) {
            m_reverse = false;
        } else if (p >= 30 && p <= 37) {
            m_foreground = uint8_t(p - 30);
        } else if (p >= 90 && p <= 97) {
            m_foreground = uint8_t(p - 90 + 8);
        } else if (p == 39) {
            m_foreground = kDefaultForeground;
        } else if (p >= 40 && p <= 47) {
            m_background = uint8_t(p - 40);
        } else if (p >= 100 && p <= 107) {
            m_background = uint8_t(p - 100 + 8);
        } else if (p == 49) {
            m_background = kDefaultBackground;
        } else if (p == 38 || p == 48) {
            // 38;5;n (256 colours: only the first 16 are ours) or 38;2;r;g;b
            // (true colour: skipped).
            uint32_t mode = i + 1 < m_param_count ? m_params[i + 1] : 0;
            if (mode == 5 && i + 2 < m_param_count) {
                uint32_t n = m_params[i + 2];
                if (n < 16) (p == 38 ? m_foreground : m_background) = uint8_t(n);
                i += 2;
            } else if (mode == 2) {
                i += 4;
            } else {
                i += 1;
            }
        }
    }
}

}  // namespace nyanos
