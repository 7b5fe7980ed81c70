#include "fs/unix_socket.h"

#include <new>
#include <string.h>

#include "fs/inode.h"
#include "fs/tmpfs.h"
#include "fs/unix_gc.h"
#include "arch/x86_64/timer.h"
#include "proc/process.h"
#include "proc/scheduler.h"
#include "proc/wait_event.h"
#include "sync/spinlock.h"
#include "syscall/user_memory.h"

namespace nyanos::fs {

namespace {

using namespace socket_abi;

// Linux's defaults: net.core.wmem_default and rmem_default (what SO_SNDBUF
// and SO_RCVBUF report), their maxima, net.unix.max_dgram_qlen and
// net.core.somaxconn.
constexpr uint32_t kDefaultBuffer = 212992;
constexpr uint32_t kMaxBufferRequest = 212992;
constexpr uint32_t kMinSendBuffer = 4608;     // SOCK_MIN_SNDBUF
constexpr uint32_t kMinReceiveBuffer = 2304;  // SOCK_MIN_RCVBUF
constexpr size_t kMaxDatagramQueue = 10;
constexpr int kMaxBacklog = 4096;
// The longest piece of a stream one message carries (Linux's skbs carry
// at most about this much, and half the send buffer).
constexpr size_t kStreamPiece = 32768;

constexpr uint32_t kRecvShutdown = 1, kSendShutdown = 2, kShutdownMask = 3;
constexpr uint32_t kFionread = 0x541b;
constexpr uint64_t kSocketDevice = make_device(0, 8);  // sockfs: an unnamed device

// The lock of every Unix socket (docs/locking.md: after the pipe locks,
// before the scheduler's; it takes the heap's and, dropping a socket's
// last reference, the tree lock to release a path's inode).
sync::SpinLock g_unix_lock;
// Fired whenever room appears in any socket's queue or backlog, or a
// socket's state changes: blocked senders and connectors look again.
proc::WaitEvent g_unix_room;
// Bound sockets (linked through m_next_bound), under g_unix_lock.
UnixSocket* g_bound GUARDED_BY(g_unix_lock) = nullptr;
uint32_t g_next_autobind GUARDED_BY(g_unix_lock) = 0;
uint64_t g_next_serial = 1;  // st_ino of the next socket (atomic)
// The sockets whose descriptions are in flight (fs/unix_gc.h).
UnixGcGraph g_unix_gc GUARDED_BY(g_unix_lock);

// Interrupts off and g_unix_lock held for a scope (a wait gives both up
// while blocked), as the pipe's lock.
class SCOPED_CAPABILITY UnixLock {
public:
    UnixLock() ACQUIRE(g_unix_lock) : m_were_enabled(sync::interrupts_off()) { g_unix_lock.lock(); }
    ~UnixLock() RELEASE() {
        g_unix_lock.unlock();
        if (m_were_enabled) sync::interrupts_on();
    }
    UnixLock(const UnixLock&) = delete;
    UnixLock& operator=(const UnixLock&) = delete;

    // Runs `copy` with the lock released and interrupts as they were, then
    // takes the lock again; the caller holds the socket's reading turn.
    template <typename Copy>
    Result<size_t> unlocked(Copy&& copy) NO_THREAD_SAFETY_ANALYSIS {
        g_unix_lock.unlock();
        if (m_were_enabled) sync::interrupts_on();
        Result<size_t> r = copy();
        sync::interrupts_off();
        g_unix_lock.lock();
        return r;
    }

private:
    bool m_were_enabled;
};

// Messages to free once the lock is gone (declared before the UnixLock in
// a scope, so destroyed after it): their in-flight descriptions may be
// sockets whose release takes the lock.
class Garbage {
public:
    ~Garbage() { free_messages(m_list); }
    void add(SocketMessage* list) {
        while (list) {
            SocketMessage* next = list->next;
            list->next = m_list;
            m_list = list;
            list = next;
        }
    }

private:
    SocketMessage* m_list = nullptr;
};

SocketCredentials current_credentials() {
    proc::Process* self = proc::current_process();
    auto c = self->resources.credentials();
    return SocketCredentials{self->pid, c.uid.effective, c.gid.effective};
}

// When a wait of `timeout_ns` (SO_RCVTIMEO, SO_SNDTIMEO; 0: none) started
// now ends.
proc::Deadline deadline_after(uint64_t timeout_ns) {
    if (!timeout_ns) return proc::Deadline{};
    return proc::Deadline{arch::monotonic_ns() + timeout_ns};
}

bool same_abstract(const UnixAddress& a, const UnixAddress& b) {
    return a.length == b.length && memcmp(a.bytes, b.bytes, a.length) == 0;
}

// Messages that left a queue (`list`, returned): their descriptions
// leave flight.
SocketMessage* left_queue_locked(SocketMessage* list) REQUIRES(g_unix_lock);

}  // namespace

// The socket proper. Everything but the type and the events is guarded by
// g_unix_lock; references are atomic. Its last reference may be dropped
// under the lock: by then it is closed, so its queue and backlog are
// empty, and what its destructor releases (a path's inode, its peer)
// takes only locks that come after this one.
// Its UnixGcNode part (the garbage collector's bookkeeping) is guarded by
// g_unix_lock too, through g_unix_gc.
class UnixSocket : public UnixGcNode {
public:
    enum class State : uint8_t { kUnconnected, kListening, kConnected, kClosed };

