// The console's terminal logic: what ends up in which cell for text, control
// characters, wrapping, scrolling and the ANSI sequences the console claims
// to support.
#include <doctest/doctest.h>

#include <string.h>

#include <random>
#include <string>
#include <utility>
#include <vector>

#include "lib/terminal.h"

using namespace nyanos;

namespace {

struct Screen {
    std::vector<Cell> cells;
    std::vector<Cell> alternate;
    Terminal term;
    // `with_alternate` gives the terminal a grid for the alternate screen.
    Screen(uint32_t columns, uint32_t rows, bool with_alternate = true)
        : cells(columns * rows), alternate(with_alternate ? columns * rows : 0) {
        term.attach(cells.data(), columns, rows, with_alternate ? alternate.data() : nullptr);
        (void)dirty();
    }
    void write(const std::string& s) { term.write(s.data(), s.size()); }
    std::string row(uint32_t r) const {
        std::string out;
        for (uint32_t c = 0; c < term.columns(); ++c) out += char(term.cell(c, r).ch);
        return out;
    }
    // Fills the rows with "0000", "1111", ... and clears the dirty rows.
    void number_rows() {
        for (uint32_t r = 0; r < term.rows(); ++r) {
            write("\x1b[" + std::to_string(r + 1) + "H" +
                  std::string(term.columns(), char('0' + r % 10)));
        }
        (void)dirty();
    }
    // The dirty rows as "first-last", or "none".
    std::string dirty() {
        uint32_t first, last;
        if (!term.take_dirty_rows(first, last)) return "none";
        return std::to_string(first) + "-" + std::to_string(last);
    }
    std::pair<uint32_t, uint32_t> cursor() const {
        return {term.cursor_column(), term.cursor_row()};
    }
};

using Pos = std::pair<uint32_t, uint32_t>;  // column, row

constexpr uint8_t attr(uint8_t fg, uint8_t bg) {
    return uint8_t(bg << 4 | fg);
}

}  // namespace

TEST_CASE("terminal: text, newline, carriage return, backspace, tab") {
    Screen s(10, 3);
    s.write("ab\ncd");
    CHECK(s.row(0) == "ab        ");
    CHECK(s.row(1) == "cd        ");
    CHECK(s.term.cursor_column() == 2);
    CHECK(s.term.cursor_row() == 1);
    s.write("\rX");
    CHECK(s.row(1) == "Xd        ");
    s.write("\b\bY");  // backspace stops at column 0, does not erase
    CHECK(s.row(1) == "Yd        ");
    s.write("\r\tZ");
    CHECK(s.row(1) == "Yd      Z ");
    s.write("\t\tW");  // tabs stop at the last column
    CHECK(s.row(1) == "Yd      ZW");
    CHECK(s.term.cell(0, 0) == Cell{'a', attr(kDefaultForeground, kDefaultBackground)});
}

TEST_CASE("terminal: wrapping is deferred so a full line then \\n leaves no gap") {
    Screen s(4, 3);
    s.write("abcd");
    CHECK(s.term.cursor_row() == 0);
    s.write("\nx");
    CHECK(s.row(0) == "abcd");
    CHECK(s.row(1) == "x   ");
    s.write("\rabcde");
    CHECK(s.row(1) == "abcd");
    CHECK(s.row(2) == "e   ");
}

TEST_CASE("terminal: scrolling moves rows up and marks everything dirty") {
    Screen s(3, 3);
    s.write("1\n2\n3\n4");
    CHECK(s.row(0) == "2  ");
    CHECK(s.row(1) == "3  ");
    CHECK(s.row(2) == "4  ");
    uint32_t first = 99, last = 99;
    REQUIRE(s.term.take_dirty_rows(first, last));
    CHECK(first == 0);
    CHECK(last == 2);
    CHECK(!s.term.take_dirty_rows(first, last));
    s.write("\x1b[44m\n");  // the new row takes the current background
    CHECK(s.term.cell(0, 2) == Cell{' ', attr(kDefaultForeground, 4)});
}

