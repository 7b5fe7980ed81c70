// The console as a file: /dev/console and /dev/tty, and the descriptors 0,
// 1 and 2 init starts with. A Linux program reads it through the line
// discipline (lib/line_discipline.h: canonical lines with echo and editing
// by default, or what its termios asks); a NyanOS program reads its input
// bytes raw, as they come (NyanOS's shell edits its own lines). Reads block
// until there is something to give; writes go to both consoles in chunks.
// The termios requests, the window size and FIONREAD are answered; process
// groups and a controlling terminal are a later layer.
#include <new>

#include "arch/x86_64/timer.h"
#include "dev/console_input.h"
#include "fs/kernel_hooks.h"
#include "fs/open.h"
#include "lib/console.h"
#include "lib/line_discipline.h"
#include "proc/lifecycle.h"
#include "proc/signal_delivery.h"
#include "proc/scheduler.h"
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
// Signal numbers (Linux's) the terminal sends.
constexpr int kSigHup = 1, kSigInt = 2, kSigQuit = 3, kSigCont = 18, kSigTstp = 20, kSigTtin = 21,
              kSigTtou = 22;
constexpr uint32_t kTiocgwinsz = 0x5413, kTiocswinsz = 0x5414, kFionread = 0x541b;
constexpr uint64_t kTciflush = 0, kTcioflush = 2;  // TCFLSH's queues that hold input

struct WindowSize {
    uint16_t rows, columns, x_pixels, y_pixels;
};

// The terminal's settings and the input its line discipline holds. A
// leaf lock (echo goes to the console under it).
struct TerminalState {
    sync::SpinLock lock;
    Termios termios GUARDED_BY(lock) = kDefaultTermios;
    LineDiscipline discipline GUARDED_BY(lock);
    // The session whose controlling terminal the console is (0: none; it
    // becomes one with TIOCSCTTY, as Linux gives init none on
    // /dev/console), and its foreground process group.
    int32_t session GUARDED_BY(lock) = 0;
    int32_t foreground GUARDED_BY(lock) = 0;
    // The serial console's size (the framebuffer's may differ; a program
    // that asks gets the smaller, safe one).
    WindowSize window GUARDED_BY(lock) = {24, 80, 0, 0};
};
TerminalState g_terminal;

// What typed input there is goes: the raw bytes not taken yet and the
// discipline's.
void flush_input() REQUIRES(g_terminal.lock) {
    char c;
    while (console_input::try_pop(c)) {
    }
    g_terminal.discipline.flush();
}

void echo_to_console(void*, const char* bytes, size_t length) {
    console::write(bytes, length);
}

// Moves the keyboard's and serial line's bytes through the discipline
// (echoing them), so that what a Linux reader can read is up to date.
void pump_input() REQUIRES(g_terminal.lock) {
    char c;
    while (console_input::try_pop(c))
        g_terminal.discipline.receive(c, g_terminal.termios, echo_to_console, nullptr);
}

// The terminal's signal characters (console_input's hook, in interrupt
// context): with ISIG, ^C, ^\ and ^Z send SIGINT, SIGQUIT and SIGTSTP to
// the foreground process group of the session the console belongs to,
// echo, and end the line being typed, as Linux's n_tty does. Without such
// a session the byte goes on (NyanOS's Ctrl-C rule, then the readers).
bool terminal_signal_character(char c) {
    int sig = 0;
    int32_t group = 0;
    {
        sync::NoInterruptsGuard lock(g_terminal.lock);
        const Termios t = g_terminal.termios;
        uint8_t u = uint8_t(c);
        if (!g_terminal.session || !g_terminal.foreground || !(t.lflag & termios_bits::kIsig) || !u)
            return false;
        if (u == t.cc[termios_bits::kVintr])
            sig = kSigInt;
        else if (u == t.cc[termios_bits::kVquit])
            sig = kSigQuit;
        else if (u == t.cc[termios_bits::kVsusp])
            sig = kSigTstp;
        if (!sig) return false;
        group = g_terminal.foreground;
        g_terminal.discipline.receive(c, t, echo_to_console, nullptr);
    }
    proc::signal_group(group, sig);
    return true;
}