    explicit UnixSocket(int type)
        : m_type(type), m_serial(__atomic_fetch_add(&g_next_serial, 1, __ATOMIC_RELAXED)) {}

    void add_ref() { m_refs.add(); }
    void release_ref() {
        if (m_refs.drop()) delete this;
    }

    const int m_type;
    const uint64_t m_serial;
    State m_state GUARDED_BY(g_unix_lock) = State::kUnconnected;
    UnixSocket* m_peer GUARDED_BY(g_unix_lock) = nullptr;  // one reference
    UnixAddress m_address GUARDED_BY(g_unix_lock);         // length 0: unbound
    Inode* m_inode GUARDED_BY(g_unix_lock) = nullptr;      // a path's (one reference)
    UnixSocket* m_next_bound GUARDED_BY(g_unix_lock) = nullptr;
    SocketQueue m_queue GUARDED_BY(g_unix_lock);
    // A listener's connections not yet accepted (the server ends, one
    // reference each), linked through m_next_pending.
    UnixSocket* m_backlog_head GUARDED_BY(g_unix_lock) = nullptr;
    UnixSocket* m_backlog_tail GUARDED_BY(g_unix_lock) = nullptr;
    UnixSocket* m_next_pending GUARDED_BY(g_unix_lock) = nullptr;
    size_t m_backlog_count GUARDED_BY(g_unix_lock) = 0;
    size_t m_backlog_max GUARDED_BY(g_unix_lock) = 0;
    uint32_t m_shutdown GUARDED_BY(g_unix_lock) = 0;  // kRecvShutdown | kSendShutdown
    int m_error GUARDED_BY(g_unix_lock) = 0;          // SO_ERROR
    bool m_reading GUARDED_BY(g_unix_lock) = false;   // a reader is copying out
    SocketCredentials m_peer_credentials GUARDED_BY(g_unix_lock);
    uint32_t m_send_buffer GUARDED_BY(g_unix_lock) = kDefaultBuffer;
    uint32_t m_receive_buffer GUARDED_BY(g_unix_lock) = kDefaultBuffer;
    uint32_t m_options GUARDED_BY(g_unix_lock) = 0;  // SocketFile::option bits
    // SO_RCVTIMEO, SO_SNDTIMEO: how long a blocked call waits (0: no limit).
    uint64_t m_receive_timeout_ns GUARDED_BY(g_unix_lock) = 0;
    uint64_t m_send_timeout_ns GUARDED_BY(g_unix_lock) = 0;
    // Its description while it has one (set by SocketFile's constructor
    // and accept, cleared by its destructor): the collector compares the
    // description's references with those in flight.
    SocketFile* m_file GUARDED_BY(g_unix_lock) = nullptr;
    // Data, a connection, the reading turn, or a state change.
    proc::WaitEvent m_readable;

    bool connection_oriented() const { return m_type != kSockDgram; }

    // Wakes everyone who may care about this socket's state.
    void changed() {
        m_readable.notify();
        g_unix_room.notify();
    }

    void unbind_locked() REQUIRES(g_unix_lock) {
        for (UnixSocket** p = &g_bound; *p; p = &(*p)->m_next_bound) {
            if (*p == this) {
                *p = m_next_bound;
                break;
            }
        }
        m_next_bound = nullptr;
    }

    // The end of the socket (its description's last reference went, or it
    // was a connection never accepted). Its peer learns it; what it held
    // goes to `garbage`; references it held are dropped.
    void close_locked(Garbage& garbage) REQUIRES(g_unix_lock) {
        const bool had_unread = !m_queue.empty() || m_backlog_count;
        m_state = State::kClosed;
        m_shutdown = kShutdownMask;
        if (m_address.length) unbind_locked();
        garbage.add(left_queue_locked(m_queue.take_all()));
        UnixSocket* peer = m_peer;
        m_peer = nullptr;
        if (peer) {
            if (connection_oriented() && peer->m_peer == this) {
                // Linux's unix_release_sock: the peer's stream is over, and
                // reset if this end dropped bytes unread.
                peer->m_shutdown = kShutdownMask;
                if (had_unread) peer->m_error = int(Error::kConnectionReset);
            }
            peer->changed();
            peer->release_ref();
        }
        // Connections never accepted end too (their clients see a reset).
        while (UnixSocket* pending = m_backlog_head) {
            m_backlog_head = pending->m_next_pending;
            pending->m_next_pending = nullptr;
            if (UnixSocket* client = pending->m_peer)
                client->m_error = int(Error::kConnectionReset);
            pending->close_locked(garbage);
            pending->release_ref();
        }
        m_backlog_tail = nullptr;
        m_backlog_count = 0;
        changed();
    }