TEST_CASE("terminal: dirty rows cover only what changed") {
    Screen s(5, 5);
    s.write("\x1b[3;1Hxy");
    uint32_t first, last;
    REQUIRE(s.term.take_dirty_rows(first, last));
    CHECK(first == 2);
    CHECK(last == 2);
    s.write("\x1b[5;1H");  // cursor movement alone changes no cell
    CHECK(!s.term.take_dirty_rows(first, last));
}

TEST_CASE("terminal: SGR colours") {
    Screen s(20, 2);
    s.write("\x1b[31mR\x1b[42mG\x1b[0mN\x1b[1;34mB\x1b[mD\x1b[7mV\x1b[93;104mX\x1b[39;49mY");
    CHECK(s.term.cell(0, 0).attr == attr(1, 0));
    CHECK(s.term.cell(1, 0).attr == attr(1, 2));
    CHECK(s.term.cell(2, 0).attr == attr(7, 0));
    CHECK(s.term.cell(3, 0).attr == attr(12, 0));  // bold = bright
    CHECK(s.term.cell(4, 0).attr == attr(7, 0));
    CHECK(s.term.cell(5, 0).attr == attr(0, 7));    // reverse
    CHECK(s.term.cell(6, 0).attr == attr(12, 11));  // reversed: bright blue on bright yellow
    CHECK(s.term.cell(7, 0).attr == attr(0, 7));
    s.write("\x1b[0m\x1b[38;5;2mA\x1b[38;5;200mB\x1b[38;2;1;2;3;35mC");
    CHECK(s.term.cell(8, 0).attr == attr(2, 0));
    CHECK(s.term.cell(9, 0).attr == attr(13, 0));  // 256 colours: the nearest of 16
    CHECK(s.term.cell(10, 0).attr == attr(5, 0));  // true colour skipped, 35 applies
    CHECK(s.row(0).substr(0, 11) == "RGNBDVXYABC");
}

TEST_CASE("terminal: clear screen, home, erase in line") {
    Screen s(5, 3);
    s.write("aaaaa\nbbbbb\nccc");
    s.write("\x1b[2;3H\x1b[K");
    CHECK(s.row(1) == "bb   ");
    s.write("\x1b[3;2H\x1b[1K");
    CHECK(s.row(2) == "  c  ");
    s.write("\x1b[1;3H\x1b[2K");
    CHECK(s.row(0) == "     ");
    s.write("\x1b[2J");
    for (uint32_t r = 0; r < 3; ++r) CHECK(s.row(r) == "     ");
    CHECK(s.term.cursor_column() == 2);  // 2J keeps the cursor where it was
    s.write("\x1b[H");
    CHECK(s.term.cursor_column() == 0);
    CHECK(s.term.cursor_row() == 0);
    s.write("abc\x1b[2;1H\x1b[1J");  // erase up to and including the cursor
    CHECK(s.row(0) == "     ");
    s.write("\x1b[2;1Hxyz\x1b[1;1H\x1b[J");
    CHECK(s.row(1) == "     ");
}

TEST_CASE("terminal: cursor movement clamps to the screen") {
    Screen s(10, 5);
    s.write("\x1b[99;99H");
    CHECK(s.term.cursor_column() == 9);
    CHECK(s.term.cursor_row() == 4);
    s.write("\x1b[3D\x1b[2A");
    CHECK(s.term.cursor_column() == 6);
    CHECK(s.term.cursor_row() == 2);
    s.write("\x1b[100D\x1b[100A\x1b[C\x1b[B");
    CHECK(s.term.cursor_column() == 1);
    CHECK(s.term.cursor_row() == 1);
    s.write("\x1b[;5H");
    CHECK(s.term.cursor_column() == 4);
    CHECK(s.term.cursor_row() == 0);
    s.write("\x1b[7G\x1b[4d");
    CHECK(s.term.cursor_column() == 6);
    CHECK(s.term.cursor_row() == 3);
}

