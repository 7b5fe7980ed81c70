// The console as a file: /dev/console and /dev/tty, and the descriptors 0,
// 1 and 2 init starts with. Reads take the console's input bytes as they
// come (raw: no echo, no line editing — the shells do their own), blocking
// until there is at least one; writes go to both consoles in chunks. The
// terminal requests a program needs to see a terminal (isatty, the window
// size) are answered; the full TTY (line discipline, process groups) is a
// later layer.
#include <new>

#include "dev/console_input.h"
#include "fs/kernel_hooks.h"
#include "fs/open.h"
#include "lib/console.h"
#include "proc/scheduler.h"
#include "proc/wait_event.h"
#include "syscall/user_memory.h"

namespace nyanos::fs {

namespace {

constexpr size_t kChunk = 256;

// Linux's terminal requests (asm-generic/ioctls.h) and its struct termios
// (the kernel's: 19 control characters).
constexpr uint32_t kTcgets = 0x5401, kTcsets = 0x5402, kTcsetsw = 0x5403, kTcsetsf = 0x5404;
constexpr uint32_t kTiocgwinsz = 0x5413, kTiocswinsz = 0x5414, kFionread = 0x541b;

struct Termios {
    uint32_t iflag, oflag, cflag, lflag;
    uint8_t line;
    uint8_t cc[19];
};
static_assert(sizeof(Termios) == 36);

struct WindowSize {
    uint16_t rows, columns, x_pixels, y_pixels;
};

// What a Linux console reports after boot: ICRNL|IXON, OPOST|ONLCR,
// B38400|CS8|CREAD|HUPCL, ISIG|ICANON|ECHO|ECHOE|ECHOK|ECHOCTL|ECHOKE|IEXTEN,
// and the default control characters (^C ^\ DEL ^U ^D, VMIN 1, ^Q ^S ^Z
// ^R ^O ^W ^V).
constexpr Termios kDefaultTermios = {
    0x500,  0x5, 0x4bf,
    0x8a3b, 0,   {3, 034, 0177, 025, 4, 0, 1, 0, 021, 023, 032, 0, 022, 017, 027, 026, 0, 0, 0}};

// The settings programs made, so that what one sets the next reads back
// (nothing acts on them yet). A leaf lock.
struct TerminalState {
    sync::SpinLock lock;
    Termios termios GUARDED_BY(lock) = kDefaultTermios;
    // The serial console's size (the framebuffer's may differ; a program
    // that asks gets the smaller, safe one).
    WindowSize window GUARDED_BY(lock) = {24, 80, 0, 0};
};
TerminalState g_terminal;

class ConsoleFile final : public FileDescription {
public:
    ConsoleFile(const Vfs& vfs, Node node, uint32_t flags)
        : FileDescription(flags), m_vfs(vfs), m_node(node) {}

    Result<size_t> read(IoBuffer& out) override {
        if (out.length() == 0) return size_t(0);
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

    // The console takes a port write per byte: megabytes take seconds.
    // Each chunk ends at a checkpoint, so a long write lets the others run
    // (the kernel is not preempted otherwise) and a kill ends the writer
    // between chunks instead of after the last one.
    Result<size_t> write(IoBuffer& in) override {
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
        if (!console_input::empty()) mask |= poll_events::kIn | poll_events::kReadNormal;
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
                g_terminal.termios = t;
                return int64_t(0);
            }
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
                int n = int(console_input::available());
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
    const Vfs& m_vfs;
    Node m_node;
};

}  // namespace

Result<DescriptionRef> open_console(const Vfs& vfs, Node node, uint32_t flags) {
    auto* d = new (std::nothrow) ConsoleFile(vfs, node, flags);
    if (!d) return Error::kNoMemory;
    return DescriptionRef::adopt(d);
}

}  // namespace nyanos::fs
