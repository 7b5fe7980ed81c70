#include "fs/pipe.h"

#include <new>

#include "boot_info.h"
#include "fs/open.h"
#include "fs/pipe_buffer.h"
#include "fs/tree_files.h"
#include "mm/physical_memory.h"
#include "proc/wait_event.h"
#include "syscall/user_memory.h"

namespace nyanos::fs {

namespace {

// Pipe pages are whole frames from the frame allocator, through the HHDM.
class FramePages final : public PageSource {
public:
    uint8_t* allocate_page() override {
        auto frame = mm::physical_memory().allocate_frame(mm::FrameUse::kGeneral);
        return frame.ok() ? phys_to_virt<uint8_t>(frame.value()) : nullptr;
    }
    void free_page(uint8_t* page) override {
        mm::physical_memory().free_frame(virt_to_phys_hhdm(page), mm::FrameUse::kGeneral);
    }
};

FramePages g_frame_pages;
uint64_t g_next_serial = 1;  // st_ino of the next pipe (atomic)

constexpr uint64_t kPipeDevice = make_device(0, 12);  // Linux's pipefs is an unnamed device too
constexpr uint32_t kFionread = 0x541b;

// Interrupts off and the pipe's lock held for a scope, like
// sync::NoInterruptsGuard, plus a way to drop both around a user copy.
class SCOPED_CAPABILITY PipeLock {
public:
    explicit PipeLock(sync::SpinLock& lock) ACQUIRE(lock)
        : m_lock(lock), m_were_enabled(sync::interrupts_off()) {
        m_lock.lock();
    }
    ~PipeLock() RELEASE() {
        m_lock.unlock();
        if (m_were_enabled) sync::interrupts_on();
    }
    PipeLock(const PipeLock&) = delete;
    PipeLock& operator=(const PipeLock&) = delete;

    // Runs `copy` with the lock released and interrupts as they were, then
    // takes the lock again. The caller holds its side's turn (see Pipe), so
    // the state `copy` relies on stays put. (The analysis sees the lock
    // held throughout; what runs in between touches only the copy's bytes.)
    template <typename Copy>
    Result<size_t> unlocked(Copy&& copy) NO_THREAD_SAFETY_ANALYSIS {
        m_lock.unlock();
        if (m_were_enabled) sync::interrupts_on();
        Result<size_t> r = copy();
        sync::interrupts_off();
        m_lock.lock();
        return r;
    }

private:
    sync::SpinLock& m_lock;
    bool m_were_enabled;
};

}  // namespace

// The pipe itself. Its lock guards the buffer's state and the counts; the
// user copies run without it (PipeBuffer's header says why that is safe):
// a reader or writer first takes its side's turn (m_reading, m_writing),
// so one reader and one writer copy at a time, as Linux's pipe mutex
// makes them. Waiting for data or room, and for a turn, gives the turn
// up, as Linux gives up the mutex.
class Pipe {
public:
    // An anonymous pipe starts with its two ends; a FIFO's with none, and
    // remembers its inode (whose `fifo` it clears when its last end goes).
    Pipe(uint32_t readers, uint32_t writers, Inode* fifo)
        : m_buffer(g_frame_pages),
          m_readers(readers),
          m_writers(writers),
          m_fifo(fifo),
          m_serial(__atomic_fetch_add(&g_next_serial, 1, __ATOMIC_RELAXED)) {}

    void add_ref() { m_refs.add(); }
    bool try_add_ref() { return m_refs.add_unless_zero(); }
    void release_ref() {
        if (!m_refs.drop()) return;
        if (m_fifo) {
            sync::Guard lock(g_tree_lock);
            if (m_fifo->fifo == this) m_fifo->fifo = nullptr;
        }
        delete this;
    }
    uint64_t serial() const { return m_serial; }

