#include "fs/terminal.h"

#include "arch/x86_64/timer.h"
#include "dev/framebuffer_console.h"
#include "dev/serial.h"
#include "fs/file_description.h"
#include "fs/kernel_hooks.h"
#include "lib/console.h"
#include "proc/lifecycle.h"
#include "proc/scheduler.h"
#include "proc/signal_delivery.h"
#include "proc/wait_event.h"
#include "syscall/user_memory.h"

namespace nyanos::fs {

namespace {

constexpr size_t kChunk = 256;

// Linux's terminal requests (asm-generic/ioctls.h).
constexpr uint32_t kTcgets = 0x5401, kTcsets = 0x5402, kTcsetsw = 0x5403, kTcsetsf = 0x5404;
constexpr uint32_t kTcflsh = 0x540b;
constexpr uint32_t kTiocsctty = 0x540e, kTiocgpgrp = 0x540f, kTiocspgrp = 0x5410;
constexpr uint32_t kTiocnotty = 0x5422, kTiocgsid = 0x5429;
constexpr uint32_t kTiocgwinsz = 0x5413, kTiocswinsz = 0x5414, kFionread = 0x541b;
constexpr uint64_t kTciflush = 0, kTcioflush = 2;  // TCFLSH's queues that hold input
// Signal numbers (Linux's) a terminal sends.
constexpr int kSigHup = 1, kSigInt = 2, kSigQuit = 3, kSigCont = 18, kSigTstp = 20, kSigTtin = 21,
              kSigTtou = 22, kSigWinch = 28;
// The serial line's size until a program sets it (a terminal emulator at
// the other end cannot tell the kernel its own).
constexpr WindowSize kSerialWindow = {24, 80, 0, 0};

Terminal g_console(Reader::kConsole);
Terminal g_tty0(Reader::kTty0);
Terminal g_ttys0(Reader::kTtyS0);
Terminal* const kTerminals[] = {&g_console, &g_tty0, &g_ttys0};

// Serialises TIOCSCTTY, which checks every terminal before it makes one
// a session's: a session has at most one. Taken before a terminal's lock
// and the process table's.
sync::SpinLock g_control_lock;

// Linux programs read a terminal through the line discipline (the
// termios they set decides how); NyanOS programs read its bytes raw, as
// their ABI has always given them (NyanOS's shell edits its own lines).
bool reads_through_discipline() {
    proc::Process* p = proc::current_process();
    return p && p->personality == proc::Personality::kLinux;
}

bool on_signal_character(Reader reader, char c) {
    return terminal(reader).receive_signal_character(c);
}

}  // namespace

Terminal& terminal(Reader reader) {
    // The hook takes effect once a terminal is used (init's descriptors
    // are the first); setting it again is harmless.
    console_input::set_signal_character_hook(on_signal_character);
    return *kTerminals[size_t(reader)];
}

void release_session_terminal(int32_t sid) {
    for (Terminal* t : kTerminals) t->release_if_session(sid);
}

Terminal* controlling_terminal(const proc::Process& p) {
    for (Terminal* t : kTerminals)
        if (t->controls(p)) return t;
    return nullptr;
}

const Terminal* session_terminal(int32_t sid, int32_t& foreground) {
    if (!sid) return nullptr;
    for (Terminal* t : kTerminals)
        if (t->belongs_to(sid, foreground)) return t;
    return nullptr;
}

uint64_t Terminal::device() const {
    switch (m_reader) {
        case Reader::kConsole:
            return make_device(5, 1);
        case Reader::kTty0:
            return make_device(4, 0);
        case Reader::kTtyS0:
            return make_device(4, 64);
    }
    return 0;
}

bool Terminal::present() const {
    switch (m_reader) {
        case Reader::kConsole:
            return true;
        case Reader::kTty0:
            return fbcon::active();
        case Reader::kTtyS0:
            return serial::present();
    }
    return false;
}

void Terminal::output(const char* bytes, size_t length) {
    switch (m_reader) {
        case Reader::kConsole:
            console::write(bytes, length);
            return;
        case Reader::kTty0:
            console::write_to(fbcon::write, bytes, length);
            return;
        case Reader::kTtyS0:
            console::write_to(serial::write, bytes, length);
            return;
    }
}

void Terminal::echo(void* self, const char* bytes, size_t length) {
    static_cast<Terminal*>(self)->output(bytes, length);
}

// What typed input there is goes: the raw bytes not taken yet and the
// discipline's.
void Terminal::flush_input() {
    char c;
    while (console_input::try_pop(m_reader, c)) {
    }
    m_discipline.flush();
}

// Moves the typed bytes this terminal reads through the discipline
// (echoing them), so that what a Linux reader can read is up to date.
void Terminal::pump_input() {
    char c;
    while (console_input::try_pop(m_reader, c)) m_discipline.receive(c, m_termios, echo, this);
}

WindowSize Terminal::window() {
    if (m_window_set) return m_window;
    if (m_reader == Reader::kTty0)
        return {uint16_t(fbcon::rows()), uint16_t(fbcon::columns()), 0, 0};
    return kSerialWindow;
}

bool Terminal::controls(const proc::Process& p) {
    int32_t foreground;
    return belongs_to(p.sid, foreground);
}

void Terminal::release_if_session(int32_t sid) {
    int32_t group;
    {
        sync::NoInterruptsGuard lock(m_lock);
        if (!m_session || m_session != sid) return;
        group = m_foreground;
        m_session = 0;
        m_foreground = 0;
    }
    proc::signal_group(group, kSigHup);
}

void Terminal::adopt_on_open(const proc::Process& p) {
    if (p.sid != p.pid) return;
    sync::NoInterruptsGuard control(g_control_lock);
    if (controlling_terminal(p)) return;
    sync::NoInterruptsGuard lock(m_lock);
    if (m_session) return;
    m_session = p.sid;
    m_foreground = p.pgid;
}

bool Terminal::belongs_to(int32_t sid, int32_t& foreground) {
    sync::NoInterruptsGuard lock(m_lock);
    if (!m_session || m_session != sid) return false;
    foreground = m_foreground;
    return true;
}

// With ISIG, ^C, ^\ and ^Z send SIGINT, SIGQUIT and SIGTSTP to the
// foreground process group of the session whose terminal this is, echo,
// and end the line being typed, as Linux's n_tty does. The console without
// such a session passes the byte on (NyanOS's Ctrl-C rule, then the
// readers); a device terminal consumes it, as Linux's does when no group
// is in the foreground.
bool Terminal::receive_signal_character(char c) {
    int sig = 0;
    int32_t group = 0;
    {
        sync::NoInterruptsGuard lock(m_lock);
        const Termios t = m_termios;
        uint8_t u = uint8_t(c);
        if (!(t.lflag & termios_bits::kIsig) || !u) return false;
        if (u == t.cc[termios_bits::kVintr])
            sig = kSigInt;
        else if (u == t.cc[termios_bits::kVquit])
            sig = kSigQuit;
        else if (u == t.cc[termios_bits::kVsusp])
            sig = kSigTstp;
        if (!sig) return false;
        bool has_foreground = m_session && m_foreground;
        if (!has_foreground && m_reader == Reader::kConsole) return false;
        group = has_foreground ? m_foreground : 0;
        m_discipline.receive(c, t, echo, this);
    }
    if (group) proc::signal_group(group, sig);
    return true;
}

// A read by a process of the terminal's session outside its foreground
// group: SIGTTIN to its group and a restart (it reads once continued in
// the foreground), or EIO when it ignores or blocks SIGTTIN or its group is
// orphaned (Linux's job-control check). OK otherwise.
Result<void> Terminal::check_background_read() {
    proc::Process* p = proc::current_process();
    {
        sync::NoInterruptsGuard lock(m_lock);
        if (m_session != p->sid || !m_session || m_foreground == p->pgid) return {};
    }
    if (proc::current_ignores_or_blocks(kSigTtin) || proc::group_orphaned(p->pgid, p->sid))
        return Error::kIo;
    proc::signal_group(p->pgid, kSigTtin);
    return Error::kRestartSys;
}

// A write with TOSTOP set, by a process of the terminal's session outside
// its foreground group: SIGTTOU to its group and a restart, or EIO when the
// group is orphaned; a writer that ignores or blocks SIGTTOU writes anyway
// (Linux's tty_check_change for a write). OK otherwise.
Result<void> Terminal::check_background_write() {
    proc::Process* p = proc::current_process();
    if (!p || p->personality != proc::Personality::kLinux) return {};
    {
        sync::NoInterruptsGuard lock(m_lock);
        if (!(m_termios.lflag & termios_bits::kTostop)) return {};
        if (m_session != p->sid || !m_session || m_foreground == p->pgid) return {};
    }
    if (proc::current_ignores_or_blocks(kSigTtou)) return {};
    if (proc::group_orphaned(p->pgid, p->sid)) return Error::kIo;
    proc::signal_group(p->pgid, kSigTtou);
    return Error::kRestartSys;
}

Result<size_t> Terminal::read(IoBuffer& out, bool nonblocking) {
    if (out.length() == 0) return size_t(0);
    if (reads_through_discipline()) return read_cooked(out, nonblocking);
    char chunk[kChunk];
    size_t want = out.length() < kChunk ? out.length() : kChunk;
    for (;;) {
        size_t n = console_input::read_available(m_reader, chunk, want);
        if (n) {
            TRY(out.store(0, chunk, n));
            return n;
        }
        if (nonblocking) return Error::kAgain;
        proc::WakeReason woke = proc::wait_for_input(m_reader);
        if (proc::wait_interrupted(woke)) return proc::interruption(woke);
    }
}

// Canonical mode: one line at most, blocking until one is complete.
// Non-canonical: VMIN and VTIME as Linux reads them, except that with both
// set VTIME bounds the wait for the first byte only (Linux's timer restarts
// at each byte); a read returns what has come then.
Result<size_t> Terminal::read_cooked(IoBuffer& out, bool nonblocking) {
    TRY(check_background_read());
    char chunk[kChunk];
    size_t want = out.length() < kChunk ? out.length() : kChunk;
    proc::Deadline deadline;
    bool first_wait = true;
    for (;;) {
        size_t n = 0;
        bool eof = false, canonical;
        uint8_t vmin, vtime;
        {
            sync::NoInterruptsGuard lock(m_lock);
            pump_input();
            const Termios t = m_termios;
            canonical = t.lflag & termios_bits::kIcanon;
            vmin = t.cc[termios_bits::kVmin];
            vtime = t.cc[termios_bits::kVtime];
            if (m_discipline.readable(t)) n = m_discipline.take(chunk, want, t, eof);
        }
        if (n) {
            TRY(out.store(0, chunk, n));
            return n;
        }
        if (eof) return size_t(0);
        if (!canonical && vmin == 0 && (vtime == 0 || !first_wait)) return size_t(0);
        if (nonblocking) return Error::kAgain;
        if (!canonical && vtime && first_wait)
            deadline = proc::Deadline{arch::monotonic_ns() + uint64_t(vtime) * 100'000'000};
        first_wait = false;
        proc::WakeReason woke = proc::wait_for_input(m_reader, deadline);
        if (proc::wait_interrupted(woke)) return proc::interruption(woke);
        if (woke == proc::WakeReason::kTimedOut) return size_t(0);
    }
}

// The devices take a port write per byte: megabytes take seconds. Each
// chunk ends at a checkpoint, so a long write lets the others run (the
// kernel is not preempted otherwise) and a kill ends the writer between
// chunks instead of after the last one.
Result<size_t> Terminal::write(IoBuffer& in) {
    TRY(check_background_write());
    char chunk[kChunk];
    size_t done = 0;
    while (done < in.length()) {
        size_t n = in.length() - done < kChunk ? in.length() - done : kChunk;
        auto r = in.load(done, chunk, n);
        if (!r.ok()) return done ? Result<size_t>(done) : r.error();
        output(chunk, n);
        done += n;
        if (done < in.length() && io_checkpoint()) break;
    }
    return done;
}

uint32_t Terminal::poll(proc::PollWaiter* waiter) {
    if (waiter) waiter->subscribe(proc::console_input_event());
    uint32_t mask = poll_events::kOut | poll_events::kWriteNormal;
    bool readable;
    if (reads_through_discipline()) {
        sync::NoInterruptsGuard lock(m_lock);
        pump_input();
        readable = m_discipline.readable(m_termios);
    } else {
        readable = !console_input::empty(m_reader);
    }
    if (readable) mask |= poll_events::kIn | poll_events::kReadNormal;
    return mask;
}

Result<int64_t> Terminal::ioctl(uint32_t request, uint64_t arg, bool readable) {
    switch (request) {
        case kTcgets: {
            Termios t;
            {
                sync::NoInterruptsGuard lock(m_lock);
                t = m_termios;
            }
            TRY(sys::copy_to_user(arg, &t, sizeof(t)));
            return int64_t(0);
        }
        case kTcsets:
        case kTcsetsw:
        case kTcsetsf: {
            Termios t;
            TRY(sys::copy_from_user(&t, arg, sizeof(t)));
            sync::NoInterruptsGuard lock(m_lock);
            // Output is never queued here, so TCSETSW has nothing to wait
            // for; TCSETSF drops the input first.
            if (request == kTcsetsf) flush_input();
            m_termios = t;
            return int64_t(0);
        }
        case kTcflsh: {
            if (arg > kTcioflush) return Error::kInvalid;
            sync::NoInterruptsGuard lock(m_lock);
            if (arg == kTciflush || arg == kTcioflush) flush_input();
            return int64_t(0);
        }
        case kTiocsctty:
            return set_controlling_terminal(arg, readable);
        case kTiocnotty:
            return drop_controlling_terminal();
        case kTiocgpgrp:
        case kTiocgsid: {
            int32_t id;
            {
                sync::NoInterruptsGuard lock(m_lock);
                if (!m_session || m_session != proc::current_process()->sid) return Error::kNotTty;
                id = request == kTiocgpgrp ? m_foreground : m_session;
            }
            TRY(sys::copy_to_user(arg, &id, sizeof(id)));
            return int64_t(0);
        }
        case kTiocspgrp:
            return set_foreground_group(arg);
        case kTiocgwinsz: {
            WindowSize w;
            {
                sync::NoInterruptsGuard lock(m_lock);
                w = window();
            }
            TRY(sys::copy_to_user(arg, &w, sizeof(w)));
            return int64_t(0);
        }
        case kTiocswinsz:
            return set_window_size(arg);
        case kFionread: {
            int n;
            if (reads_through_discipline()) {
                sync::NoInterruptsGuard lock(m_lock);
                pump_input();
                n = int(m_discipline.readable_bytes(m_termios));
            } else {
                n = int(console_input::available(m_reader));
            }
            TRY(sys::copy_to_user(arg, &n, sizeof(n)));
            return int64_t(0);
        }
        default:
            return Error::kNotTty;
    }
}

// TIOCSCTTY: a session leader without a terminal makes this one its
// session's; its group becomes the foreground. EPERM for a session that
// has another terminal already, and for a terminal another live session
// holds unless `arg` is 1 from a privileged caller (CAP_SYS_ADMIN), and
// EPERM through a description not open for reading unless privileged (a
// write-only descriptor must not give a session its input), as Linux's
// tiocsctty, which checks in this order.
Result<int64_t> Terminal::set_controlling_terminal(uint64_t arg, bool readable) {
    proc::Process* p = proc::current_process();
    if (p->sid != p->pid) return Error::kPermission;
    sync::NoInterruptsGuard control(g_control_lock);
    if (controls(*p)) return int64_t(0);
    if (controlling_terminal(*p)) return Error::kPermission;
    int32_t holder;
    {
        sync::NoInterruptsGuard lock(m_lock);
        holder = m_session;
    }
    const bool privileged = creds::privileged(p->resources.credentials());
    if (holder && proc::session_alive(holder) && !(arg == 1 && privileged))
        return Error::kPermission;
    if (!readable && !privileged) return Error::kPermission;
    sync::NoInterruptsGuard lock(m_lock);
    m_session = p->sid;
    m_foreground = p->pgid;
    return int64_t(0);
}

// TIOCNOTTY: a session leader gives its terminal up, and its foreground
// group gets SIGHUP and SIGCONT (Linux's disassociate_ctty); ENOTTY when
// this is not the caller's terminal.
Result<int64_t> Terminal::drop_controlling_terminal() {
    proc::Process* p = proc::current_process();
    int32_t group = 0;
    {
        sync::NoInterruptsGuard lock(m_lock);
        if (!m_session || m_session != p->sid) return Error::kNotTty;
        if (p->sid != p->pid) return int64_t(0);
        group = m_foreground;
        m_session = 0;
        m_foreground = 0;
    }
    proc::signal_group(group, kSigHup);
    proc::signal_group(group, kSigCont);
    return int64_t(0);
}

// TIOCSPGRP (tcsetpgrp): the foreground becomes a group of the caller's
// session. ENOTTY unless this is the caller's terminal; EINVAL for a
// negative group, ESRCH for one that does not exist, EPERM for one not in
// the session. A background caller
// that neither ignores nor blocks SIGTTOU gets it (and restarts once
// continued), as Linux's tty_check_change.
Result<int64_t> Terminal::set_foreground_group(uint64_t arg) {
    proc::Process* p = proc::current_process();
    int32_t group;
    TRY(sys::copy_from_user(&group, arg, sizeof(group)));
    bool background;
    {
        sync::NoInterruptsGuard lock(m_lock);
        if (!m_session || m_session != p->sid) return Error::kNotTty;
        background = m_foreground != p->pgid;
    }
    if (background && !proc::current_ignores_or_blocks(kSigTtou)) {
        if (proc::group_orphaned(p->pgid, p->sid)) return Error::kIo;
        proc::signal_group(p->pgid, kSigTtou);
        return Error::kRestartSys;
    }
    if (group < 0) return Error::kInvalid;
    if (!proc::group_exists(group)) return Error::kNoProcess;
    if (!proc::group_in_session(group, p->sid)) return Error::kPermission;
    sync::NoInterruptsGuard lock(m_lock);
    m_foreground = group;
    return int64_t(0);
}

// TIOCSWINSZ: a new size; a change sends SIGWINCH to the foreground group
// (Linux's tty_do_resize), so that full-screen programs redraw.
Result<int64_t> Terminal::set_window_size(uint64_t arg) {
    WindowSize w;
    TRY(sys::copy_from_user(&w, arg, sizeof(w)));
    int32_t group = 0;
    {
        sync::NoInterruptsGuard lock(m_lock);
        WindowSize old = window();
        bool changed = old.rows != w.rows || old.columns != w.columns ||
                       old.x_pixels != w.x_pixels || old.y_pixels != w.y_pixels;
        m_window = w;
        m_window_set = true;
        if (changed && m_session) group = m_foreground;
    }
    if (group) proc::signal_group(group, kSigWinch);
    return int64_t(0);
}

}  // namespace nyanos::fs
