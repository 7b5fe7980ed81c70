#include "fs/signalfd.h"

#include <new>
#include <string.h>

#include "fs/anon_file.h"
#include "proc/signal_delivery.h"
#include "proc/signals.h"
#include "proc/wait_event.h"

namespace nyanos::fs {

namespace {

const char kSignalFdTag = 0;

// struct signalfd_siginfo, Linux's layout.
struct SignalFdSiginfo {
    uint32_t signo;
    int32_t error;
    int32_t code;
    uint32_t pid;
    uint32_t uid;
    int32_t fd;
    uint32_t tid;
    uint32_t band;
    uint32_t overrun;
    uint32_t trapno;
    int32_t status;
    int32_t int_value;
    uint64_t ptr;
    uint64_t utime;
    uint64_t stime;
    uint64_t addr;
    uint16_t addr_lsb;
    uint16_t pad2;
    int32_t syscall;
    uint64_t call_addr;
    uint32_t arch;
    uint8_t pad[28];
};
static_assert(sizeof(SignalFdSiginfo) == 128);

void fill(SignalFdSiginfo& out, int sig, const proc::PendingInfo& info) {
    memset(&out, 0, sizeof(out));
    out.signo = uint32_t(sig);
    out.code = info.code;
    if (sig == proc::kSigChld) {
        out.pid = uint32_t(info.pid);
        out.status = info.status;
    } else if ((proc::kSynchronous & proc::sig_bit(sig)) && info.code > 0) {
        out.addr = info.addr;  // a fault's address
    } else if (info.code == proc::kSiTimer) {
        // A POSIX timer's: its ID, overrun and value (no sender).
        out.tid = uint32_t(info.pid);
        out.overrun = uint32_t(info.status);
        out.int_value = int32_t(info.addr);
        out.ptr = info.addr;
    } else {
        out.pid = uint32_t(info.pid);  // the sender; uid 0: every process is root's
        if (info.code < 0 && info.code != proc::kSiTkill) {
            // sigqueue's value: ssi_int and ssi_ptr, as Linux copies both.
            out.int_value = int32_t(info.addr);
            out.ptr = info.addr;
        }
    }
}

class SignalFd final : public AnonFile {
public:
    SignalFd(uint64_t mask, uint32_t flags)
        : AnonFile(open_flags::kReadWrite | (flags & open_flags::kNonBlock)),
          m_mask(mask & ~proc::kUnblockable) {}

    const void* kind() const override { return &kSignalFdTag; }
    void set_mask(uint64_t mask) {
        __atomic_store_n(&m_mask, mask & ~proc::kUnblockable, __ATOMIC_RELAXED);
    }

    Result<size_t> read(IoBuffer& out) override {
        size_t room = out.length() / sizeof(SignalFdSiginfo);
        if (room == 0) return Error::kInvalid;
        size_t done = 0;
        while (done < room) {
            proc::PendingInfo info{};
            // The first waits (unless non-blocking); the rest only look.
            bool look = done > 0 || nonblocking();
            auto sig = proc::wait_for_signal(mask(), proc::Deadline{}, look, info);
            if (!sig.ok()) {
                if (done) break;
                // A handler interrupting the wait restarts the read, as
                // Linux's -ERESTARTSYS.
                return sig.error() == Error::kInterrupted ? Error::kRestartSys : sig.error();
            }
            SignalFdSiginfo si;
            fill(si, sig.value(), info);
            auto stored = out.store(done * sizeof(si), &si, sizeof(si));
            if (!stored.ok()) {
                if (done) break;
                return stored.error();
            }
            ++done;
        }
        return done * sizeof(SignalFdSiginfo);
    }

    uint32_t poll(proc::PollWaiter* waiter) override {
        if (waiter) waiter->subscribe(proc::signal_sent_event());
        return (proc::pending_signals() & mask()) ? poll_events::kIn | poll_events::kReadNormal : 0;
    }

private:
    ~SignalFd() override = default;
    uint64_t mask() const { return __atomic_load_n(&m_mask, __ATOMIC_RELAXED); }

    uint64_t m_mask;  // atomic: signalfd4 may change it while another thread reads
};

}  // namespace

Result<DescriptionRef> create_signalfd(uint64_t mask, uint32_t flags) {
    auto* file = new (std::nothrow) SignalFd(mask, flags);
    if (!file) return Error::kNoMemory;
    return DescriptionRef::adopt(file);
}

Result<void> signalfd_set_mask(FileDescription& file, uint64_t mask) {
    if (file.kind() != &kSignalFdTag) return Error::kInvalid;
    static_cast<SignalFd&>(file).set_mask(mask);
    return {};
}

}  // namespace nyanos::fs