    // A FIFO's open: counts the new end(s), then (blocking) waits for the
    // other side as Linux's fifo_open: a reader for a writer and the
    // reverse, unless one is open already or has come and gone meanwhile;
    // O_RDWR never waits. O_NONBLOCK: a reader does not wait, a writer
    // without a reader is ENXIO. A signal ends the wait (the end is not
    // counted then).
    Result<void> open_ends(bool reader, bool writer, bool nonblock) EXCLUDES(m_lock) {
        PipeLock lock(m_lock);
        if (writer && !reader && nonblock && m_readers == 0) return Error::kNoDeviceOrAddress;
        if (reader) {
            ++m_readers;
            ++m_reader_opens;
            m_writable.notify();
        }
        if (writer) {
            ++m_writers;
            ++m_writer_opens;
            m_readable.notify();
        }
        if (nonblock || (reader && writer)) return {};
        const uint64_t seen = reader ? m_writer_opens : m_reader_opens;
        for (;;) {
            if (reader ? (m_writers > 0 || m_writer_opens != seen)
                       : (m_readers > 0 || m_reader_opens != seen))
                return {};
            proc::WaitEvent& event = reader ? m_readable : m_writable;
            proc::WakeReason woke = event.queue().wait(m_lock);
            if (proc::wait_interrupted(woke)) {
                if (reader) {
                    --m_readers;
                    m_writable.notify();
                } else {
                    --m_writers;
                    m_readable.notify();
                }
                return proc::interruption(woke);
            }
        }
    }

    Result<size_t> read(IoBuffer& out, bool nonblock) EXCLUDES(m_lock) {
        if (out.length() == 0) return size_t(0);
        PipeLock lock(m_lock);
        for (;;) {
            if (!m_reading && !m_buffer.empty()) {
                size_t n = m_buffer.size() < out.length() ? m_buffer.size() : out.length();
                m_reading = true;
                auto copied = lock.unlocked([&] { return peek_unlocked(out, n); });
                if (copied.ok()) m_buffer.consume(copied.value());
                m_reading = false;
                m_writable.notify();  // room, for writers
                m_readable.notify();  // the turn, for other readers
                return copied;
            }
            if (!m_reading) {
                if (m_writers == 0) return size_t(0);
                if (nonblock) return Error::kAgain;
            }
            proc::WakeReason woke = m_readable.queue().wait(m_lock);
            if (proc::wait_interrupted(woke)) return proc::interruption(woke);
        }
    }

    Result<size_t> write(IoBuffer& in, bool nonblock) EXCLUDES(m_lock) {
        size_t total = in.length();
        if (total == 0) return size_t(0);
        // A write of at most PIPE_BUF bytes waits for room for all of it.
        size_t need = total <= PipeBuffer::kAtomicWrite ? total : 1;
        size_t done = 0;
        PipeLock lock(m_lock);
        for (;;) {
            if (m_readers == 0) return done ? Result<size_t>(done) : Error::kBrokenPipe;
            size_t space = m_buffer.space();
            if (!m_writing && space >= need) {
                size_t want = total - done < space ? total - done : space;
                size_t backed = m_buffer.reserve(want);
                if (backed == 0) {
                    m_buffer.commit(0);
                    return done ? Result<size_t>(done) : Error::kNoMemory;
                }
                m_writing = true;
                auto copied = lock.unlocked([&] { return fill_unlocked(in, done, backed); });
                m_buffer.commit(copied.ok() ? copied.value() : 0);
                m_writing = false;
                m_readable.notify();  // bytes, for readers
                m_writable.notify();  // the turn, for other writers
                if (!copied.ok()) return done ? Result<size_t>(done) : copied.error();
                done += copied.value();
                // Done, or cut short by a fault or a missing page.
                if (done == total || copied.value() < want) return done;
                continue;
            }
            if (!m_writing && nonblock) return done ? Result<size_t>(done) : Error::kAgain;
            proc::WakeReason woke = m_writable.queue().wait(m_lock);
            if (proc::wait_interrupted(woke))
                return done ? Result<size_t>(done) : proc::interruption(woke);
        }
    }