TEST_CASE("terminal: clear(), cursor visibility, reset, unknown sequences") {
    Screen s(6, 2);
    s.write("\x1b[31mhello\x1b[?25l");
    CHECK(!s.term.cursor_visible());
    s.write("\x1b[?25h");
    CHECK(s.term.cursor_visible());
    s.term.clear();
    CHECK(s.row(0) == "      ");
    s.write("x");  // clear() also resets the colours
    CHECK(s.term.cell(0, 0).attr == attr(kDefaultForeground, kDefaultBackground));
    s.write("\x1b[5i\x1b(B\x1b[1;2;3;4;5;6;7;8;9;10;11;31my");
    CHECK(s.row(0).substr(0, 2) == "xy");
    s.write(
        "\x1b"
        "c");
    CHECK(s.row(0) == "      ");
}

TEST_CASE("terminal: random bytes never escape the grid") {
    // Pieces of the sequences the terminal knows, so random input reaches
    // scroll regions, insertions and screen switches with odd parameters,
    // not just text. ASan reports any write outside the grids.
    const char* const pieces[] = {"\x1b[", "\x1b[?", "\x1b",  "\x1b]", "\x1b]P", "1049",  "47",
                                  "1047",  "6",      "7",     "25",    "9999",   "38;2;", "48;5;",
                                  "\0337", "\0338",  "\033M", "\033D", "\033E",  "\x07",  "\x1b\\"};
    const char finals[] = "@ABCDEFGHJKLMPSTXabdefhlmrsu`";
    std::mt19937 rng(1234);
    for (uint32_t cols : {1u, 2u, 7u, 80u}) {
        for (uint32_t rows : {1u, 2u, 3u, 25u}) {
            for (bool with_alternate : {true, false}) {
                Screen s(cols, rows, with_alternate);
                for (int chunk = 0; chunk < 20; ++chunk) {
                    std::string junk;
                    for (int i = 0; i < 1000; ++i) {
                        uint32_t r = rng() % 16;
                        if (r == 0)
                            junk += pieces[rng() % (sizeof pieces / sizeof pieces[0])];
                        else if (r == 1)
                            junk += char('0' + rng() % 10);
                        else if (r == 2)
                            junk += ';';
                        else if (r == 3)
                            junk += finals[rng() % (sizeof finals - 1)];
                        else
                            junk += char(rng());
                    }
                    s.write(junk);
                    REQUIRE(s.term.cursor_column() < cols);
                    REQUIRE(s.term.cursor_row() < rows);
                    REQUIRE(s.term.scroll_top() <= s.term.scroll_bottom());
                    REQUIRE(s.term.scroll_bottom() < rows);
                    uint32_t first, last;
                    if (s.term.take_dirty_rows(first, last)) {
                        REQUIRE(first <= last);
                        REQUIRE(last < rows);
                    }
                    if (!with_alternate) REQUIRE(!s.term.alternate_screen());
                }
            }
        }
    }
}

TEST_CASE("terminal: a detached terminal drops writes") {
    Terminal t;
    t.write("abc", 3);
    t.attach(nullptr, 10, 10);
    t.write("abc", 3);
    t.clear();
    uint32_t a, b;
    CHECK(!t.take_dirty_rows(a, b));
}

TEST_CASE("terminal: UTF-8 text shows Latin-1, the rest as '?'") {
    Screen s(12, 2);
    s.write("caf\xc3\xa9 \xe2\x94\x80!");  // café, U+2500
    CHECK(s.row(0) == "caf\xe9 ?!     ");
    s.write("\r\n\xc3");  // a lead byte, then its continuation in the next write
    s.write("\xa9\xa9\xc3x\xff");
    CHECK(s.row(1) == "\xe9??x?       ");
    s.write("\r\xc2\x85");  // C1 control: nothing
    CHECK(s.term.cursor_column() == 0);
}

