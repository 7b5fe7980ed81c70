#include "fs/eventfd.h"

#include <new>

#include "fs/anon_file.h"
#include "fs/event_counter.h"
#include "proc/wait_event.h"

namespace nyanos::fs {

namespace {

class EventFd final : public AnonFile {
public:
    EventFd(uint32_t initial, uint32_t flags)
        : AnonFile(open_flags::kReadWrite | (flags & open_flags::kNonBlock)),
          m_counter(initial, flags & kEfdSemaphore) {}

    Result<size_t> read(IoBuffer& out) override EXCLUDES(m_lock) {
        if (out.length() < 8) return Error::kInvalid;
        uint64_t got;
        {
            sync::NoInterruptsGuard lock(m_lock);
            for (;;) {
                got = m_counter.take();
                if (got) break;
                if (nonblocking()) return Error::kAgain;
                proc::WakeReason woke = m_event.queue().wait(m_lock);
                if (proc::wait_interrupted(woke)) return proc::interruption(woke);
            }
        }
        m_event.notify();  // room, for writers
        // Linux takes the value first and copies after: a bad buffer loses it.
        TRY(out.store(0, &got, sizeof(got)));
        return size_t(8);
    }

    Result<size_t> write(IoBuffer& in) override EXCLUDES(m_lock) {
        if (in.length() < 8) return Error::kInvalid;
        uint64_t add;
        TRY(in.load(0, &add, sizeof(add)));
        if (add == ~uint64_t(0)) return Error::kInvalid;
        {
            sync::NoInterruptsGuard lock(m_lock);
            for (;;) {
                if (m_counter.fits(add)) break;
                if (nonblocking()) return Error::kAgain;
                proc::WakeReason woke = m_event.queue().wait(m_lock);
                if (proc::wait_interrupted(woke)) return proc::interruption(woke);
            }
            m_counter.add(add);
        }
        m_event.notify();  // a value, for readers
        return size_t(8);
    }

    uint32_t poll(proc::PollWaiter* waiter) override EXCLUDES(m_lock) {
        if (waiter) waiter->subscribe(m_event);
        sync::NoInterruptsGuard lock(m_lock);
        uint32_t mask = 0;
        if (m_counter.readable()) mask |= poll_events::kIn | poll_events::kReadNormal;
        if (m_counter.writable()) mask |= poll_events::kOut | poll_events::kWriteNormal;
        return mask;
    }

private:
    ~EventFd() override = default;

    sync::SpinLock m_lock;
    EventCounter m_counter GUARDED_BY(m_lock);
    proc::WaitEvent m_event;  // the counter changed
};

}  // namespace

Result<DescriptionRef> create_eventfd(uint32_t initial, uint32_t flags) {
    auto* file = new (std::nothrow) EventFd(initial, flags);
    if (!file) return Error::kNoMemory;
    return DescriptionRef::adopt(file);
}

}  // namespace nyanos::fs
