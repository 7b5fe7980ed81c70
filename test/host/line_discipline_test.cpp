// The console's line discipline against Linux's n_tty behaviour for the
// default termios and the modes programs switch to (raw, no echo, VMIN 0).
#include <doctest/doctest.h>

#include <string>

#include "lib/line_discipline.h"

using namespace nyanos;
using namespace nyanos::termios_bits;

namespace {

struct Tty {
    LineDiscipline discipline;
    Termios termios = kDefaultTermios;
    std::string echoed;

    static void echo(void* ctx, const char* bytes, size_t length) {
        static_cast<Tty*>(ctx)->echoed.append(bytes, length);
    }
    void type(const std::string& keys) {
        for (char c : keys) discipline.receive(c, termios, echo, this);
    }
    // One read of up to `max` bytes; "<EOF>" when it consumed an end of file.
    std::string read(size_t max = 4096) {
        std::string out(max, '\0');
        bool eof = false;
        size_t n = discipline.take(out.data(), max, termios, eof);
        if (eof) return "<EOF>";
        out.resize(n);
        return out;
    }
};

}  // namespace

TEST_CASE("line discipline: canonical lines, with the Enter key's CR made a newline, echoed") {
    Tty t;
    t.type("ls -l");
    CHECK(!t.discipline.readable(t.termios));  // no line yet
    CHECK(t.read() == "");
    t.type("\r");
    CHECK(t.discipline.readable(t.termios));
    CHECK(t.discipline.readable_bytes(t.termios) == 6);
    CHECK(t.echoed == "ls -l\n");
    // Two lines typed ahead: each read gets one, a short read the rest later.
    t.type("one\rtwo\r");
    CHECK(t.read() == "ls -l\n");
    CHECK(t.read(2) == "on");
    CHECK(t.read() == "e\n");
    CHECK(t.read() == "two\n");
    CHECK(!t.discipline.readable(t.termios));
}

TEST_CASE("line discipline: erase, word erase and kill edit the line being typed") {
    Tty t;
    t.type("helo\x7f");  // DEL erases the last byte
    CHECK(t.echoed == "helo\b \b");
    t.type("lo wor\x17");  // ^W: back to the start of the word
    CHECK(t.echoed == "helo\b \blo wor\b \b\b \b\b \b");
    t.type("world\r");
    CHECK(t.read() == "hello world\n");
    t.echoed.clear();
    t.type("junk\x15");  // ^U: the whole line (ECHOKE: erased on screen)
    CHECK(t.echoed == "junk\b \b\b \b\b \b\b \b");
    t.type("\x7f\x7f");  // nothing left to erase: no echo
    CHECK(t.echoed == "junk\b \b\b \b\b \b\b \b");
    t.type("ok\r");
    CHECK(t.read() == "ok\n");
    // A control character echoed as ^X takes two columns to erase.
    t.echoed.clear();
    t.type("a\x01\x7f");
    CHECK(t.echoed == "a^A\b \b\b \b");
    // Erase never reaches into a line already ended.
    t.type("\r\x7f\x7f\x7f");
    CHECK(t.read() == "a\n");
}

TEST_CASE("line discipline: EOF ends a line without a newline, or reads as end of file") {
    Tty t;
    t.type("abc\x04");  // ^D after text: the text is readable, no newline
    CHECK(t.read() == "abc");
    CHECK(!t.discipline.readable(t.termios));
    t.type("\x04");  // ^D at the start of a line: end of file, once
    CHECK(t.discipline.readable(t.termios));
    CHECK(t.read() == "<EOF>");
    CHECK(!t.discipline.readable(t.termios));
    t.type("x\r\x04");  // a line, then end of file: in that order
    CHECK(t.read() == "x\n");
    CHECK(t.read() == "<EOF>");
    CHECK(t.echoed == "abcx\n");  // ^D is not echoed
}

TEST_CASE("line discipline: raw mode gives every byte at once, without echo or editing") {
    Tty t;
    t.termios.lflag &= ~(kIcanon | kEcho | kIsig);
    t.termios.iflag &= ~kIcrnl;
    t.type("a\x7f\r\x04\x03");
    CHECK(t.echoed.empty());
    CHECK(t.discipline.readable_bytes(t.termios) == 5);
    CHECK(t.read(2) == "a\x7f");
    CHECK(t.read() == "\r\x04\x03");
}

TEST_CASE("line discipline: echo settings and input translation") {
    Tty t;
    t.termios.lflag &= ~kEcho;
    t.type("secret\r");
    CHECK(t.echoed.empty());  // a password prompt
    t.termios.lflag |= kEchonl;
    t.type("x\r");
    CHECK(t.echoed == "\n");  // ECHONL echoes the newline alone
    CHECK(t.read() == "secret\n");
    CHECK(t.read() == "x\n");
    t.termios.lflag |= kEcho;
    t.termios.lflag &= ~kEchoctl;
    t.echoed.clear();
    t.type("\x01\r");
    CHECK(t.echoed == "\x01\n");  // without ECHOCTL control bytes echo as they are
    t.read();
    t.termios.iflag |= kIgncr;
    t.type("a\rb\n");
    CHECK(t.read() == "ab\n");  // IGNCR drops CR
    t.termios.iflag &= ~(kIgncr | kIcrnl);
    t.termios.iflag |= kInlcr;
    t.termios.lflag &= ~kIcanon;
    t.type("\n");
    CHECK(t.read() == "\r");  // INLCR turns NL into CR
}

TEST_CASE("line discipline: a signal character ends the line being typed") {
    Tty t;
    t.type("half a line\x03");
    CHECK(t.echoed == "half a line^C");
    CHECK(!t.discipline.readable(t.termios));
    t.type("next\r");
    CHECK(t.read() == "next\n");
    t.termios.lflag &= ~kIsig;  // then ^C is a byte like any other
    t.type("\x03\r");
    CHECK(t.read() == "\x03\n");
}

TEST_CASE("line discipline: a full buffer keeps room for the line end; flush drops all") {
    Tty t;
    t.type(std::string(LineDiscipline::kBufferSize + 10, 'x'));
    CHECK(!t.discipline.readable(t.termios));
    t.type("\r");
    CHECK(t.discipline.readable_bytes(t.termios) == LineDiscipline::kBufferSize);
    std::string line = t.read();
    CHECK(line.size() == LineDiscipline::kBufferSize);
    CHECK(line.back() == '\n');
    t.type("typed ahead\rand more");
    t.discipline.flush();
    CHECK(!t.discipline.readable(t.termios));
    t.type("\r");
    CHECK(t.read() == "\n");
}

TEST_CASE("line discipline: an end of file typed after each kind of read") {
    Tty t;
    t.type("abc\r");
    CHECK(t.read() == "abc\n");
    t.type("\x04");
    CHECK(t.read() == "<EOF>");
    t.type("\x04");
    CHECK(t.read() == "<EOF>");
    t.type("ab\x04");
    CHECK(t.read() == "ab");
    t.type("\x04");
    CHECK(t.read() == "<EOF>");
}
