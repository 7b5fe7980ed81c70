// A terminal's line discipline, as Linux's n_tty does it for the settings
// a struct termios holds: input translation (IGNCR, ICRNL, INLCR), the
// canonical mode's line editing (ERASE, WERASE, KILL, EOF, EOL, EOL2 and
// newline end or change the line being typed; a read gets at most one
// line), non-canonical reads of whatever came, and echo (ECHO, ECHOE,
// ECHOK, ECHOKE, ECHONL, ECHOCTL). Portable and host-tested; each terminal
// (fs/terminal.kernel.cpp) feeds it the bytes a reader takes from the
// keyboard and serial input, in the reader's context.
//
// Signals from the keyboard (ISIG: ^C, ^\, ^Z) are the terminal's input
// hook's business; a signal character that reaches the discipline is
// echoed and ends the line being typed (discarded, as Linux flushes it).
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace nyanos {

// Linux's struct termios as the kernel keeps it (19 control characters).
struct Termios {
    uint32_t iflag, oflag, cflag, lflag;
    uint8_t line;
    uint8_t cc[19];
};
static_assert(sizeof(Termios) == 36);

namespace termios_bits {
// c_iflag
inline constexpr uint32_t kInlcr = 0100, kIgncr = 0200, kIcrnl = 0400;
// c_lflag
inline constexpr uint32_t kIsig = 01, kIcanon = 02, kEcho = 010, kEchoe = 020, kEchok = 040,
                          kEchonl = 0100, kTostop = 0400, kEchoctl = 01000, kEchoke = 04000,
                          kIexten = 0100000;
// c_cc indexes
inline constexpr unsigned kVintr = 0, kVquit = 1, kVerase = 2, kVkill = 3, kVeof = 4, kVtime = 5,
                          kVmin = 6, kVsusp = 10, kVeol = 11, kVwerase = 14, kVeol2 = 16;
}  // namespace termios_bits

// What a Linux console reports after boot: ICRNL|IXON, OPOST|ONLCR,
// B38400|CS8|CREAD|HUPCL, ISIG|ICANON|ECHO|ECHOE|ECHOK|ECHOCTL|ECHOKE|IEXTEN,
// and the default control characters (^C ^\ DEL ^U ^D, VMIN 1, ^Q ^S ^Z
// ^R ^O ^W ^V).
inline constexpr Termios kDefaultTermios = {
    0x500,  0x5, 0x4bf,
    0x8a3b, 0,   {3, 034, 0177, 025, 4, 0, 1, 0, 021, 023, 032, 0, 022, 017, 027, 026, 0, 0, 0}};

class LineDiscipline {
public:
    // Input typed and not read, at most (Linux's N_TTY_BUF_SIZE): when it
    // is full a byte is dropped, except that canonical mode keeps the last
    // place for a line end.
    static constexpr size_t kBufferSize = 4096;

    // Where echo goes (the console's output).
    using EchoSink = void (*)(void* ctx, const char* bytes, size_t length);

    // One input byte under `t`.
    void receive(char c, const Termios& t, EchoSink echo, void* ctx);

    // Bytes a read can take now: in canonical mode those of the first
    // complete line (0 while it is still being typed; an end of file at
    // the start of a line counts as readable, see take), else all.
    bool readable(const Termios& t) const;
    size_t readable_bytes(const Termios& t) const;

    // A read of up to `max` bytes: canonical mode gives at most the rest
    // of the first complete line (its newline included); `eof` is set when
    // it consumed an end of file (EOF typed at the start of a line), and
    // the read returns 0 then. Non-canonical mode gives what there is.
    size_t take(char* out, size_t max, const Termios& t, bool& eof);

    // Drops everything typed and not read (TCSETSF, TCFLSH).
    void flush();

private:
    struct Boundary {
        size_t position;  // bytes of m_buffer before it
        bool eof;         // an end of file: the read there returns 0
    };
    static constexpr size_t kMaxBoundaries = 64;

    // The line being typed: the bytes after the last boundary.
    size_t line_start() const { return m_boundaries ? m_boundary[m_boundaries - 1].position : 0; }
    void end_line(bool eof);
    void erase_last(const Termios& t, EchoSink echo, void* ctx);
    void echo_char(char c, const Termios& t, EchoSink echo, void* ctx);

    char m_buffer[kBufferSize];
    size_t m_length = 0;
    Boundary m_boundary[kMaxBoundaries];
    size_t m_boundaries = 0;
};

}  // namespace nyanos