TEST_CASE("terminal: a scroll region scrolls alone, and the cursor goes home") {
    Screen s(4, 6);
    s.number_rows();
    s.write("\x1b[2;4r");
    CHECK(s.cursor() == Pos{0, 0});
    CHECK(s.term.scroll_top() == 1);
    CHECK(s.term.scroll_bottom() == 3);
    s.write("\x1b[4;1H\nx");  // a line feed at the region's bottom
    CHECK(s.row(0) == "0000");
    CHECK(s.row(1) == "2222");
    CHECK(s.row(2) == "3333");
    CHECK(s.row(3) == "x   ");
    CHECK(s.row(4) == "4444");
    CHECK(s.cursor() == Pos{1, 3});
    CHECK(s.dirty() == "1-3");  // only the region is redrawn
    s.write("\x1b[6;1H\n\n");   // below the region: no scrolling at the last row
    CHECK(s.cursor() == Pos{0, 5});
    CHECK(s.row(5) == "5555");
    s.write("\x1b[5;1H\n");  // below the region, the cursor just moves down
    CHECK(s.cursor() == Pos{0, 5});
    CHECK(s.dirty() == "none");
    s.write("\x1b[r");  // the whole screen again
    CHECK(s.term.scroll_top() == 0);
    CHECK(s.term.scroll_bottom() == 5);
    s.write("\x1b[3;3H\x1b[4;4r");  // a one-line region is refused, cursor stays
    CHECK(s.term.scroll_bottom() == 5);
    CHECK(s.cursor() == Pos{2, 2});
    s.write("\x1b[2;99r");  // so is one past the screen
    CHECK(s.term.scroll_top() == 0);
    s.write("\x1b[3r");  // the bottom defaults to the last row
    CHECK(s.term.scroll_top() == 2);
    CHECK(s.term.scroll_bottom() == 5);
}

TEST_CASE("terminal: ESC D, ESC M and ESC E") {
    Screen s(3, 5);
    s.number_rows();
    s.write("\x1b[2;4r\x1b[2;2H\x1bM");  // reverse index at the top scrolls down
    CHECK(s.row(0) == "000");
    CHECK(s.row(1) == "   ");
    CHECK(s.row(2) == "111");
    CHECK(s.row(3) == "222");
    CHECK(s.row(4) == "444");
    CHECK(s.cursor() == Pos{1, 1});
    CHECK(s.dirty() == "1-3");
    s.write("\x1bM");  // again, still at the top
    CHECK(s.row(3) == "111");
    s.write("\x1b[3;2H\x1bM");  // elsewhere it moves up
    CHECK(s.cursor() == Pos{1, 1});
    s.write("\x1b[1;2H\x1bM");  // above the region, at the screen's top: stays
    CHECK(s.cursor() == Pos{1, 0});
    CHECK(s.row(0) == "000");
    s.write(
        "\x1b[3;3H\x1b"
        "D");  // index keeps the column
    CHECK(s.cursor() == Pos{2, 3});
    s.write(
        "\x1b"
        "D");  // and scrolls at the bottom
    CHECK(s.cursor() == Pos{2, 3});
    CHECK(s.row(3) == "   ");
    CHECK(s.row(4) == "444");
    s.write(
        "\x1b[2;3H\x1b"
        "E");  // next line: column 0
    CHECK(s.cursor() == Pos{0, 2});
    s.write(
        "abc\x1b"
        "D"
        "d");  // index cancels the pending wrap
    CHECK(s.row(3) == "  d");
}

TEST_CASE("terminal: insert and delete lines within the region") {
    Screen s(2, 6);
    s.number_rows();
    s.write("\x1b[2;5r\x1b[3;2H\x1b[L");
    CHECK(s.row(1) == "11");
    CHECK(s.row(2) == "  ");
    CHECK(s.row(3) == "22");
    CHECK(s.row(4) == "33");
    CHECK(s.row(5) == "55");  // below the region: untouched
    CHECK(s.dirty() == "2-4");
    s.write("\x1b[2M");
    CHECK(s.row(2) == "33");
    CHECK(s.row(3) == "  ");
    CHECK(s.row(4) == "  ");
    CHECK(s.row(5) == "55");
    s.write("\x1b[2;1H\x1b[99L");  // more than the region holds: all blank
    for (uint32_t r = 1; r <= 4; ++r) CHECK(s.row(r) == "  ");
    CHECK(s.row(0) == "00");
    s.number_rows();
    s.write("\x1b[2;5r\x1b[6;1H\x1b[L\x1b[M");  // the cursor below the region
    CHECK(s.dirty() == "none");
    s.write("\x1b[r\x1b[5;1H\x1b[M");  // whole screen
    CHECK(s.row(4) == "55");
    CHECK(s.row(5) == "  ");
    s.write("\x1b[41m\x1b[1;1H\x1b[0L");  // 0 means 1; new lines take the background
    CHECK(s.row(0) == "  ");
    CHECK(s.row(1) == "00");
    CHECK(s.term.cell(0, 0).attr == attr(kDefaultForeground, 1));
}