// Whether the console is the controlling terminal of the caller's session.
bool controls_terminal(const proc::Process& p) REQUIRES(g_terminal.lock) {
    return g_terminal.session && g_terminal.session == p.sid;
}

// A read by a process of the terminal's session outside its foreground
// group: SIGTTIN to its group and a restart (it reads once continued in
// the foreground), or EIO when it ignores or blocks SIGTTIN or its group is
// orphaned (Linux's job-control check). OK otherwise.
Result<void> check_background_read() {
    proc::Process* p = proc::current_process();
    {
        sync::NoInterruptsGuard lock(g_terminal.lock);
        if (!controls_terminal(*p) || g_terminal.foreground == p->pgid) return {};
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
Result<void> check_background_write() {
    proc::Process* p = proc::current_process();
    if (!p || p->personality != proc::Personality::kLinux) return {};
    {
        sync::NoInterruptsGuard lock(g_terminal.lock);
        if (!(g_terminal.termios.lflag & termios_bits::kTostop)) return {};
        if (!controls_terminal(*p) || g_terminal.foreground == p->pgid) return {};
    }
    if (proc::current_ignores_or_blocks(kSigTtou)) return {};
    if (proc::group_orphaned(p->pgid, p->sid)) return Error::kIo;
    proc::signal_group(p->pgid, kSigTtou);
    return Error::kRestartSys;
}

// Linux programs read the console through the line discipline (the
// termios they set decides how); NyanOS programs read its bytes raw, as
// their ABI has always given them (NyanOS's shell edits its own lines).
bool reads_through_discipline() {
    proc::Process* p = proc::current_process();
    return p && p->personality == proc::Personality::kLinux;
}

class ConsoleFile final : public FileDescription {
public:
    ConsoleFile(const Vfs& vfs, Node node, uint32_t flags)
        : FileDescription(flags), m_vfs(vfs), m_node(node) {}

    Result<size_t> read(IoBuffer& out) override {
        if (out.length() == 0) return size_t(0);
        if (reads_through_discipline()) return read_cooked(out);
        char chunk[kChunk];
        size_t want = out.length() < kChunk ? out.length() : kChunk;
        for (;;) {
            size_t n = console_input::read_available(chunk, want);
            if (n) {
                TRY(out.store(0, chunk, n));
                return n;
            }
            if (nonblocking()) return Error::kAgain;
            proc::WakeReason woke = proc::wait_for_input();
            if (proc::wait_interrupted(woke)) return proc::interruption(woke);
        }
    }

    // Canonical mode: one line at most, blocking until one is complete.
    // Non-canonical: VMIN and VTIME as Linux reads them, except that with
    // both set VTIME bounds the wait for the first byte only (Linux's
    // timer restarts at each byte); a read returns what has come then.
    Result<size_t> read_cooked(IoBuffer& out) {
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
                sync::NoInterruptsGuard lock(g_terminal.lock);
                pump_input();
                const Termios t = g_terminal.termios;
                canonical = t.lflag & termios_bits::kIcanon;
                vmin = t.cc[termios_bits::kVmin];
                vtime = t.cc[termios_bits::kVtime];
                if (g_terminal.discipline.readable(t))
                    n = g_terminal.discipline.take(chunk, want, t, eof);
            }
            if (n) {
                TRY(out.store(0, chunk, n));
                return n;
            }
            if (eof) return size_t(0);
            if (!canonical && vmin == 0 && (vtime == 0 || !first_wait)) return size_t(0);
            if (nonblocking()) return Error::kAgain;
            if (!canonical && vtime && first_wait)
                deadline = proc::Deadline{arch::monotonic_ns() + uint64_t(vtime) * 100'000'000};
            first_wait = false;
            proc::WakeReason woke = proc::wait_for_input(deadline);
            if (proc::wait_interrupted(woke)) return proc::interruption(woke);
            if (woke == proc::WakeReason::kTimedOut) return size_t(0);
        }
    }

    // The console takes a port write per byte: megabytes take seconds.
    // Each chunk ends at a checkpoint, so a long write lets the others run
    // (the kernel is not preempted otherwise) and a kill ends the writer
    // between chunks instead of after the last one.
    Result<size_t> write(IoBuffer& in) override {
        TRY(check_background_write());
        char chunk[kChunk];
        size_t done = 0;
        while (done < in.length()) {
            size_t n = in.length() - done < kChunk ? in.length() - done : kChunk;
            auto r = in.load(done, chunk, n);
            if (!r.ok()) return done ? Result<size_t>(done) : r.error();
            console::write(chunk, n);
            done += n;
            if (done < in.length() && io_checkpoint()) break;
        }
        return done;
    }

    uint32_t poll(proc::PollWaiter* waiter) override {
        if (waiter) waiter->subscribe(proc::console_input_event());
        uint32_t mask = poll_events::kOut | poll_events::kWriteNormal;
        bool readable;
        if (reads_through_discipline()) {
            sync::NoInterruptsGuard lock(g_terminal.lock);
            pump_input();
            readable = g_terminal.discipline.readable(g_terminal.termios);
        } else {
            readable = !console_input::empty();
        }
        if (readable) mask |= poll_events::kIn | poll_events::kReadNormal;
        return mask;
    }

    Result<int64_t> ioctl(uint32_t request, uint64_t arg) override {
        switch (request) {
            case kTcgets: {
                Termios t;
                {
                    sync::NoInterruptsGuard lock(g_terminal.lock);
                    t = g_terminal.termios;
                }
                TRY(sys::copy_to_user(arg, &t, sizeof(t)));
                return int64_t(0);
            }
            case kTcsets:
            case kTcsetsw:
            case kTcsetsf: {
                Termios t;
                TRY(sys::copy_from_user(&t, arg, sizeof(t)));
                sync::NoInterruptsGuard lock(g_terminal.lock);
                // Output is never queued here, so TCSETSW has nothing to
                // wait for; TCSETSF drops the input first.
                if (request == kTcsetsf) flush_input();
                g_terminal.termios = t;
                return int64_t(0);
            }
            case kTcflsh: {
                if (arg > kTcioflush) return Error::kInvalid;
                sync::NoInterruptsGuard lock(g_terminal.lock);
                if (arg == kTciflush || arg == kTcioflush) flush_input();
                return int64_t(0);
            }
            case kTiocsctty:
                return set_controlling_terminal(arg);
            case kTiocnotty:
                return drop_controlling_terminal();
            case kTiocgpgrp:
            case kTiocgsid: {
                int32_t id;
                {
                    sync::NoInterruptsGuard lock(g_terminal.lock);
                    if (!controls_terminal(*proc::current_process())) return Error::kNotTty;
                    id = request == kTiocgpgrp ? g_terminal.foreground : g_terminal.session;
                }
                TRY(sys::copy_to_user(arg, &id, sizeof(id)));
                return int64_t(0);
            }
            case kTiocspgrp:
                return set_foreground_group(arg);
            case kTiocgwinsz: {
                WindowSize w;
                {
                    sync::NoInterruptsGuard lock(g_terminal.lock);
                    w = g_terminal.window;
                }
                TRY(sys::copy_to_user(arg, &w, sizeof(w)));
                return int64_t(0);
            }
            case kTiocswinsz: {
                WindowSize w;
                TRY(sys::copy_from_user(&w, arg, sizeof(w)));
                sync::NoInterruptsGuard lock(g_terminal.lock);
                g_terminal.window = w;
                return int64_t(0);
            }
            case kFionread: {
                int n;
                if (reads_through_discipline()) {
                    sync::NoInterruptsGuard lock(g_terminal.lock);
                    pump_input();
                    n = int(g_terminal.discipline.readable_bytes(g_terminal.termios));
                } else {
                    n = int(console_input::available());
                }
                TRY(sys::copy_to_user(arg, &n, sizeof(n)));
                return int64_t(0);
            }
            default:
                return Error::kNotTty;
        }
    }

    void stat(FileStat& out) override { m_vfs.stat(m_node, out); }
    const Node* node() const override { return &m_node; }

private:
    // TIOCSCTTY: a session leader without a terminal makes the console
    // its session's; its group becomes the foreground. A terminal another
    // live session holds is taken only with `arg` 1 by a privileged caller
    // (everyone is root here), as Linux's tiocsctty.
    Result<int64_t> set_controlling_terminal(uint64_t arg) {
        proc::Process* p = proc::current_process();
        if (p->sid != p->pid) return Error::kPermission;
        int32_t holder;
        {
            sync::NoInterruptsGuard lock(g_terminal.lock);
            if (g_terminal.session == p->sid) return int64_t(0);
            holder = g_terminal.session;
        }
        if (holder && proc::session_alive(holder) && arg != 1) return Error::kPermission;
        sync::NoInterruptsGuard lock(g_terminal.lock);
        g_terminal.session = p->sid;
        g_terminal.foreground = p->pgid;
        return int64_t(0);
    }

    // TIOCNOTTY: a session leader gives the terminal up, and its
    // foreground group gets SIGHUP and SIGCONT (Linux's disassociate_ctty).
    Result<int64_t> drop_controlling_terminal() {
        proc::Process* p = proc::current_process();
        int32_t group = 0;
        {
            sync::NoInterruptsGuard lock(g_terminal.lock);
            if (!controls_terminal(*p)) return Error::kNotTty;
            if (p->sid != p->pid) return int64_t(0);
            group = g_terminal.foreground;
            g_terminal.session = 0;
            g_terminal.foreground = 0;
        }
        proc::signal_group(group, kSigHup);
        proc::signal_group(group, kSigCont);
        return int64_t(0);
    }

    // TIOCSPGRP (tcsetpgrp): the foreground becomes a group of the
    // caller's session. ENOTTY unless the console is the caller's
    // terminal; EINVAL for a negative group, EPERM for one not in the
    // session. A background caller that neither ignores nor blocks SIGTTOU
    // gets it (and restarts once continued), as Linux's tty_check_change.
    Result<int64_t> set_foreground_group(uint64_t arg) {
        proc::Process* p = proc::current_process();
        int32_t group;
        TRY(sys::copy_from_user(&group, arg, sizeof(group)));
        bool background;
        {
            sync::NoInterruptsGuard lock(g_terminal.lock);
            if (!controls_terminal(*p)) return Error::kNotTty;
            background = g_terminal.foreground != p->pgid;
        }
        if (background && !proc::current_ignores_or_blocks(kSigTtou)) {
            if (proc::group_orphaned(p->pgid, p->sid)) return Error::kIo;
            proc::signal_group(p->pgid, kSigTtou);
            return Error::kRestartSys;
        }
        if (group < 0) return Error::kInvalid;
        if (!proc::group_in_session(group, p->sid)) return Error::kPermission;
        sync::NoInterruptsGuard lock(g_terminal.lock);
        g_terminal.foreground = group;
        return int64_t(0);
    }

    const Vfs& m_vfs;
    Node m_node;
};

}  // namespace

Result<DescriptionRef> open_console(const Vfs& vfs, Node node, uint32_t flags) {
    // /dev/tty is the caller's controlling terminal: a Linux process
    // without one gets ENXIO, as on Linux (NyanOS programs get the console).
    if (node.special == Special::kTty && reads_through_discipline()) {
        sync::NoInterruptsGuard lock(g_terminal.lock);
        if (!controls_terminal(*proc::current_process())) return Error::kNoDeviceOrAddress;
    }
    // The terminal's signal characters take effect once a console exists
    // (init's descriptors are its first); setting the hook again is harmless.
    console_input::set_signal_character_hook(terminal_signal_character);
    auto* d = new (std::nothrow) ConsoleFile(vfs, node, flags);
    if (!d) return Error::kNoMemory;
    return DescriptionRef::adopt(d);
}

}  // namespace nyanos::fs
