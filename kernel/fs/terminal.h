// NyanOS's terminals, as a Linux machine with `console=ttyS0 console=tty0`
// has them:
//  - tty0: the framebuffer with the keyboards; its size is the
//    framebuffer's in characters;
//  - ttyS0: the serial line COM1; 80x24 unless a program sets its size;
//  - the console (/dev/console): writes go to both devices; it reads what
//    is typed on a device whose own terminal nobody has open for reading
//    (console_input's routing), so that one shell on the console answers a
//    person at either.
// Each has its own termios, line discipline (the input typed and not read
// yet), window size, and the session whose controlling terminal it is with
// that session's foreground process group (job control). A session has at
// most one controlling terminal.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "dev/console_input.h"
#include "fs/io_buffer.h"
#include "lib/line_discipline.h"
#include "nyanos/lib/result.h"
#include "sync/spinlock.h"

namespace nyanos::proc {
class PollWaiter;
struct Process;
}  // namespace nyanos::proc

namespace nyanos::fs {

using console_input::Reader;

struct WindowSize {
    uint16_t rows, columns, x_pixels, y_pixels;
};

class Terminal {
public:
    explicit constexpr Terminal(Reader reader) : m_reader(reader) {}
    Terminal(const Terminal&) = delete;
    Terminal& operator=(const Terminal&) = delete;

    Reader reader() const { return m_reader; }
    // Its device number (Linux's: console 5:1, tty0 4:0, ttyS0 4:64).
    uint64_t device() const;
    // Whether its device exists (tty0 needs a framebuffer, ttyS0 a UART;
    // the console always does).
    bool present() const;

    // Reads the way `p`'s personality reads a terminal: a Linux process
    // through the line discipline and termios (canonical lines with echo
    // and editing by default), a NyanOS process its bytes raw, as they
    // come (NyanOS's shell edits its own lines). Blocks unless `nonblocking`.
    Result<size_t> read(IoBuffer& out, bool nonblocking);
    // Writes to the terminal's device(s), in chunks: a long write lets the
    // others run between them and a kill ends it there.
    Result<size_t> write(IoBuffer& in);
    // POLLIN when a read would not block; output is always writable.
    uint32_t poll(proc::PollWaiter* waiter);
    // The terminal requests (termios, window size, sessions and process
    // groups, FIONREAD); ENOTTY for any other. `readable`: whether the
    // description it came through was opened for reading (TIOCSCTTY asks).
    Result<int64_t> ioctl(uint32_t request, uint64_t arg, bool readable);

    // The signal characters (console_input's hook, in interrupt context):
    // true when `c` sent a signal to the foreground group, or was one a
    // device terminal consumes.
    bool receive_signal_character(char c);

    // Whether this is the controlling terminal of `p`'s session.
    bool controls(const proc::Process& p);
    // Whether it is session `sid`'s; if so, `foreground` is set to its
    // foreground group.
    bool belongs_to(int32_t sid, int32_t& foreground);
    // Session `sid`'s leader ended: if this was its terminal, it is no
    // longer, and its foreground group gets SIGHUP (Linux's
    // disassociate_ctty on exit).
    void release_if_session(int32_t sid);
    // Opened without O_NOCTTY by `p`: a session leader without a
    // controlling terminal makes this one its own if no session holds it
    // (Linux's tty_open_proc_set_tty; the console and tty0 are never
    // taken so, as on Linux).
    void adopt_on_open(const proc::Process& p);

private:
    void output(const char* bytes, size_t length);
    static void echo(void* self, const char* bytes, size_t length);
    void pump_input() REQUIRES(m_lock);
    void flush_input() REQUIRES(m_lock);
    WindowSize window() REQUIRES(m_lock);
    Result<size_t> read_cooked(IoBuffer& out, bool nonblocking);
    Result<void> check_background_read();
    Result<void> check_background_write();
    Result<int64_t> set_controlling_terminal(uint64_t arg, bool readable);
    Result<int64_t> drop_controlling_terminal();
    Result<int64_t> set_foreground_group(uint64_t arg);
    Result<int64_t> set_window_size(uint64_t arg);

    const Reader m_reader;
    // A leaf lock, but for the console's input and output locks (echo goes
    // to the device under it).
    sync::SpinLock m_lock;
    Termios m_termios GUARDED_BY(m_lock) = kDefaultTermios;
    LineDiscipline m_discipline GUARDED_BY(m_lock);
    // The session whose controlling terminal this is (0: none; it becomes
    // one with TIOCSCTTY, as Linux gives init none on /dev/console), and
    // its foreground process group.
    int32_t m_session GUARDED_BY(m_lock) = 0;
    int32_t m_foreground GUARDED_BY(m_lock) = 0;
    // Set by TIOCSWINSZ; until then the device's own size.
    WindowSize m_window GUARDED_BY(m_lock) = {};
    bool m_window_set GUARDED_BY(m_lock) = false;
};

// The terminal `reader` names.
Terminal& terminal(Reader reader);
// Session `sid`'s leader ended: its controlling terminal, if any, is
// released (Terminal::release_if_session).
void release_session_terminal(int32_t sid);
// The controlling terminal of `p`'s session; nullptr when it has none.
Terminal* controlling_terminal(const proc::Process& p);
// The controlling terminal of session `sid` and (into `foreground`) its
// foreground group; nullptr, leaving `foreground`, when it has none.
const Terminal* session_terminal(int32_t sid, int32_t& foreground);

}  // namespace nyanos::fs