TEST_CASE("terminal: insert, delete and erase characters") {
    Screen s(6, 2);
    s.write("abcdef\x1b[1;3H\x1b[2@");
    CHECK(s.row(0) == "ab  cd");
    CHECK(s.cursor() == Pos{2, 0});
    s.write("\x1b[P");
    CHECK(s.row(0) == "ab cd ");
    s.write("\x1b[9999P");
    CHECK(s.row(0) == "ab    ");
    s.write("\r\x1b[9999@");
    CHECK(s.row(0) == "      ");
    s.write("\rabcdef\x1b[1;2H\x1b[3X");
    CHECK(s.row(0) == "a   ef");
    CHECK(s.cursor() == Pos{1, 0});
    s.write("\x1b[X");
    CHECK(s.row(0) == "a   ef");
    s.write("\x1b[1;5H\x1b[9999X");
    CHECK(s.row(0) == "a     ");
    CHECK(s.row(1) == "      ");  // never past the line
    s.write("\x1b[2;1Hxyz\x1b[2;1H\x1b[P");
    CHECK(s.row(1) == "yz    ");
    CHECK(s.dirty() == "0-1");
}

TEST_CASE("terminal: insert mode and autowrap") {
    Screen s(5, 2);
    s.write("abc\r\x1b[4hXY\x1b[4lZ");
    CHECK(s.row(0) == "XYZbc");
    s.write("\x1b[?7l\x1b[1;1H0123456");  // no autowrap: the last column is overwritten
    CHECK(s.row(0) == "01236");
    CHECK(s.row(1) == "     ");
    CHECK(s.cursor() == Pos{4, 0});
    s.write("\x1b[?7h\rabcdef");
    CHECK(s.row(0) == "abcde");
    CHECK(s.row(1) == "f    ");
}

TEST_CASE("terminal: next and previous line, scroll up and down, repeat") {
    Screen s(3, 5);
    s.write("\x1b[2;3H\x1b[2E");
    CHECK(s.cursor() == Pos{0, 3});
    s.write("\x1b[3C\x1b[F");
    CHECK(s.cursor() == Pos{0, 2});
    s.write("\x1b[99E");
    CHECK(s.cursor() == Pos{0, 4});
    s.write("\x1b[99F");
    CHECK(s.cursor() == Pos{0, 0});
    s.number_rows();
    s.write("\x1b[2;4r\x1b[5;2H\x1b[S");  // the region scrolls, the cursor stays
    CHECK(s.row(0) == "000");
    CHECK(s.row(1) == "222");
    CHECK(s.row(2) == "333");
    CHECK(s.row(3) == "   ");
    CHECK(s.row(4) == "444");
    CHECK(s.cursor() == Pos{1, 4});
    CHECK(s.dirty() == "1-3");
    s.write("\x1b[2T");
    CHECK(s.row(1) == "   ");
    CHECK(s.row(2) == "   ");
    CHECK(s.row(3) == "222");
    s.write("\x1b[9999S");
    for (uint32_t r = 1; r <= 3; ++r) CHECK(s.row(r) == "   ");
    s.write("\x1b[r\x1b[1;1Hx\x1b[3b");  // repeats the last character, wrapping
    CHECK(s.row(0) == "xxx");
    CHECK(s.row(1) == "x  ");
    Screen fresh(3, 2);
    fresh.write("\x1b[5b");  // nothing printed yet: nothing to repeat
    CHECK(fresh.cursor() == Pos{0, 0});
    CHECK(fresh.row(0) == "   ");
}

