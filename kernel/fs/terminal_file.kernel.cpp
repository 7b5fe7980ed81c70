// A terminal as an open file: /dev/console, /dev/tty (the caller's
// controlling terminal), /dev/tty0 and /dev/ttyS0 (fs/terminal.h), and the
// descriptors 0, 1 and 2 init starts with. A description open for reading
// tty0 or ttyS0 claims that device's input for its terminal while it lives
// (console_input's routing); the console's claims nothing.
#include <new>

#include "fs/open.h"
#include "fs/terminal.h"
#include "proc/scheduler.h"

namespace nyanos::fs {

namespace {

class TerminalFile final : public FileDescription {
public:
    TerminalFile(const Vfs& vfs, Node node, uint32_t flags, Terminal& terminal)
        : FileDescription(flags),
          m_vfs(vfs),
          m_node(node),
          m_terminal(terminal),
          m_claims(readable()) {
        if (m_claims) console_input::claim(terminal.reader());
    }
    ~TerminalFile() override {
        if (m_claims) console_input::release(m_terminal.reader());
    }

    Result<size_t> read(IoBuffer& out) override { return m_terminal.read(out, nonblocking()); }
    Result<size_t> write(IoBuffer& in) override { return m_terminal.write(in); }
    uint32_t poll(proc::PollWaiter* waiter) override { return m_terminal.poll(waiter); }
    Result<int64_t> ioctl(uint32_t request, uint64_t arg) override {
        return m_terminal.ioctl(request, arg, readable());
    }
    void stat(FileStat& out) override { m_vfs.stat(m_node, out); }
    const Node* node() const override { return &m_node; }

private:
    const Vfs& m_vfs;
    Node m_node;
    Terminal& m_terminal;
    const bool m_claims;
};

// The terminal a device node names; nullptr (after setting `error`) when
// it cannot be opened.
Terminal* terminal_of(Special special, Error& error) {
    switch (special) {
        case Special::kTty: {
            // The caller's controlling terminal: a Linux process without
            // one gets ENXIO, as on Linux (NyanOS programs get the console).
            proc::Process* p = proc::current_process();
            if (Terminal* t = p ? controlling_terminal(*p) : nullptr) return t;
            if (p && p->personality == proc::Personality::kLinux) {
                error = Error::kNoDeviceOrAddress;
                return nullptr;
            }
            return &terminal(Reader::kConsole);
        }
        case Special::kTty0:
        case Special::kTtyS0: {
            Terminal& t = terminal(special == Special::kTty0 ? Reader::kTty0 : Reader::kTtyS0);
            if (t.present()) return &t;
            // No framebuffer: no virtual terminal driver (ENXIO, as
            // Linux's open of a device nobody drives); no UART: Linux's EIO
            // for a serial port whose hardware is absent.
            error = special == Special::kTty0 ? Error::kNoDeviceOrAddress : Error::kIo;
            return nullptr;
        }
        default:
            return &terminal(Reader::kConsole);
    }
}

}  // namespace

Result<DescriptionRef> open_terminal(const Vfs& vfs, Node node, uint32_t flags) {
    Error error = Error::kNoDeviceOrAddress;
    Terminal* t = terminal_of(node.special, error);
    if (!t) return error;
    proc::Process* p = proc::current_process();
    if (node.special == Special::kTtyS0 && !(flags & open_flags::kNoCtty) && p &&
        p->personality == proc::Personality::kLinux)
        t->adopt_on_open(*p);
    auto* d = new (std::nothrow) TerminalFile(vfs, node, flags, *t);
    if (!d) return Error::kNoMemory;
    return DescriptionRef::adopt(d);
}

}  // namespace nyanos::fs