    uint32_t poll(bool writer, proc::PollWaiter* waiter) EXCLUDES(m_lock) {
        if (waiter) waiter->subscribe(writer ? m_writable : m_readable);
        PipeLock lock(m_lock);
        uint32_t mask = 0;
        if (writer) {
            if (m_buffer.space() >= PipeBuffer::kAtomicWrite)
                mask |= poll_events::kOut | poll_events::kWriteNormal;
            if (m_readers == 0) mask |= poll_events::kError;
        } else {
            if (!m_buffer.empty()) mask |= poll_events::kIn | poll_events::kReadNormal;
            if (m_writers == 0) mask |= poll_events::kHangUp;
        }
        return mask;
    }

    size_t buffered() EXCLUDES(m_lock) {
        PipeLock lock(m_lock);
        return m_buffer.size();
    }

    // An end's description is gone: the other side learns it (EOF, EPIPE).
    void close_end(bool writer) EXCLUDES(m_lock) {
        PipeLock lock(m_lock);
        if (writer) {
            --m_writers;
            m_readable.notify();
        } else {
            --m_readers;
            m_writable.notify();
        }
    }

private:
    ~Pipe() = default;

    // The copies, run without the lock by the side holding its turn.
    Result<size_t> peek_unlocked(IoBuffer& out, size_t n) NO_THREAD_SAFETY_ANALYSIS {
        return m_buffer.peek_into(out, 0, n);
    }
    Result<size_t> fill_unlocked(IoBuffer& in, size_t at, size_t n) NO_THREAD_SAFETY_ANALYSIS {
        return m_buffer.fill_from(in, at, n);
    }

    RefCount m_refs;  // one per end
    sync::SpinLock m_lock;
    PipeBuffer m_buffer GUARDED_BY(m_lock);
    uint32_t m_readers GUARDED_BY(m_lock);
    uint32_t m_writers GUARDED_BY(m_lock);
    // Opens of each side so far (a FIFO opener waiting for the other side
    // sees one come and go).
    uint64_t m_reader_opens GUARDED_BY(m_lock) = 0;
    uint64_t m_writer_opens GUARDED_BY(m_lock) = 0;
    Inode* const m_fifo;
    bool m_reading GUARDED_BY(m_lock) = false;  // a reader is copying out
    bool m_writing GUARDED_BY(m_lock) = false;  // a writer is copying in
    proc::WaitEvent m_readable;  // bytes arrived, the last writer left, or the reader turn is free
    proc::WaitEvent m_writable;  // room appeared, the last reader left, or the writer turn is free
    uint64_t m_serial;
};

namespace {

class PipeEnd final : public FileDescription {
public:
    // Takes over one reference to `pipe`.
    PipeEnd(Pipe* pipe, bool writer, uint32_t flags)
        : FileDescription((writer ? open_flags::kWriteOnly : open_flags::kReadOnly) |
                          (flags & open_flags::kNonBlock)),
          m_pipe(pipe),
          m_writer(writer) {}

    Result<size_t> read(IoBuffer& out) override { return m_pipe->read(out, nonblocking()); }
    Result<size_t> write(IoBuffer& in) override { return m_pipe->write(in, nonblocking()); }
    uint32_t poll(proc::PollWaiter* waiter) override { return m_pipe->poll(m_writer, waiter); }

    Result<int64_t> ioctl(uint32_t request, uint64_t arg) override {
        if (request != kFionread) return Error::kNotTty;
        int n = int(m_pipe->buffered());
        TRY(sys::copy_to_user(arg, &n, sizeof(n)));
        return int64_t(0);
    }

    void stat(FileStat& out) override {
        out = FileStat{};
        out.device = kPipeDevice;
        out.inode = m_pipe->serial();
        out.mode = mode_bits::kFifo | 0600;
        out.links = 1;
        out.block_size = 4096;
    }

private:
    ~PipeEnd() override {
        m_pipe->close_end(m_writer);
        m_pipe->release_ref();
    }