TEST_CASE("terminal: save and restore the cursor and its attributes") {
    Screen s(10, 4);
    s.write(
        "\x1b[2;3H\x1b[31;1;7m\x1b"
        "7\x1b[H\x1b[0;32mA\x1b"
        "8B");
    CHECK(s.term.cell(0, 0).attr == attr(2, 0));
    CHECK(s.term.cell(2, 1) == Cell{'B', attr(0, 9)});  // bold red, reversed
    CHECK(s.cursor() == Pos{3, 1});
    s.write("\x1b[m\x1b[4;10H\x1b[s\x1b[H\x1b[44m\x1b[u");
    CHECK(s.cursor() == Pos{9, 3});
    s.write("C");
    CHECK(s.term.cell(9, 3).attr == attr(kDefaultForeground, kDefaultBackground));
    s.write("\x1b[3;4r");  // origin mode keeps a restored cursor in the region
    s.write(
        "\x1b[?6h\x1b"
        "8");
    CHECK(s.cursor() == Pos{9, 3});
    s.write(
        "\x1b[1;1H\x1b"
        "7\x1b[?6l\x1b[H\x1b"
        "8");
    CHECK(s.cursor() == Pos{0, 2});
    Screen fresh(4, 2);
    fresh.write(
        "\x1b[2;3H\x1b"
        "8");  // nothing saved: home
    CHECK(fresh.cursor() == Pos{0, 0});
}

TEST_CASE("terminal: origin mode counts rows from the region") {
    Screen s(5, 6);
    s.write("\x1b[3;5r\x1b[?6h");
    CHECK(s.cursor() == Pos{0, 2});
    s.write("\x1b[2;2H");
    CHECK(s.cursor() == Pos{1, 3});
    s.write("\x1b[99;1H");
    CHECK(s.cursor() == Pos{0, 4});
    s.write("\x1b[99A");
    CHECK(s.cursor() == Pos{0, 2});
    s.write("\x1b[1d");
    CHECK(s.cursor() == Pos{0, 2});
    s.write("\x1b[?6l");
    CHECK(s.cursor() == Pos{0, 0});
    s.write("\x1b[99B");
    CHECK(s.cursor() == Pos{0, 5});
}

TEST_CASE("terminal: the alternate screen keeps the main one") {
    Screen s(4, 3);
    s.write("main\nmenu\n\x1b[32mok");
    s.write("\x1b[?1049h");
    CHECK(s.term.alternate_screen());
    CHECK(s.dirty() == "0-2");
    for (uint32_t r = 0; r < 3; ++r) CHECK(s.row(r) == "    ");
    CHECK(s.cursor() == Pos{2, 2});                    // 1049 keeps the cursor where it was
    s.write("\x1b[H\x1b[m\x1b[1;3r\x1b[3;1Hvi\n\n~");  // scrolling on the alternate screen
    CHECK(s.row(0) == "vi  ");
    CHECK(s.row(2) == "~   ");
    s.write(
        "\x1b[2;2H\x1b"
        "7\x1b[?1049l");
    CHECK(!s.term.alternate_screen());
    CHECK(s.dirty() == "0-2");
    CHECK(s.row(0) == "main");
    CHECK(s.row(1) == "menu");
    CHECK(s.row(2) == "ok  ");
    CHECK(s.cursor() == Pos{2, 2});
    s.write("!");  // the attributes come back too
    CHECK(s.term.cell(2, 2) == Cell{'!', attr(2, 0)});
    s.write("\x1b[?1049l");  // already on the main screen: nothing
    CHECK(s.dirty() == "2-2");
    s.write("\x1b[?1049h");  // the alternate screen is cleared each time
    CHECK(s.row(0) == "    ");
    s.write("\x1b[?1049l\x1b[?47hxy\x1b[?47l");  // 47: no save, no clear
    CHECK(s.row(2) == "ok! ");
    s.write("\x1b[?47h");  // what was written there, scrolled by the wrap
    CHECK(s.row(1) == "   x");
    CHECK(s.row(2) == "y   ");
    s.write("\x1b[?1047l\x1b[?1047h");  // 1047 clears on the way out
    for (uint32_t r = 0; r < 3; ++r) CHECK(s.row(r) == "    ");
    s.write(
        "\x1b[?1047l\x1b"
        "c");  // a reset always shows the main screen
    CHECK(!s.term.alternate_screen());
}

