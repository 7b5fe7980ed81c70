// Unix-domain sockets (AF_UNIX), with Linux 6.1's behaviour (man 7 unix):
// SOCK_STREAM, SOCK_DGRAM and SOCK_SEQPACKET; socketpair; names in the
// root tree (a socket inode) or in the abstract namespace (a first path
// byte of 0); listen/connect/accept; shutdown; SCM_RIGHTS.
//
// A SocketFile is the description a socket's descriptors share; it holds
// the socket proper (a reference-counted UnixSocket, which peers and a
// listener's backlog reference too). The description's last reference
// closes the socket: its peer sees the end of the stream (EPIPE for
// writes), its name is forgotten (a path's inode stays, as on Linux,
// until unlinked), and what it had received — in-flight descriptions
// included — is freed. A socket whose description only queues still hold
// (a socket sent into its own queue and closed, cycles of them) is found
// by the garbage collector (fs/unix_gc.h) and closed the same way.
//
// Every socket's state is guarded by one lock, `g_unix_lock`
// (docs/locking.md), never held across a user copy: a sender copies its
// bytes into a message before it takes the lock, and a reader copies out
// while holding the socket's reading turn (fs/socket_queue.h). Blocked
// readers and acceptors wait on the socket's own event; blocked senders
// and connectors on one shared "room" event that every read and accept
// fires (a sender's target may be any socket, and may go away meanwhile).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "fs/file_description.h"
#include "fs/socket_queue.h"
#include "nyanos/lib/result.h"

namespace nyanos::fs {

struct Inode;
class UnixSocket;

namespace socket_abi {
// Linux's values.
inline constexpr int kAfUnix = 1;
inline constexpr int kSockStream = 1, kSockDgram = 2, kSockRaw = 3, kSockSeqPacket = 5;
inline constexpr uint32_t kSockNonBlock = 04000, kSockCloexec = 02000000;
inline constexpr int kShutRd = 0, kShutWr = 1, kShutRdWr = 2;
inline constexpr uint32_t kPollRdHup = 0x2000, kPollWrBand = 0x200;
}  // namespace socket_abi

// Where a connect or a sendto is aimed: a name in the root tree (its
// inode) or an abstract name.
struct SocketTarget {
    Inode* inode = nullptr;                 // a path's socket inode
    const UnixAddress* abstract = nullptr;  // or an abstract name
};

struct SendOptions {
    const SocketTarget* to = nullptr;  // sendto/sendmsg with an address
    bool nonblock = false;
    // SCM_RIGHTS: `right_count` references to send (a new[] array the
    // call takes over, sent or not).
    DescriptionRef* rights = nullptr;
    uint32_t right_count = 0;
};

struct ReceiveOptions {
    bool nonblock = false;
    bool peek = false;
    bool wait_all = false;  // MSG_WAITALL (streams)
    // Out: the sender's address (length 0 when it had none), the whole
    // datagram's length (> the bytes returned: MSG_TRUNC), the
    // descriptions received (the caller takes the new[] array).
    UnixAddress from;
    size_t full_length = 0;
    DescriptionRef* rights = nullptr;
    uint32_t right_count = 0;
};

class SocketFile final : public FileDescription {
public:
    // socket(AF_UNIX, type, 0): a new unbound socket. `type` is one of
    // kSockStream, kSockDgram, kSockSeqPacket; `flags` may hold O_NONBLOCK.
    // ENOMEM.
    static Result<DescriptionRef> try_create(int type, uint32_t flags);
    // socketpair: two sockets connected to each other. ENOMEM.
    static Result<void> try_create_pair(int type, uint32_t flags, DescriptionRef& a,
                                        DescriptionRef& b);

    SocketFile* as_socket() override { return this; }
    int type() const;

    Result<size_t> read(IoBuffer& out) override;
    Result<size_t> write(IoBuffer& in) override;
    uint32_t poll(proc::PollWaiter* waiter) override;
    Result<int64_t> ioctl(uint32_t request, uint64_t arg) override;
    void stat(FileStat& out) override;

    Result<size_t> send(IoBuffer& in, SendOptions& options);
    Result<size_t> receive(IoBuffer& out, ReceiveOptions& options);

    // bind: whether the socket has a name already (EINVAL), checked
    // before a path is made for it.
    bool bound() const;
    // Names the socket `address` (a path whose socket inode the caller has
    // made, `inode`; or an abstract name, inode null; or, length 2, an
    // abstract name of its own, as Linux's autobind). EINVAL when bound,
    // EADDRINUSE for an abstract name taken.
    Result<void> bind(const UnixAddress& address, Inode* inode);
    Result<void> listen(int backlog);
    Result<void> connect(const SocketTarget& target, bool nonblock);
    // connect(AF_UNSPEC) on a datagram socket: forgets its peer.
    Result<void> disconnect();
    // A connection from the backlog, as a new description with `flags`
    // (O_NONBLOCK); its peer's address in `peer`.
    Result<DescriptionRef> accept(uint32_t flags, UnixAddress& peer);
    Result<void> shutdown(int how);
    UnixAddress name() const;
    Result<UnixAddress> peer_name() const;

    // Options (SOL_SOCKET).
    SocketCredentials peer_credentials() const;
    bool listening() const;
    // The pending error (SO_ERROR), cleared: 0 or an errno value.
    int take_error();
    uint32_t send_buffer() const;
    uint32_t receive_buffer() const;
    void set_send_buffer(uint32_t bytes);
    void set_receive_buffer(uint32_t bytes);
    // Boolean options kept and reported but with no effect here
    // (SO_REUSEADDR and the like): a bit each, chosen by the caller.
    bool option(uint32_t bit) const;
    void set_option(uint32_t bit, bool on);
    // SO_SNDTIMEO (`send`) and SO_RCVTIMEO: how long a blocked call waits
    // before EAGAIN (0: no limit). Receiving and accepting use the receive
    // timeout, sending and connecting the send one.
    uint64_t timeout_ns(bool send) const;
    void set_timeout_ns(bool send, uint64_t ns);

    // The socket proper (fs/unix_socket.kernel.cpp's own use).
    UnixSocket* socket() const { return m_socket; }

private:
    SocketFile(UnixSocket* socket, uint32_t flags);
    ~SocketFile() override;

    UnixSocket* m_socket;  // one reference
};

}  // namespace nyanos::fs
