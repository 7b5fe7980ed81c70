// The console's terminal logic: what ends up in which cell for text, control
// characters, wrapping, scrolling and the ANSI sequences the console claims
// to support.
#include <doctest/doctest.h>

#include <string.h>

#include <random>
#include <string>
#include <vector>

#include "lib/terminal.h"

using namespace nyanos;

namespace {

struct Screen {
    std::vector<Cell> cells;
    Terminal term;
    Screen(uint32_t columns, uint32_t rows) : cells(columns * rows) {
        term.attach(cells.data(), columns, rows);
        uint32_t a, b;
        (void)term.take_dirty_rows(a, b);
    }
    void write(const std::string& s) { term.write(s.data(), s.size()); }
    std::string row(uint32_t r) const {
        std::string out;
        for (uint32_t c = 0; c < term.columns(); ++c) out += char(term.cell(c, r).ch);
        return out;
    }
};

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
    CHECK(s.term.cell(9, 0).attr == attr(2, 0));   // 256-colour index ignored
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
    std::mt19937 rng(1234);
    for (uint32_t cols : {1u, 2u, 7u, 80u}) {
        for (uint32_t rows : {1u, 3u, 25u}) {
            Screen s(cols, rows);
            std::string junk;
            for (int i = 0; i < 20000; ++i) {
                uint32_t r = rng() % 16;
                if (r == 0)
                    junk += "\x1b[";
                else if (r == 1)
                    junk += char('0' + rng() % 10);
                else if (r == 2)
                    junk += ';';
                else
                    junk += char(rng());
            }
            s.write(junk);
            CHECK(s.term.cursor_column() < cols);
            CHECK(s.term.cursor_row() < rows);
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