TEST_CASE("terminal: without an alternate grid, the main screen is cleared") {
    Screen s(4, 2, false);
    s.write("abc\x1b[?1049h");
    CHECK(!s.term.alternate_screen());
    CHECK(s.row(0) == "    ");
    CHECK(s.cursor() == Pos{3, 0});
    s.write("\x1b[2;1Hvi\x1b[?1049l");
    CHECK(s.cursor() == Pos{3, 0});  // the cursor comes back, the text does not
    CHECK(s.row(1) == "vi  ");
}

TEST_CASE("terminal: more SGR attributes") {
    Screen s(20, 3);
    s.write("\x1b[4mU\x1b[24mN\x1b[5mB\x1b[25mN\x1b[2mH\x1b[22mN\x1b[3mI\x1b[23mN");
    CHECK(s.row(0).substr(0, 8) == "UNBNHNIN");
    CHECK(s.term.cell(0, 0).attr == attr(6, 0));  // underline shows cyan
    CHECK(s.term.cell(1, 0).attr == attr(7, 0));
    CHECK(s.term.cell(2, 0).attr == attr(7, 8));  // blink: bright background
    CHECK(s.term.cell(3, 0).attr == attr(7, 0));
    CHECK(s.term.cell(4, 0).attr == attr(8, 0));  // half bright: dark grey
    CHECK(s.term.cell(5, 0).attr == attr(7, 0));
    CHECK(s.term.cell(6, 0).attr == attr(2, 0));  // italic: green
    CHECK(s.term.cell(7, 0).attr == attr(7, 0));
    // More parameters than 8, and true colour mapped to the nearest of 16.
    s.write("\x1b[2;1H\x1b[0;1;38;2;255;0;0;48;2;0;0;255mR\x1b[38;2;0;128;0;48;5;244mG");
    CHECK(s.term.cell(0, 1).attr == attr(9, 4));
    CHECK(s.term.cell(1, 1).attr == attr(10, 7));  // bold brightens; grey 244 is light grey
    s.write("\x1b[0;38;5;16;48;5mK\x1b[38;2;1mL\x1b[38mM");  // forms cut short
    CHECK(s.term.cell(2, 1).attr == attr(0, 0));
    // A form cut short uses only its mode: the 1 after "38;2" is bold, as on
    // the Linux console.
    CHECK(s.term.cell(3, 1).attr == attr(8, 0));
    CHECK(s.term.cell(4, 1).attr == attr(8, 0));
    s.write("\x1b[0;7m\x1b[3;1H\x1b[K");  // erasing does not reverse
    CHECK(s.term.cell(0, 2) == Cell{' ', attr(kDefaultForeground, kDefaultBackground)});
    s.write("\x1b[0;33;44;1m\x1b[2K");  // nor brighten, but keeps the colours
    CHECK(s.term.cell(0, 2) == Cell{' ', attr(3, 4)});
}

TEST_CASE("terminal: strings and sequences it does not know are swallowed whole") {
    Screen s(20, 2);
    s.write(
        "\x1b]0;a title\x07"
        "A\x1b]2;t\x1b\\B\x1b]P1ff0000C\x1b]RD\x1bPqsixel\x1b\\E");
    CHECK(s.row(0).substr(0, 6) == "ABCDE ");
    s.write("\x1b[>c\x1b[=1m\x1b[38:2:255:0:0mF\x1b[2 q\x1b[!pG\x1b(0\x1b#8H\x1b%GI");
    CHECK(s.row(0).substr(0, 10) == "ABCDEFGHI ");
    CHECK(s.term.cell(5, 0).attr == attr(kDefaultForeground, kDefaultBackground));
    CHECK(s.cursor() == Pos{9, 0});       // ESC # 8 is not ESC 8
    s.write("\x1b[1;2\x18J\x1b[2\x1aK");  // CAN and SUB abort a sequence
    CHECK(s.row(0).substr(0, 12) == "ABCDEFGHIJK ");
}