    // A bound socket by name; nullptr when none. An abstract name is
    // looked up among sockets of `type` alone (Linux hashes the type in:
    // sockets of different types may share one); a path finds whatever
    // socket has its inode (the caller checks the type: EPROTOTYPE).
    static UnixSocket* find_locked(const SocketTarget& target, int type) REQUIRES(g_unix_lock) {
        for (UnixSocket* s = g_bound; s; s = s->m_next_bound) {
            if (target.inode ? s->m_inode == target.inode
                             : (target.abstract && s->m_type == type &&
                                same_abstract(s->m_address, *target.abstract)))
                return s;
        }
        return nullptr;
    }

private:
    ~UnixSocket() NO_THREAD_SAFETY_ANALYSIS {
        // Closed, with its queue, backlog and peer gone (close_locked).
        if (m_inode) m_inode->release_ref();
    }

    RefCount m_refs;
};

namespace {

// The socket a description is, or nullptr.
UnixSocket* socket_of(const DescriptionRef& d) {
    SocketFile* f = d->as_socket();
    return f ? f->socket() : nullptr;
}

// `count` descriptions that left flight: read, dropped, or purged.
void left_flight_locked(const DescriptionRef* rights, uint32_t count) REQUIRES(g_unix_lock) {
    for (uint32_t i = 0; i < count; ++i)
        if (UnixSocket* s = socket_of(rights[i])) g_unix_gc.remove_in_flight(*s);
}

// Queues `m` on `target`: the descriptions it carries go in flight. True
// when one of them may be held from queues alone now (all its references
// in flight): the caller runs a collection.
bool enqueue_locked(UnixSocket* target, SocketMessage* m) REQUIRES(g_unix_lock) {
    target->m_queue.push(m);
    bool suspect = false;
    for (uint32_t i = 0; i < m->right_count; ++i) {
        UnixSocket* s = socket_of(m->rights[i]);
        if (!s) continue;
        g_unix_gc.add_in_flight(*s);
        if (m->rights[i]->reference_count() == g_unix_gc.in_flight(*s)) suspect = true;
    }
    return suspect;
}

// The collector's view of the sockets (fs/unix_gc.h): a socket's children
// are the sockets in flight in its queue and in its pending connections'
// queues; a purge takes those queues' messages into `garbage`. Only
// collect_locked uses it, holding g_unix_lock: the portable collector that
// calls these cannot name the lock, hence no analysis inside.
struct SocketGraph {
    Garbage& garbage;

