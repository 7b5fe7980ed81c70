// SocketQueue: what a Unix-domain socket has received and not yet read —
// a FIFO of SocketMessages, each a datagram, a SOCK_SEQPACKET record, or
// a piece of a byte stream, with the address and credentials of its
// sender and the descriptions it carries (SCM_RIGHTS).
//
// Not locked itself. The socket layer (fs/unix_socket.kernel.cpp) changes
// the queue (push, consume, take_all) under its lock and copies bytes out
// (copy_out) without it, so that no user copy runs under a spinlock. That
// is safe because only one reader at a time holds the socket's reading
// turn, and only it consumes: the `count` messages it saw under the lock
// stay where they are, and a sender only appends after them (touching the
// last one's link, which copy_out never reads: it walks count - 1 links).
//
// Messages leave the queue as a list the caller frees with free_messages
// *after* letting go of its lock: freeing drops the in-flight descriptions'
// references, and a description's release may close another socket, which
// takes that lock.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "fs/file_description.h"
#include "fs/io_buffer.h"
#include "nyanos/lib/result.h"

namespace nyanos::fs {

// A socket address as Linux's struct sockaddr_un carries it: the family
// (AF_UNIX) then up to 108 bytes of path; `length` is the address length
// Linux reports (0: no address; 2: unnamed; 3..110 a path with its NUL or
// an abstract name, whose first path byte is 0).
struct UnixAddress {
    static constexpr size_t kMaxLength = 110;  // sizeof(struct sockaddr_un)
    static constexpr size_t kPathOffset = 2;   // offsetof(sockaddr_un, sun_path)
    uint32_t length = 0;
    uint8_t bytes[kMaxLength] = {};
    bool named() const { return length > kPathOffset; }
    bool abstract() const { return named() && bytes[kPathOffset] == 0; }
};

// The sender's identity, as SO_PEERCRED and SCM_CREDENTIALS report it
// (Linux's struct ucred).
struct SocketCredentials {
    int32_t pid = 0;
    uint32_t uid = 0xffffffff;
    uint32_t gid = 0xffffffff;
};

struct SocketMessage {
    SocketMessage* next = nullptr;
    size_t length = 0;    // payload bytes
    size_t consumed = 0;  // a stream piece: bytes already read from its front
    UnixAddress sender;
    SocketCredentials credentials;
    // In-flight descriptions (SCM_RIGHTS): `right_count` references, owned.
    DescriptionRef* rights = nullptr;
    uint32_t right_count = 0;

    uint8_t* data() { return reinterpret_cast<uint8_t*>(this + 1); }
    const uint8_t* data() const { return reinterpret_cast<const uint8_t*>(this + 1); }
    size_t unread() const { return length - consumed; }

    // A message with room for `length` payload bytes (uninitialised), in
    // one heap block; nullptr when memory is short.
    static SocketMessage* try_create(size_t length);
    // Takes over `count` references in `refs` (a heap array of `count`
    // DescriptionRefs from new[], or nullptr for none).
    void attach_rights(DescriptionRef* refs, uint32_t count) {
        rights = refs;
        right_count = count;
    }
    // Hands the rights to the caller (receiving them), leaving none.
    DescriptionRef* take_rights(uint32_t& count) {
        DescriptionRef* r = rights;
        count = right_count;
        rights = nullptr;
        right_count = 0;
        return r;
    }
    // Frees the message and drops the rights it still carries.
    void destroy();

private:
    SocketMessage() = default;
    ~SocketMessage() = default;
};

// Frees every message of a `next`-linked list (see the header comment for
// when), and the socket queues that frees in turn, iteratively: however
// deep sockets sit in flight inside sockets, the stack stays one call deep.
void free_messages(SocketMessage* list);
// Drops an array of rights taken from a message (and frees the array).
void free_rights(DescriptionRef* rights, uint32_t count);

class SocketQueue {
public:
    // What a message costs against the receive buffer beyond its payload
    // (Linux charges each datagram's buffer overhead too, so empty
    // datagrams cannot pile up without limit).
    static constexpr size_t kOverhead = 256;

    SocketQueue() = default;
    SocketQueue(const SocketQueue&) = delete;
    SocketQueue& operator=(const SocketQueue&) = delete;
    // The owner empties it first (take_all).
    ~SocketQueue() = default;

    bool empty() const { return m_count == 0; }
    size_t count() const { return m_count; }
    // Unread payload bytes (FIONREAD for a stream).
    size_t bytes() const { return m_bytes; }
    // What the queue holds against its buffer limit: payload + overhead.
    size_t charge() const { return m_bytes + m_count * kOverhead; }
    SocketMessage* front() const { return m_head; }

    // Appends `message` (owned from now on).
    void push(SocketMessage* message);

    // Stream reading: copies up to `want` unread bytes from the front of
    // the first `count` messages into out[at..], stopping after a message
    // that carries rights and before one that carries rights when bytes
    // were copied already (so each read hands over at most one set of
    // descriptions, with the bytes sent with them, as Linux's). Returns
    // the bytes copied (a fault after some bytes returns those). Run by the
    // reading turn's holder, without the lock.
    Result<size_t> copy_stream(IoBuffer& out, size_t at, size_t want, size_t count) const;
    // Consumes `bytes` from the front of the stream (under the lock, after
    // copy_stream); returns the messages now fully read, to free after
    // unlocking. The rights of the first message it reads from that
    // carries some move to `rights` (left alone when there are none), as
    // Linux hands them over with the first read that reaches them.
    SocketMessage* consume_stream(size_t bytes, DescriptionRef*& rights, uint32_t& right_count);
    // Datagrams: removes the first message and returns it (the reader
    // frees it). nullptr when empty.
    SocketMessage* pop();
    // Everything, as a list (closing).
    SocketMessage* take_all();

    // f(const DescriptionRef&) for every description in flight in the
    // queue (under the lock: the garbage collector's walk, fs/unix_gc.h).
    template <typename F>
    void for_each_right(F&& f) const {
        for (const SocketMessage* m = m_head; m; m = m->next)
            for (uint32_t i = 0; i < m->right_count; ++i) f(m->rights[i]);
    }

private:
    SocketMessage* m_head = nullptr;
    SocketMessage* m_tail = nullptr;
    size_t m_count = 0;
    size_t m_bytes = 0;
};

}  // namespace nyanos::fs