    Pipe* m_pipe;
    bool m_writer;
};

// An open FIFO: one end of its pipe, or both (O_RDWR), named by its node.
class FifoEnd final : public FileDescription {
public:
    // Takes over one reference to `pipe`, whose ends it counts already.
    FifoEnd(const Vfs& vfs, Node node, Pipe* pipe, uint32_t flags)
        : FileDescription(flags), m_vfs(vfs), m_node(static_cast<Node&&>(node)), m_pipe(pipe) {}

    Result<size_t> read(IoBuffer& out) override { return m_pipe->read(out, nonblocking()); }
    Result<size_t> write(IoBuffer& in) override { return m_pipe->write(in, nonblocking()); }
    uint32_t poll(proc::PollWaiter* waiter) override {
        uint32_t mask = 0;
        if (readable()) mask |= m_pipe->poll(false, waiter);
        if (writable()) mask |= m_pipe->poll(true, waiter);
        return mask;
    }
    Result<int64_t> ioctl(uint32_t request, uint64_t arg) override {
        if (request != kFionread) return Error::kNotTty;
        int n = int(m_pipe->buffered());
        TRY(sys::copy_to_user(arg, &n, sizeof(n)));
        return int64_t(0);
    }
    void stat(FileStat& out) override { m_vfs.stat(m_node, out); }
    const Node* node() const override { return &m_node; }

private:
    ~FifoEnd() override {
        if (readable()) m_pipe->close_end(false);
        if (writable()) m_pipe->close_end(true);
        m_pipe->release_ref();
    }

    const Vfs& m_vfs;
    Node m_node;
    Pipe* m_pipe;
};

}  // namespace

Result<DescriptionRef> open_fifo(const Vfs& vfs, Node node, uint32_t flags) {
    Inode* inode = node.inode.get();
    Pipe* pipe;
    {
        // The pipe the FIFO's openers share: the one there is (unless its
        // last end is going right now), or a new one.
        sync::Guard lock(g_tree_lock);
        pipe = inode->fifo;
        if (!pipe || !pipe->try_add_ref()) {
            pipe = new (std::nothrow) Pipe(0, 0, inode);
            if (!pipe) return Error::kNoMemory;
            inode->fifo = pipe;
        }
    }
    const uint32_t access = flags & open_flags::kAccessMode;
    if (access == open_flags::kAccessMode) {
        // Neither reading nor writing (access mode 3): Linux's fifo_open
        // refuses it.
        pipe->release_ref();
        return Error::kInvalid;
    }
    const bool reader = access != open_flags::kWriteOnly;
    const bool writer = access != open_flags::kReadOnly;
    auto opened = pipe->open_ends(reader, writer, flags & open_flags::kNonBlock);
    if (!opened.ok()) {
        pipe->release_ref();
        return opened.error();
    }
    auto* end = new (std::nothrow) FifoEnd(vfs, static_cast<Node&&>(node), pipe, flags);
    if (!end) {
        if (reader) pipe->close_end(false);
        if (writer) pipe->close_end(true);
        pipe->release_ref();
        return Error::kNoMemory;
    }
    return DescriptionRef::adopt(end);
}

Result<void> create_pipe(uint32_t flags, DescriptionRef& read_end, DescriptionRef& write_end) {
    Pipe* pipe = new (std::nothrow) Pipe(1, 1, nullptr);
    if (!pipe) return Error::kNoMemory;
    pipe->add_ref();  // one reference per end
    auto* reader = new (std::nothrow) PipeEnd(pipe, false, flags);
    if (!reader) {
        pipe->release_ref();
        pipe->release_ref();
        return Error::kNoMemory;
    }
    auto* writer = new (std::nothrow) PipeEnd(pipe, true, flags);
    if (!writer) {
        reader->release_ref();  // closes its end and drops its reference
        pipe->release_ref();    // the one the writer would have had
        return Error::kNoMemory;
    }
    read_end = DescriptionRef::adopt(reader);
    write_end = DescriptionRef::adopt(writer);
    return {};
}

}  // namespace nyanos::fs