    uint32_t references(UnixGcNode& n) NO_THREAD_SAFETY_ANALYSIS {
        auto& s = static_cast<UnixSocket&>(n);
        // No description: never a candidate (cannot happen in flight).
        return s.m_file ? s.m_file->reference_count() : UINT32_MAX;
    }
    template <typename F>
    void for_each_child(UnixGcNode& n, F f) NO_THREAD_SAFETY_ANALYSIS {
        auto& s = static_cast<UnixSocket&>(n);
        auto visit = [&f](const DescriptionRef& d) {
            if (UnixSocket* child = socket_of(d)) f(child);
        };
        s.m_queue.for_each_right(visit);
        for (UnixSocket* p = s.m_backlog_head; p; p = p->m_next_pending)
            p->m_queue.for_each_right(visit);
    }
    void purge(UnixGcNode& n) NO_THREAD_SAFETY_ANALYSIS {
        auto& s = static_cast<UnixSocket&>(n);
        // A reader copying out holds a reference, so this cannot be a
        // candidate; left alone all the same (its messages are in use).
        if (!s.m_reading) garbage.add(left_queue_locked(s.m_queue.take_all()));
        for (UnixSocket* p = s.m_backlog_head; p; p = p->m_next_pending)
            if (!p->m_reading) garbage.add(left_queue_locked(p->m_queue.take_all()));
        s.changed();  // room for senders blocked on its queue
    }
};

// Purges the sockets that only unreachable queues hold (fs/unix_gc.h).
void collect_locked(Garbage& garbage) REQUIRES(g_unix_lock) {
    SocketGraph graph{garbage};
    g_unix_gc.collect(graph);
}

SocketMessage* left_queue_locked(SocketMessage* list) {
    for (SocketMessage* m = list; m; m = m->next) left_flight_locked(m->rights, m->right_count);
    return list;
}

UnixSocket* new_socket(int type) {
    return new (std::nothrow) UnixSocket(type);
}

// Connects two fresh sockets to each other (socketpair, and a connection
// and the server end accept will return).
void pair_locked(UnixSocket* a, UnixSocket* b, const SocketCredentials& a_creds,
                 const SocketCredentials& b_creds) REQUIRES(g_unix_lock) {
    a->add_ref();
    b->add_ref();
    a->m_peer = b;
    b->m_peer = a;
    a->m_state = b->m_state = UnixSocket::State::kConnected;
    a->m_peer_credentials = b_creds;
    b->m_peer_credentials = a_creds;
}

// A message carrying `n` bytes of `in` from `at`, with the sender's name
// and credentials. ENOMEM, EFAULT.
Result<SocketMessage*> build_message(IoBuffer& in, size_t at, size_t n, const UnixAddress& from,
                                     const SocketCredentials& creds) {
    SocketMessage* m = SocketMessage::try_create(n);
    if (!m) return Error::kNoMemory;
    auto loaded = in.load(at, m->data(), n);
    if (!loaded.ok()) {
        m->destroy();
        return loaded.error();
    }
    m->sender = from;
    m->credentials = creds;
    return m;
}

}  // namespace

SocketFile::SocketFile(UnixSocket* socket, uint32_t flags)
    : FileDescription(open_flags::kReadWrite | (flags & open_flags::kNonBlock), SocketKind{}),
      m_socket(socket) {
    if (socket) {
        UnixLock lock;
        socket->m_file = this;
    }
}

SocketFile::~SocketFile() {
    if (!m_socket) return;  // accept()'s description, unused
    Garbage garbage;
    {
        UnixLock lock;
        m_socket->m_file = nullptr;
        m_socket->close_locked(garbage);
        m_socket->release_ref();
    }
}

Result<DescriptionRef> SocketFile::try_create(int type, uint32_t flags) {
    UnixSocket* s = new_socket(type);
    if (!s) return Error::kNoMemory;
    auto* file = new (std::nothrow) SocketFile(s, flags);
    if (!file) {
        s->release_ref();
        return Error::kNoMemory;
    }
    return DescriptionRef::adopt(file);
}

Result<void> SocketFile::try_create_pair(int type, uint32_t flags, DescriptionRef& a,
                                         DescriptionRef& b) {
    DescriptionRef first = TRY(try_create(type, flags));
    DescriptionRef second = TRY(try_create(type, flags));
    const SocketCredentials creds = current_credentials();
    {
        UnixLock lock;
        pair_locked(first->as_socket()->m_socket, second->as_socket()->m_socket, creds, creds);
    }
    a = static_cast<DescriptionRef&&>(first);
    b = static_cast<DescriptionRef&&>(second);
    return {};
}

int SocketFile::type() const {
    return m_socket->m_type;
}

Result<size_t> SocketFile::read(IoBuffer& out) {
    ReceiveOptions options;
    options.nonblock = nonblocking();
    auto r = receive(out, options);
    // A plain read drops descriptions sent along (Linux frees them too).
    free_rights(options.rights, options.right_count);
    return r;
}

Result<size_t> SocketFile::write(IoBuffer& in) {
    SendOptions options;
    options.nonblock = nonblocking();
    return send(in, options);
}

Result<size_t> SocketFile::send(IoBuffer& in, SendOptions& options) {
    UnixSocket* self = m_socket;
    DescriptionRef* rights = options.rights;
    uint32_t right_count = options.right_count;
    options.rights = nullptr;
    options.right_count = 0;
    const SocketCredentials creds = current_credentials();
    UnixAddress from;
    {
        UnixLock lock;
        from = self->m_address;
    }
    const size_t total = in.length();

    if (self->m_type != kSockStream) {
        // A datagram or a record: all of it, in one message.
        if (self->m_type == kSockSeqPacket) {
            bool connected;
            {
                UnixLock lock;
                connected = self->m_state == UnixSocket::State::kConnected;
            }
            if (!connected) {
                free_rights(rights, right_count);
                return Error::kNotConnected;
            }
        }
        uint32_t limit;
        {
            UnixLock lock;
            limit = self->m_send_buffer;
        }
        if (total > limit - 32) {
            free_rights(rights, right_count);
            return Error::kMessageSize;
        }
        auto built = build_message(in, 0, total, from, creds);
        if (!built.ok()) {
            free_rights(rights, right_count);
            return built.error();
        }
        SocketMessage* m = built.value();
        m->attach_rights(rights, right_count);
        Garbage garbage;
        UnixLock lock;
        const proc::Deadline deadline = deadline_after(self->m_send_timeout_ns);
        bool expired = false;
        for (;;) {
            const bool seqpacket = self->m_type == kSockSeqPacket;
            if (self->m_shutdown & kSendShutdown) {
                garbage.add(m);
                return Error::kBrokenPipe;
            }
            UnixSocket* target;
            if (options.to && !seqpacket) {
                target = UnixSocket::find_locked(*options.to, self->m_type);
                if (!target) {
                    garbage.add(m);
                    return Error::kConnectionRefused;
                }
                if (target->m_type != self->m_type) {
                    garbage.add(m);
                    return Error::kProtocolType;
                }
            } else {
                target = self->m_peer;
                if (!target) {
                    garbage.add(m);
                    return seqpacket ? Error::kBrokenPipe : Error::kNotConnected;
                }
            }
            if (target->m_state == UnixSocket::State::kClosed) {
                // A connected datagram socket whose peer closed: refused
                // once, then not connected (Linux forgets the peer).
                garbage.add(m);
                if (seqpacket) return Error::kBrokenPipe;
                if (target == self->m_peer) {
                    self->m_peer = nullptr;
                    target->release_ref();
                }
                return Error::kConnectionRefused;
            }
            if (!seqpacket && target->m_peer && target->m_peer != self) {
                garbage.add(m);
                return Error::kPermission;
            }
            if (target->m_shutdown & kRecvShutdown) {
                garbage.add(m);
                return Error::kBrokenPipe;
            }
            const bool full =
                (!target->m_queue.empty() &&
                 target->m_queue.charge() + m->length + SocketQueue::kOverhead >
                     target->m_receive_buffer) ||
                (target->m_peer != self && target->m_queue.count() > kMaxDatagramQueue);
            if (!full) {
                if (enqueue_locked(target, m)) collect_locked(garbage);
                target->m_readable.notify();
                return total;
            }
            if (options.nonblock || expired) {
                garbage.add(m);
                return Error::kAgain;
            }
            proc::WakeReason woke = g_unix_room.queue().wait(g_unix_lock, deadline);
            if (proc::wait_interrupted(woke)) {
                garbage.add(m);
                return proc::interruption(woke);
            }
            expired = woke == proc::WakeReason::kTimedOut;
        }
    }

    // A stream: pieces, each sent once there is room for it.
    if (options.to) {
        free_rights(rights, right_count);
        UnixLock lock;
        return self->m_state == UnixSocket::State::kConnected ? Error::kIsConnected
                                                              : Error::kNotSupported;
    }
    size_t sent = 0;
    bool connected;
    {
        UnixLock lock;
        connected = self->m_peer != nullptr;
    }
    if (!connected) {
        free_rights(rights, right_count);
        return Error::kNotConnected;
    }
    if (total == 0) {
        free_rights(rights, right_count);  // nothing carries them (as Linux)
        UnixLock lock;
        if (self->m_shutdown & kSendShutdown) return Error::kBrokenPipe;
        return size_t(0);
    }
    proc::Deadline deadline;
    {
        UnixLock lock;
        deadline = deadline_after(self->m_send_timeout_ns);
    }
    bool expired = false;
    while (sent < total) {
        size_t piece;
        {
            UnixLock lock;
            size_t half = self->m_send_buffer / 2 - 64;
            piece = total - sent < kStreamPiece ? total - sent : kStreamPiece;
            if (piece > half) piece = half;
        }
        auto built = build_message(in, sent, piece, from, creds);
        if (!built.ok()) {
            free_rights(rights, right_count);
            return sent ? Result<size_t>(sent) : built.error();
        }
        SocketMessage* m = built.value();
        m->attach_rights(rights, right_count);
        rights = nullptr;
        right_count = 0;
        Garbage garbage;
        UnixLock lock;
        for (;;) {
            UnixSocket* peer = self->m_peer;
            if ((self->m_shutdown & kSendShutdown) || !peer ||
                peer->m_state == UnixSocket::State::kClosed || (peer->m_shutdown & kRecvShutdown)) {
                garbage.add(m);
                return sent ? Result<size_t>(sent) : Error::kBrokenPipe;
            }
            if (peer->m_queue.charge() < self->m_send_buffer) {
                if (enqueue_locked(peer, m)) collect_locked(garbage);
                peer->m_readable.notify();
                sent += piece;
                break;
            }
            if (options.nonblock || expired) {
                garbage.add(m);
                return sent ? Result<size_t>(sent) : Error::kAgain;
            }
            proc::WakeReason woke = g_unix_room.queue().wait(g_unix_lock, deadline);
            if (proc::wait_interrupted(woke)) {
                garbage.add(m);
                return sent ? Result<size_t>(sent) : proc::interruption(woke);
            }
            expired = woke == proc::WakeReason::kTimedOut;
        }
    }
    return sent;
}

Result<size_t> SocketFile::receive(IoBuffer& out, ReceiveOptions& options) {
    UnixSocket* self = m_socket;
    const size_t want = out.length();
    Garbage garbage;
    UnixLock lock;
    const proc::Deadline deadline = deadline_after(self->m_receive_timeout_ns);
    bool expired = false;
    if (self->m_type == kSockStream) {
        if (self->m_state != UnixSocket::State::kConnected) return Error::kInvalid;
        const size_t target = options.wait_all && !options.peek ? want : (want ? 1 : 0);
        size_t done = 0;
        for (;;) {
            if (!self->m_reading && !self->m_queue.empty() && (want > done || want == 0)) {
                if (done == 0) options.from = self->m_queue.front()->sender;
                const size_t count = self->m_queue.count();
                self->m_reading = true;
                auto copied = lock.unlocked([&]() NO_THREAD_SAFETY_ANALYSIS {
                    return self->m_queue.copy_stream(out, done, want - done, count);
                });
                self->m_reading = false;
                self->m_readable.notify();  // the turn, for other readers
                if (!copied.ok()) return done ? Result<size_t>(done) : copied.error();
                bool got_rights = false;
                if (!options.peek) {
                    DescriptionRef* rights = nullptr;
                    uint32_t right_count = 0;
                    garbage.add(left_queue_locked(
                        self->m_queue.consume_stream(copied.value(), rights, right_count)));
                    if (rights) {
                        left_flight_locked(rights, right_count);
                        options.rights = rights;
                        options.right_count = right_count;
                        got_rights = true;
                    }
                    g_unix_room.notify();
                }
                done += copied.value();
                if (done >= target || options.peek || got_rights || want == 0) return done;
                continue;
            }
            if (!self->m_reading) {
                if (want == 0) return size_t(0);
                if (self->m_error) {
                    if (done) return done;
                    int e = self->m_error;
                    self->m_error = 0;
                    return Error(e);
                }
                if (self->m_shutdown & kRecvShutdown) return done;
                if (options.nonblock || expired) return done ? Result<size_t>(done) : Error::kAgain;
            }
            proc::WakeReason woke = self->m_readable.queue().wait(g_unix_lock, deadline);
            if (proc::wait_interrupted(woke))
                return done ? Result<size_t>(done) : proc::interruption(woke);
            expired = woke == proc::WakeReason::kTimedOut;
        }
    }

    // Datagrams and records: one message per call.
    if (self->m_type == kSockSeqPacket && self->m_state != UnixSocket::State::kConnected)
        return Error::kNotConnected;
    for (;;) {
        if (!self->m_reading && !self->m_queue.empty()) {
            SocketMessage* m;
            if (options.peek) {
                m = self->m_queue.front();  // stays: only the turn's holder removes
            } else {
                m = self->m_queue.pop();
                left_queue_locked(m);
                garbage.add(m);
                g_unix_room.notify();
            }
            options.from = m->sender;
            options.full_length = m->length;
            const size_t n = m->length < want ? m->length : want;
            self->m_reading = true;
            auto copied = lock.unlocked([&]() -> Result<size_t> {
                TRY(out.store(0, m->data(), n));
                return n;
            });
            self->m_reading = false;
            self->m_readable.notify();
            // The descriptions go with the bytes; after a fault they stay
            // with the message, freed once the lock is gone.
            if (copied.ok() && !options.peek) options.rights = m->take_rights(options.right_count);
            return copied;
        }
        if (!self->m_reading) {
            if (self->m_error) {
                int e = self->m_error;
                self->m_error = 0;
                return Error(e);
            }
            if (self->m_shutdown & kRecvShutdown) return size_t(0);
            if (options.nonblock || expired) return Error::kAgain;
        }
        proc::WakeReason woke = self->m_readable.queue().wait(g_unix_lock, deadline);
        if (proc::wait_interrupted(woke)) return proc::interruption(woke);
        expired = woke == proc::WakeReason::kTimedOut;
    }
}

uint32_t SocketFile::poll(proc::PollWaiter* waiter) {
    using namespace poll_events;
    UnixSocket* self = m_socket;
    if (waiter) {
        waiter->subscribe(self->m_readable);
        waiter->subscribe(g_unix_room);
    }
    UnixLock lock;
    uint32_t mask = 0;
    if (self->m_error) mask |= kError;
    if (self->m_shutdown == kShutdownMask) mask |= kHangUp;
    if (self->m_shutdown & kRecvShutdown) mask |= kPollRdHup | kIn | kReadNormal;
    if (!self->m_queue.empty() || self->m_backlog_count) mask |= kIn | kReadNormal;
    if (self->connection_oriented() && self->m_state == UnixSocket::State::kUnconnected)
        mask |= kHangUp;
    // Writable: what this socket has in flight is under a quarter of its
    // send buffer (Linux's unix_writable), and a datagram peer has room.
    bool writable;
    UnixSocket* peer = self->m_peer;
    if (self->m_state == UnixSocket::State::kListening) {
        writable = false;  // Linux 6.1: a listener is never writable
    } else if (self->m_type == kSockStream || self->m_type == kSockSeqPacket) {
        writable = !peer || peer->m_queue.charge() * 4 <= self->m_send_buffer;
        if (peer && (self->m_shutdown & kSendShutdown)) writable = true;
    } else {
        writable = !peer || peer->m_state == UnixSocket::State::kClosed ||
                   (peer->m_peer == self ? peer->m_queue.charge() * 4 <= self->m_send_buffer
                                         : peer->m_queue.count() <= kMaxDatagramQueue);
    }
    if (writable) mask |= kOut | kWriteNormal | kPollWrBand;
    return mask;
}

Result<int64_t> SocketFile::ioctl(uint32_t request, uint64_t arg) {
    if (request != kFionread) return Error::kNotTty;
    int n;
    {
        UnixLock lock;
        UnixSocket* self = m_socket;
        if (self->m_state == UnixSocket::State::kListening) return Error::kInvalid;
        if (self->m_type == kSockStream)
            n = int(self->m_queue.bytes());
        else
            n = self->m_queue.empty() ? 0 : int(self->m_queue.front()->length);
    }
    TRY(sys::copy_to_user(arg, &n, sizeof(n)));
    return int64_t(0);
}

void SocketFile::stat(FileStat& out) {
    out = FileStat{};
    out.device = kSocketDevice;
    out.inode = m_socket->m_serial;
    out.mode = mode_bits::kSocket | 0777;
    out.links = 1;
    out.block_size = 4096;
    auto c = proc::current_process()->resources.credentials();
    out.uid = c.uid.effective;
    out.gid = c.gid.effective;
}

bool SocketFile::bound() const {
    UnixLock lock;
    return m_socket->m_address.length != 0;
}

Result<void> SocketFile::bind(const UnixAddress& address, Inode* inode) {
    UnixSocket* self = m_socket;
    UnixLock lock;
    if (self->m_address.length) return Error::kInvalid;
    UnixAddress name = address;
    if (!inode && !name.named()) {
        // Autobind: "\0" and five hex digits, the first free one.
        for (uint32_t tries = 0;; ++tries) {
            if (tries > 0xfffff) return Error::kAddressInUse;
            uint32_t n = g_next_autobind++ & 0xfffff;
            name.bytes[UnixAddress::kPathOffset] = 0;
            for (int i = 0; i < 5; ++i)
                name.bytes[UnixAddress::kPathOffset + 1 + i] =
                    uint8_t("0123456789abcdef"[(n >> (4 * (4 - i))) & 0xf]);
            name.length = UnixAddress::kPathOffset + 6;
            SocketTarget t{nullptr, &name};
            if (!UnixSocket::find_locked(t, self->m_type)) break;
        }
    } else if (!inode) {
        SocketTarget t{nullptr, &name};
        if (UnixSocket::find_locked(t, self->m_type)) return Error::kAddressInUse;
    }
    self->m_address = name;
    if (inode) {
        inode->add_ref();
        self->m_inode = inode;
    }
    self->m_next_bound = g_bound;
    g_bound = self;
    return {};
}

Result<void> SocketFile::listen(int backlog) {
    UnixSocket* self = m_socket;
    if (self->m_type == kSockDgram) return Error::kNotSupported;
    const SocketCredentials creds = current_credentials();
    UnixLock lock;
    if (!self->m_address.length) return Error::kInvalid;
    if (self->m_state != UnixSocket::State::kUnconnected &&
        self->m_state != UnixSocket::State::kListening)
        return Error::kInvalid;
    if (uint32_t(backlog) > uint32_t(kMaxBacklog)) backlog = kMaxBacklog;
    self->m_backlog_max = size_t(backlog);
    self->m_state = UnixSocket::State::kListening;
    self->m_peer_credentials = creds;
    g_unix_room.notify();  // a larger backlog lets connectors in
    return {};
}

Result<void> SocketFile::connect(const SocketTarget& target, bool nonblock) {
    UnixSocket* self = m_socket;
    if (self->m_type == kSockDgram) {
        UnixLock lock;
        UnixSocket* other = UnixSocket::find_locked(target, self->m_type);
        if (!other) return Error::kConnectionRefused;
        if (other->m_type != self->m_type) return Error::kProtocolType;
        if (other->m_peer && other->m_peer != self) return Error::kPermission;
        other->add_ref();
        if (self->m_peer) self->m_peer->release_ref();
        self->m_peer = other;
        self->m_peer_credentials = SocketCredentials{};
        return {};
    }
    // The server end accept() will return, made before anything is looked
    // at (no allocation under the lock).
    UnixSocket* server = new_socket(self->m_type);
    if (!server) return Error::kNoMemory;
    const SocketCredentials creds = current_credentials();
    Garbage garbage;
    UnixLock lock;
    const proc::Deadline deadline = deadline_after(self->m_send_timeout_ns);
    bool expired = false;
    for (;;) {
        if (self->m_state == UnixSocket::State::kConnected) {
            server->release_ref();
            return Error::kIsConnected;
        }
        if (self->m_state != UnixSocket::State::kUnconnected) {
            server->release_ref();
            return Error::kInvalid;
        }
        UnixSocket* listener = UnixSocket::find_locked(target, self->m_type);
        Error refusal = Error::kConnectionRefused;
        if (listener && listener->m_type != self->m_type) refusal = Error::kProtocolType;
        if (!listener || listener->m_type != self->m_type ||
            listener->m_state != UnixSocket::State::kListening ||
            (listener->m_shutdown & kRecvShutdown)) {
            server->release_ref();
            return refusal;
        }
        if (listener->m_backlog_count > listener->m_backlog_max) {
            if (nonblock || expired) {
                server->release_ref();
                return Error::kAgain;
            }
            proc::WakeReason woke = g_unix_room.queue().wait(g_unix_lock, deadline);
            if (proc::wait_interrupted(woke)) {
                server->release_ref();
                return proc::interruption(woke);
            }
            expired = woke == proc::WakeReason::kTimedOut;
            continue;
        }
        pair_locked(self, server, creds, listener->m_peer_credentials);
        server->m_address = listener->m_address;
        server->m_send_buffer = listener->m_send_buffer;
        server->m_receive_buffer = listener->m_receive_buffer;
        // The backlog takes over the creation reference.
        if (listener->m_backlog_tail)
            listener->m_backlog_tail->m_next_pending = server;
        else
            listener->m_backlog_head = server;
        listener->m_backlog_tail = server;
        ++listener->m_backlog_count;
        listener->m_readable.notify();
        self->changed();
        return {};
    }
}

Result<void> SocketFile::disconnect() {
    UnixSocket* self = m_socket;
    UnixLock lock;
    if (self->m_type != kSockDgram) return {};
    if (self->m_peer) {
        self->m_peer->release_ref();
        self->m_peer = nullptr;
    }
    return {};
}

Result<DescriptionRef> SocketFile::accept(uint32_t flags, UnixAddress& peer) {
    UnixSocket* self = m_socket;
    if (self->m_type == kSockDgram) return Error::kNotSupported;
    // The description first, so that a connection is never taken and lost
    // for want of memory.
    auto* file = new (std::nothrow) SocketFile(nullptr, flags);
    if (!file) return Error::kNoMemory;
    DescriptionRef ref = DescriptionRef::adopt(file);
    const bool nonblock = nonblocking();
    UnixLock lock;
    const proc::Deadline deadline = deadline_after(self->m_receive_timeout_ns);
    bool expired = false;
    for (;;) {
        if (self->m_state != UnixSocket::State::kListening) {
            return Error::kInvalid;
        }
        if (UnixSocket* server = self->m_backlog_head) {
            self->m_backlog_head = server->m_next_pending;
            if (!self->m_backlog_head) self->m_backlog_tail = nullptr;
            server->m_next_pending = nullptr;
            --self->m_backlog_count;
            file->m_socket = server;  // the backlog's reference
            server->m_file = file;
            peer = server->m_peer ? server->m_peer->m_address : UnixAddress{};
            g_unix_room.notify();
            return ref;
        }
        if (nonblock || expired) return Error::kAgain;
        proc::WakeReason woke = self->m_readable.queue().wait(g_unix_lock, deadline);
        if (proc::wait_interrupted(woke)) return proc::interruption(woke);
        expired = woke == proc::WakeReason::kTimedOut;
    }
}

Result<void> SocketFile::shutdown(int how) {
    if (how < kShutRd || how > kShutRdWr) return Error::kInvalid;
    UnixSocket* self = m_socket;
    const uint32_t mode = uint32_t(how) + 1;  // SHUT_RD: receiving, SHUT_WR: sending
    UnixLock lock;
    self->m_shutdown |= mode;
    UnixSocket* peer = self->m_peer;
    if (peer && self->connection_oriented()) {
        // The other end stops sending what this one stops receiving.
        uint32_t peer_mode = 0;
        if (mode & kRecvShutdown) peer_mode |= kSendShutdown;
        if (mode & kSendShutdown) peer_mode |= kRecvShutdown;
        peer->m_shutdown |= peer_mode;
        peer->changed();
    }
    self->changed();
    return {};
}

UnixAddress SocketFile::name() const {
    UnixLock lock;
    UnixAddress a = m_socket->m_address;
    if (!a.length) a.length = UnixAddress::kPathOffset;  // unnamed: the family alone
    a.bytes[0] = uint8_t(kAfUnix);
    a.bytes[1] = 0;
    return a;
}

Result<UnixAddress> SocketFile::peer_name() const {
    UnixLock lock;
    UnixSocket* peer = m_socket->m_peer;
    if (!peer || m_socket->m_state == UnixSocket::State::kListening) return Error::kNotConnected;
    UnixAddress a = peer->m_address;
    if (!a.length) a.length = UnixAddress::kPathOffset;
    a.bytes[0] = uint8_t(kAfUnix);
    a.bytes[1] = 0;
    return a;
}

SocketCredentials SocketFile::peer_credentials() const {
    UnixLock lock;
    return m_socket->m_peer_credentials;
}

bool SocketFile::listening() const {
    UnixLock lock;
    return m_socket->m_state == UnixSocket::State::kListening;
}

int SocketFile::take_error() {
    UnixLock lock;
    int e = m_socket->m_error;
    m_socket->m_error = 0;
    return e;
}

uint32_t SocketFile::send_buffer() const {
    UnixLock lock;
    return m_socket->m_send_buffer;
}

uint32_t SocketFile::receive_buffer() const {
    UnixLock lock;
    return m_socket->m_receive_buffer;
}

// As Linux's sock_setsockopt: the request is capped, doubled (for the
// kernel's own overhead) and floored, and that is what getsockopt reports.
void SocketFile::set_send_buffer(uint32_t bytes) {
    uint32_t v = bytes < kMaxBufferRequest ? bytes : kMaxBufferRequest;
    v *= 2;
    if (v < kMinSendBuffer) v = kMinSendBuffer;
    UnixLock lock;
    m_socket->m_send_buffer = v;
    g_unix_room.notify();
}

void SocketFile::set_receive_buffer(uint32_t bytes) {
    uint32_t v = bytes < kMaxBufferRequest ? bytes : kMaxBufferRequest;
    v *= 2;
    if (v < kMinReceiveBuffer) v = kMinReceiveBuffer;
    UnixLock lock;
    m_socket->m_receive_buffer = v;
    g_unix_room.notify();
}

bool SocketFile::option(uint32_t bit) const {
    UnixLock lock;
    return m_socket->m_options & (1u << bit);
}

void SocketFile::set_option(uint32_t bit, bool on) {
    UnixLock lock;
    if (on)
        m_socket->m_options |= 1u << bit;
    else
        m_socket->m_options &= ~(1u << bit);
}

uint64_t SocketFile::timeout_ns(bool send) const {
    UnixLock lock;
    return send ? m_socket->m_send_timeout_ns : m_socket->m_receive_timeout_ns;
}

void SocketFile::set_timeout_ns(bool send, uint64_t ns) {
    UnixLock lock;
    (send ? m_socket->m_send_timeout_ns : m_socket->m_receive_timeout_ns) = ns;
}

void release_socket_reference(FileDescription* d) {
    bool last;
    {
        Garbage garbage;  // freed after the lock
        UnixLock lock;
        last = d->m_refs.drop();
        // A socket with references in flight lost one held elsewhere: it
        // (and what only it reaches) may be held from queues alone now.
        // Every drop is under the lock, so the description lives on here.
        UnixSocket* s = last ? nullptr : static_cast<SocketFile*>(d)->socket();
        if (s && g_unix_gc.in_flight(*s)) collect_locked(garbage);
    }
    if (last) d->destroy();
}

}  // namespace nyanos::fs
