#include "lib/line_discipline.h"

namespace nyanos {

using namespace termios_bits;

namespace {

bool is_control(char c) {
    unsigned char u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
}

// How many columns a byte took when it was echoed (for erasing it).
size_t echoed_width(char c, const Termios& t) {
    if (c == '\t') return 1;  // a tab's width is not tracked: one column
    if (is_control(c) && (t.lflag & kEchoctl)) return 2;
    return 1;
}

bool is_space(char c) {
    return c == ' ' || c == '\t';
}

}  // namespace

void LineDiscipline::echo_char(char c, const Termios& t, EchoSink echo, void* ctx) {
    if (!(t.lflag & kEcho)) return;
    if (is_control(c) && c != '\t' && c != '\n' && (t.lflag & kEchoctl)) {
        char caret[2] = {'^', char(c == 0x7f ? '?' : c ^ 0x40)};
        echo(ctx, caret, 2);
        return;
    }
    echo(ctx, &c, 1);
}

void LineDiscipline::end_line(bool eof) {
    if (m_boundaries == kMaxBoundaries) return;  // too many short lines unread: merged
    m_boundary[m_boundaries++] = Boundary{m_length, eof};
}

void LineDiscipline::erase_last(const Termios& t, EchoSink echo, void* ctx) {
    if (m_length == line_start()) return;
    char c = m_buffer[--m_length];
    if ((t.lflag & kEcho) && (t.lflag & kEchoe)) {
        for (size_t i = echoed_width(c, t); i > 0; --i) echo(ctx, "\b \b", 3);
    }
}

void LineDiscipline::receive(char c, const Termios& t, EchoSink echo, void* ctx) {
    if (c == '\r') {
        if (t.iflag & kIgncr) return;
        if (t.iflag & kIcrnl) c = '\n';
    } else if (c == '\n' && (t.iflag & kInlcr)) {
        c = '\r';
    }
    const bool canonical = t.lflag & kIcanon;
    const uint8_t u = static_cast<uint8_t>(c);
    if ((t.lflag & kIsig) && u && (u == t.cc[kVintr] || u == t.cc[kVquit] || u == t.cc[kVsusp])) {
        // Its signal is sent by the console's input hook; the line being
        // typed goes, as Linux flushes it.
        echo_char(c, t, echo, ctx);
        if (canonical) m_length = line_start();
        return;
    }
    if (canonical && u) {
        if (u == t.cc[kVerase]) {
            erase_last(t, echo, ctx);
            return;
        }
        if ((t.lflag & kIexten) && u == t.cc[kVwerase]) {
            while (m_length > line_start() && is_space(m_buffer[m_length - 1]))
                erase_last(t, echo, ctx);
            while (m_length > line_start() && !is_space(m_buffer[m_length - 1]))
                erase_last(t, echo, ctx);
            return;
        }
        if (u == t.cc[kVkill]) {
            if ((t.lflag & kEchoke) && (t.lflag & kEchoe)) {
                while (m_length > line_start()) erase_last(t, echo, ctx);
            } else {
                m_length = line_start();
                if (t.lflag & kEchok) {
                    echo_char(c, t, echo, ctx);
                    if (t.lflag & kEcho) echo(ctx, "\n", 1);
                }
            }
            return;
        }
        if (u == t.cc[kVeof]) {
            // The line so far is readable as it is; at the start of a line
            // it is an end of file. Not echoed.
            end_line(m_length == line_start());
            return;
        }
    }
    const bool line_end =
        canonical && (c == '\n' || (u && (u == t.cc[kVeol] || u == t.cc[kVeol2])));
    // Canonical mode keeps the buffer's last place for a line end.
    size_t room = kBufferSize - m_length;
    if (room == 0 || (canonical && !line_end && room == 1)) return;
    m_buffer[m_length++] = c;
    if (c == '\n' && canonical && !(t.lflag & kEcho) && (t.lflag & kEchonl))
        echo(ctx, "\n", 1);
    else
        echo_char(c, t, echo, ctx);
    if (line_end) end_line(false);
}

bool LineDiscipline::readable(const Termios& t) const {
    if (t.lflag & kIcanon) return m_boundaries > 0;
    return m_length > 0;
}

size_t LineDiscipline::readable_bytes(const Termios& t) const {
    if (t.lflag & kIcanon) return m_boundaries ? m_boundary[0].position : 0;
    return m_length;
}

size_t LineDiscipline::take(char* out, size_t max, const Termios& t, bool& eof) {
    eof = false;
    size_t available = readable_bytes(t);
    if ((t.lflag & kIcanon) && m_boundaries && available == 0) {
        // The first line is empty: an end of file (or what was left of a
        // line a full buffer cut); either way it is used up.
        eof = m_boundary[0].eof;
        for (size_t i = 1; i < m_boundaries; ++i) m_boundary[i - 1] = m_boundary[i];
        --m_boundaries;
        return 0;
    }
    size_t n = available < max ? available : max;
    for (size_t i = 0; i < n; ++i) out[i] = m_buffer[i];
    for (size_t i = n; i < m_length; ++i) m_buffer[i - n] = m_buffer[i];
    m_length -= n;
    // Every boundary moves down; the first is used up once reached, unless
    // it is an end of file still to be read.
    size_t kept = 0;
    for (size_t i = 0; i < m_boundaries; ++i) {
        Boundary b = m_boundary[i];
        b.position = b.position > n ? b.position - n : 0;
        if (b.position == 0 && !b.eof && i == 0) continue;
        m_boundary[kept++] = b;
    }
    m_boundaries = kept;
    return n;
}

void LineDiscipline::flush() {
    m_length = 0;
    m_boundaries = 0;
}

}  // namespace nyanos
