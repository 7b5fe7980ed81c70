// Linux: the socket calls (syscall/linux_socket.h), with Linux 6.1's order
// of checks (net/socket.c, net/core/sock.c, net/core/scm.c): flags, the
// descriptor (EBADF, ENOTSOCK), the user structures (EINVAL, EFAULT),
// then the socket's own answer (fs/unix_socket.h).
#include "syscall/linux_socket.h"

#include <new>
#include <string.h>

#include "fs/file_description.h"
#include "fs/inode.h"
#include "fs/unix_socket.h"
#include "fs/files.h"
#include "fs/vfs.h"
#include "proc/process.h"
#include "proc/scheduler.h"
#include "proc/signal_hooks.h"
#include "syscall/file_support.h"
#include "syscall/iovec_copy.h"
#include "syscall/linux_abi.h"
#include "syscall/user_memory.h"

namespace nyanos::sys::linux_net {

namespace {

using fs::DescriptionRef;
using fs::IoBuffer;
using fs::SocketFile;
using fs::UnixAddress;
using namespace fs::socket_abi;

constexpr int kSockTypeMask = 0xf;
constexpr int kNProto = 46;   // NPROTO: families are below it
constexpr int kSockMax = 11;  // SOCK_MAX: types are below it
constexpr size_t kSockaddrStorage = 128;
constexpr int kSolSocket = 1;
constexpr int kScmRights = 1, kScmCredentials = 2;
constexpr uint32_t kScmMaxFd = 253;
constexpr size_t kOptMemMax = 20480;  // net.core.optmem_max: the largest control buffer
constexpr size_t kCmsgHeader = 16;    // sizeof(struct cmsghdr)

constexpr uint32_t kMsgOob = 0x1, kMsgPeek = 0x2, kMsgCtrunc = 0x8, kMsgTrunc = 0x20,
                   kMsgDontWait = 0x40, kMsgWaitAll = 0x100, kMsgNoSignal = 0x4000,
                   kMsgCmsgCloexec = 0x40000000;

// SOL_SOCKET options.
constexpr int kSoReuseAddr = 2, kSoType = 3, kSoError = 4, kSoBroadcast = 6, kSoSndBuf = 7,
              kSoRcvBuf = 8, kSoKeepAlive = 9, kSoPassCred = 16, kSoPeerCred = 17,
              kSoReusePort = 15, kSoRcvTimeo = 20, kSoSndTimeo = 21, kSoAcceptConn = 30,
              kSoProtocol = 38, kSoDomain = 39;

// struct timeval, what SO_RCVTIMEO and SO_SNDTIMEO take and report.
struct TimeVal {
    int64_t seconds;
    int64_t microseconds;
};

size_t align8(size_t n) {
    return (n + 7) & ~size_t(7);
}

// The socket behind `fd` (its description, held for the call): EBADF,
// ENOTSOCK.
Result<DescriptionRef> socket_of(int fd) {
    DescriptionRef file = TRY(file_of(fd));
    if (!file->as_socket()) return Error::kNotSocket;
    return file;
}

// A user address copied in, as move_addr_to_kernel: EINVAL beyond
// sockaddr_storage, EFAULT.
Result<void> copy_address(uint64_t user, int64_t length, UnixAddress& out, uint8_t* raw) {
    if (length < 0 || size_t(length) > kSockaddrStorage) return Error::kInvalid;
    if (length) TRY(copy_from_user(raw, user, size_t(length)));
    out.length = uint32_t(length);
    return {};
}

// unix_validate_addr: a family of AF_UNIX and a path byte at least.
Result<void> validate(const uint8_t* raw, size_t length) {
    if (length <= UnixAddress::kPathOffset || length > UnixAddress::kMaxLength)
        return Error::kInvalid;
    if (raw[0] != kAfUnix || raw[1] != 0) return Error::kInvalid;
    return {};
}

// A path name's text (NUL-terminated within `length`, as unix_mkname_bsd
// cuts it) into `path` (kMaxLength + 1 bytes); the address Linux reports
// for it (the family, the path and its NUL) into `address`.
void path_of(const uint8_t* raw, size_t length, char* path, UnixAddress& address) {
    size_t n = 0;
    while (UnixAddress::kPathOffset + n < length && raw[UnixAddress::kPathOffset + n]) {
        path[n] = char(raw[UnixAddress::kPathOffset + n]);
        ++n;
    }
    path[n] = 0;
    address = UnixAddress{};
    address.bytes[0] = uint8_t(kAfUnix);
    memcpy(address.bytes + UnixAddress::kPathOffset, path, n);
    address.length = uint32_t(UnixAddress::kPathOffset + n + 1);
    if (address.length > UnixAddress::kMaxLength) address.length = UnixAddress::kMaxLength;
}

// Where a connect or sendto is aimed (the target names `abstract` or
// holds `inode`): ENOENT and the lookup's other errors for a path,
// ECONNREFUSED for a node that is not a socket.
Result<fs::SocketTarget> target_of(const uint8_t* raw, size_t length, UnixAddress& abstract,
                                   fs::InodeRef& inode) {
    TRY(validate(raw, length));
    fs::SocketTarget target;
    if (raw[UnixAddress::kPathOffset] == 0) {
        abstract = UnixAddress{};
        memcpy(abstract.bytes, raw, length);
        abstract.length = uint32_t(length);
        target.abstract = &abstract;
        return target;
    }
    char path[UnixAddress::kMaxLength + 1];
    UnixAddress ignored;
    path_of(raw, length, path, ignored);
    fs::Node node = TRY(fs::vfs().resolve(lookup_context(), fs::Node{}, path, true));
    if (!node.inode || node.inode->type != fs::NodeType::kSocket) return Error::kConnectionRefused;
    inode = node.inode;
    target.inode = inode.get();
    return target;
}

// move_addr_to_user: the address, cut to the caller's length, and its
// whole length back. EINVAL for a negative length, EFAULT.
Result<void> store_address(const UnixAddress& address, uint64_t user, uint64_t user_length) {
    int32_t length;
    TRY(copy_from_user(&length, user_length, sizeof(length)));
    int32_t n = length > int32_t(address.length) ? int32_t(address.length) : length;
    if (n < 0) return Error::kInvalid;
    if (n) TRY(copy_to_user(user, address.bytes, size_t(n)));
    int32_t full = int32_t(address.length);
    return copy_to_user(user_length, &full, sizeof(full));
}

Result<int> install(DescriptionRef file, uint32_t flags) {
    return current_files().install(static_cast<DescriptionRef&&>(file), flags & kSockCloexec, 0,
                                   fd_limit());
}

// socket(2)'s family, type and protocol, as __sock_create and unix_create
// check them. Only AF_UNIX exists.
Result<int> check_socket_args(int64_t family, int64_t type_and_flags, int64_t protocol,
                              uint32_t& flags) {
    const int type = int(type_and_flags) & kSockTypeMask;
    flags = uint32_t(type_and_flags) & ~uint32_t(kSockTypeMask);
    if (flags & ~(kSockCloexec | kSockNonBlock)) return Error::kInvalid;
    if (int(family) < 0 || int(family) >= kNProto) return Error::kFamilyNotSupported;
    if (type < 0 || type >= kSockMax) return Error::kInvalid;
    if (int(family) != kAfUnix) return Error::kFamilyNotSupported;
    if (protocol != 0 && protocol != kAfUnix) return Error::kProtocolNotSupported;
    switch (type) {
        case kSockStream:
        case kSockDgram:
        case kSockSeqPacket:
            return type;
        case kSockRaw:
            return kSockDgram;  // Linux takes SOCK_RAW as SOCK_DGRAM
        default:
            return Error::kSocketTypeNotSupported;
    }
}

Result<int> do_socket(int64_t family, int64_t type_and_flags, int64_t protocol) {
    uint32_t flags;
    int type = TRY(check_socket_args(family, type_and_flags, protocol, flags));
    DescriptionRef file = TRY(SocketFile::try_create(type, flags & kSockNonBlock));
    return install(static_cast<DescriptionRef&&>(file), flags);
}

Result<void> do_socketpair(int64_t family, int64_t type_and_flags, int64_t protocol,
                           uint64_t user_fds) {
    uint32_t flags;
    int type = TRY(check_socket_args(family, type_and_flags, protocol, flags));
    DescriptionRef a, b;
    TRY(SocketFile::try_create_pair(type, flags & kSockNonBlock, a, b));
    return install_pair_for_user(static_cast<DescriptionRef&&>(a), static_cast<DescriptionRef&&>(b),
                                 flags & kSockCloexec, user_fds);
}

Result<void> do_bind(int fd, uint64_t user_address, int64_t length) {
    DescriptionRef file = TRY(socket_of(fd));
    SocketFile& s = *file->as_socket();
    uint8_t raw[kSockaddrStorage] = {};
    UnixAddress given;
    TRY(copy_address(user_address, length, given, raw));
    if (length == int64_t(UnixAddress::kPathOffset) && raw[0] == kAfUnix && raw[1] == 0)
        return s.bind(UnixAddress{}, nullptr);  // autobind
    TRY(validate(raw, size_t(length)));
    if (raw[UnixAddress::kPathOffset] == 0) {
        UnixAddress abstract;
        memcpy(abstract.bytes, raw, size_t(length));
        abstract.length = uint32_t(length);
        return s.bind(abstract, nullptr);
    }
    char path[UnixAddress::kMaxLength + 1];
    UnixAddress address;
    path_of(raw, size_t(length), path, address);
    auto made = linux_fs::make_socket_node(path);
    if (!made.ok()) return made.error() == Error::kExists ? Error::kAddressInUse : made.error();
    fs::InodeRef inode = static_cast<fs::InodeRef&&>(made.value());
    auto bound = s.bind(address, inode.get());
    if (!bound.ok()) linux_fs::remove_socket_node(path);
    return bound;
}

Result<void> do_listen(int fd, int backlog) {
    DescriptionRef file = TRY(socket_of(fd));
    return file->as_socket()->listen(backlog);
}

Result<void> do_connect(int fd, uint64_t user_address, int64_t length) {
    DescriptionRef file = TRY(socket_of(fd));
    SocketFile& s = *file->as_socket();
    uint8_t raw[kSockaddrStorage] = {};
    UnixAddress given;
    TRY(copy_address(user_address, length, given, raw));
    if (s.type() == kSockDgram && length >= 2 && raw[0] == 0 && raw[1] == 0)
        return s.disconnect();  // AF_UNSPEC
    UnixAddress abstract;
    fs::InodeRef inode;
    fs::SocketTarget target = TRY(target_of(raw, size_t(length), abstract, inode));
    return s.connect(target, file->nonblocking());
}

Result<int> do_accept(int fd, uint64_t user_address, uint64_t user_length, uint64_t flags) {
    if (flags & ~uint64_t(kSockCloexec | kSockNonBlock)) return Error::kInvalid;
    DescriptionRef file = TRY(socket_of(fd));
    UnixAddress peer;
    DescriptionRef accepted = TRY(file->as_socket()->accept(uint32_t(flags) & kSockNonBlock, peer));
    if (user_address) {
        if (!peer.length) peer.length = UnixAddress::kPathOffset;
        peer.bytes[0] = uint8_t(kAfUnix);
        TRY(store_address(peer, user_address, user_length));
    }
    return install(static_cast<DescriptionRef&&>(accepted), uint32_t(flags));
}

Result<void> do_getname(int fd, uint64_t user_address, uint64_t user_length, bool peer) {
    DescriptionRef file = TRY(socket_of(fd));
    SocketFile& s = *file->as_socket();
    UnixAddress a = peer ? TRY(s.peer_name()) : s.name();
    return store_address(a, user_address, user_length);
}

// SCM_RIGHTS and friends from a sendmsg's control buffer (__scm_send):
// the descriptions to send (a new[] array), EINVAL for a malformed
// header, too many descriptors or an unknown type, EBADF.
Result<void> parse_control(uint64_t user_control, size_t length, DescriptionRef*& rights,
                           uint32_t& count) {
    rights = nullptr;
    count = 0;
    if (length == 0) return {};
    if (length > kOptMemMax) return Error::kNoBufferSpace;
    auto* buffer = new (std::nothrow) uint8_t[length];
    if (!buffer) return Error::kNoBufferSpace;
    struct Free {
        uint8_t* p;
        ~Free() { delete[] p; }
    } free_buffer{buffer};
    TRY(copy_from_user(buffer, user_control, length));
    int fds[kScmMaxFd];
    uint32_t nfds = 0;
    for (size_t at = 0; at + kCmsgHeader <= length;) {
        uint64_t cmsg_len;
        int32_t level, type;
        memcpy(&cmsg_len, buffer + at, 8);
        memcpy(&level, buffer + at + 8, 4);
        memcpy(&type, buffer + at + 12, 4);
        if (cmsg_len < kCmsgHeader || cmsg_len > length - at) return Error::kInvalid;
        if (level == kSolSocket) {
            if (type == kScmRights) {
                size_t n = (cmsg_len - kCmsgHeader) / sizeof(int);
                if (n > kScmMaxFd || nfds + n > kScmMaxFd) return Error::kInvalid;
                memcpy(fds + nfds, buffer + at + kCmsgHeader, n * sizeof(int));
                nfds += uint32_t(n);
            } else if (type == kScmCredentials) {
                // Accepted (a struct ucred naming the sender itself), not
                // passed on: no receiver here asks for them (SO_PASSCRED).
                if (cmsg_len != kCmsgHeader + 12) return Error::kInvalid;
                int32_t pid;
                memcpy(&pid, buffer + at + kCmsgHeader, 4);
                if (pid != proc::current_process()->pid) return Error::kPermission;
            } else {
                return Error::kInvalid;
            }
        }
        size_t next = at + align8(size_t(cmsg_len));
        if (next <= at) break;
        at = next;
    }
    if (nfds == 0) return {};
    auto* refs = new (std::nothrow) DescriptionRef[nfds];
    if (!refs) return Error::kNoMemory;
    for (uint32_t i = 0; i < nfds; ++i) {
        auto got = file_of(fds[i]);
        if (!got.ok()) {
            delete[] refs;
            return got.error();
        }
        refs[i] = static_cast<DescriptionRef&&>(got.value());
    }
    rights = refs;
    count = nfds;
    return {};
}

Result<size_t> do_send(int fd, IoBuffer& data, uint32_t flags, uint64_t user_address,
                       int64_t address_length, uint64_t user_control, size_t control_length) {
    DescriptionRef file = TRY(socket_of(fd));
    SocketFile& s = *file->as_socket();
    uint8_t raw[kSockaddrStorage] = {};
    UnixAddress given;
    if (user_address && address_length) TRY(copy_address(user_address, address_length, given, raw));
    fs::SendOptions options;
    TRY(parse_control(user_control, control_length, options.rights, options.right_count));
    struct DropRights {
        fs::SendOptions& o;
        ~DropRights() { fs::free_rights(o.rights, o.right_count); }
    } drop{options};
    if (flags & kMsgOob) return Error::kNotSupported;
    UnixAddress abstract;
    fs::InodeRef inode;
    fs::SocketTarget target;
    if (user_address && address_length) {
        if (s.type() == kSockStream) {
            // Linux's unix_stream_sendmsg: no address on a stream.
            return s.peer_name().ok() ? Error::kIsConnected : Error::kNotSupported;
        }
        if (s.type() == kSockDgram) {
            target = TRY(target_of(raw, size_t(address_length), abstract, inode));
            options.to = &target;
        }
    }
    options.nonblock = file->nonblocking() || (flags & kMsgDontWait);
    auto r = s.send(data, options);
    if (!r.ok() && r.error() == Error::kBrokenPipe && !(flags & kMsgNoSignal) &&
        s.type() == kSockStream)
        proc::raise_sigpipe_for_current();
    return r;
}

// What a receive hands back besides the bytes.
struct Received {
    UnixAddress from;
    uint32_t msg_flags = 0;
    uint64_t control_used = 0;
};

// The descriptions received, installed and described in the caller's
// control buffer (scm_detach_fds): as many as fit, MSG_CTRUNC when some
// did not (those are closed).
Result<void> deliver_rights(DescriptionRef* rights, uint32_t count, uint64_t user_control,
                            size_t control_length, bool cloexec, Received& out) {
    if (!count) return {};
    struct Free {
        DescriptionRef* r;
        uint32_t n;
        ~Free() { fs::free_rights(r, n); }
    } free_rights_later{rights, count};
    size_t room = control_length >= kCmsgHeader ? (control_length - kCmsgHeader) / sizeof(int) : 0;
    if (room == 0) {
        out.msg_flags |= kMsgCtrunc;
        return {};
    }
    uint32_t n = count < room ? count : uint32_t(room);
    int fds[kScmMaxFd];
    uint32_t installed = 0;
    for (; installed < n; ++installed) {
        auto fd = current_files().install(static_cast<DescriptionRef&&>(rights[installed]), cloexec,
                                          0, fd_limit());
        if (!fd.ok()) break;
        fds[installed] = fd.value();
    }
    if (installed < count) out.msg_flags |= kMsgCtrunc;
    if (installed == 0) return {};
    uint8_t header[kCmsgHeader];
    uint64_t cmsg_len = kCmsgHeader + installed * sizeof(int);
    int32_t level = kSolSocket, type = kScmRights;
    memcpy(header, &cmsg_len, 8);
    memcpy(header + 8, &level, 4);
    memcpy(header + 12, &type, 4);
    auto stored = copy_to_user(user_control, header, kCmsgHeader);
    if (stored.ok())
        stored = copy_to_user(user_control + kCmsgHeader, fds, installed * sizeof(int));
    if (!stored.ok()) {
        for (uint32_t i = 0; i < installed; ++i) (void)current_files().close(fds[i]);
        return stored.error();
    }
    size_t space = align8(size_t(cmsg_len));
    out.control_used = space < control_length ? space : control_length;
    return {};
}

Result<size_t> do_receive(int fd, IoBuffer& data, uint32_t flags, uint64_t user_control,
                          size_t control_length, Received& out) {
    DescriptionRef file = TRY(socket_of(fd));
    SocketFile& s = *file->as_socket();
    if (flags & kMsgOob) return Error::kNotSupported;
    fs::ReceiveOptions options;
    options.nonblock = file->nonblocking() || (flags & kMsgDontWait);
    options.peek = flags & kMsgPeek;
    options.wait_all = flags & kMsgWaitAll;
    size_t n = TRY(s.receive(data, options));
    out.from = options.from;
    size_t result = n;
    if (s.type() != kSockStream && options.full_length > n) {
        out.msg_flags |= kMsgTrunc;
        if (flags & kMsgTrunc) result = options.full_length;
    }
    TRY(deliver_rights(options.rights, options.right_count, user_control, control_length,
                       flags & kMsgCmsgCloexec, out));
    return result;
}

// The user buffer of a send or receive: EFAULT outside the user half.
Result<IoBuffer> user_buffer(uint64_t address, size_t length) {
    if (length > kMaxTransfer) length = kMaxTransfer;
    if (!is_user_range(address, length)) return Error::kFault;
    return IoBuffer::user(address, length);
}

Result<size_t> do_sendto(int fd, uint64_t buffer, size_t length, uint32_t flags,
                         uint64_t user_address, int64_t address_length) {
    IoBuffer in = TRY(user_buffer(buffer, length));
    return do_send(fd, in, flags, user_address, user_address ? address_length : 0, 0, 0);
}

Result<size_t> do_recvfrom(int fd, uint64_t buffer, size_t length, uint32_t flags,
                           uint64_t user_address, uint64_t user_length) {
    IoBuffer out = TRY(user_buffer(buffer, length));
    Received got;
    size_t n = TRY(do_receive(fd, out, flags, 0, 0, got));
    if (user_address) TRY(store_address(got.from, user_address, user_length));
    return n;
}

// struct msghdr (x86_64).
struct MessageHeader {
    uint64_t name;
    int32_t name_length;
    uint32_t pad;
    uint64_t iov;
    uint64_t iov_length;
    uint64_t control;
    uint64_t control_length;
    int32_t flags;
    uint32_t pad2;
};
static_assert(sizeof(MessageHeader) == 56);

Result<size_t> do_sendmsg(int fd, uint64_t user_header, uint32_t flags) {
    TRY(socket_of(fd));
    MessageHeader h;
    TRY(copy_from_user(&h, user_header, sizeof(h)));
    if (h.iov_length > uint64_t(linux_abi::kIovMax)) return Error::kMessageSize;
    if (h.name && h.name_length < 0) return Error::kInvalid;
    if (h.control_length > 0x7fffffff) return Error::kNoBufferSpace;
    int64_t name_length = h.name ? h.name_length : 0;
    if (name_length > int64_t(kSockaddrStorage)) name_length = kSockaddrStorage;
    IovecCopy v;
    TRY(v.import(h.iov, h.iov_length));
    IoBuffer in = v.buffer();
    return do_send(fd, in, flags, h.name, name_length, h.control, size_t(h.control_length));
}

Result<size_t> do_recvmsg(int fd, uint64_t user_header, uint32_t flags) {
    TRY(socket_of(fd));
    MessageHeader h;
    TRY(copy_from_user(&h, user_header, sizeof(h)));
    if (h.iov_length > uint64_t(linux_abi::kIovMax)) return Error::kMessageSize;
    if (h.control_length > 0x7fffffff) return Error::kNoBufferSpace;
    IovecCopy v;
    TRY(v.import(h.iov, h.iov_length));
    IoBuffer out = v.buffer();
    Received got;
    got.msg_flags = flags & kMsgCmsgCloexec;
    size_t n = TRY(do_receive(fd, out, flags, h.control, size_t(h.control_length), got));
    // Without a name buffer, msg_namelen is left as it was (as Linux).
    if (h.name)
        TRY(store_address(got.from, h.name, user_header + offsetof(MessageHeader, name_length)));
    uint64_t used = got.control_used;
    TRY(copy_to_user(user_header + offsetof(MessageHeader, control_length), &used, 8));
    int32_t msg_flags = int32_t(got.msg_flags);
    TRY(copy_to_user(user_header + offsetof(MessageHeader, flags), &msg_flags, 4));
    return n;
}

Result<void> do_shutdown(int fd, int how) {
    DescriptionRef file = TRY(socket_of(fd));
    return file->as_socket()->shutdown(how);
}

Result<void> do_getsockopt(int fd, int level, int name, uint64_t user_value, uint64_t user_length) {
    DescriptionRef file = TRY(socket_of(fd));
    SocketFile& s = *file->as_socket();
    if (level != kSolSocket) return Error::kNotSupported;
    int32_t length;
    TRY(copy_from_user(&length, user_length, sizeof(length)));
    if (length < 0) return Error::kInvalid;
    int32_t value = 0;
    const void* src = &value;
    size_t size = sizeof(value);
    fs::SocketCredentials creds;
    TimeVal tv;
    switch (name) {
        case kSoRcvTimeo:
        case kSoSndTimeo: {
            uint64_t ns = s.timeout_ns(name == kSoSndTimeo);
            tv = TimeVal{int64_t(ns / 1'000'000'000), int64_t(ns % 1'000'000'000 / 1000)};
            src = &tv;
            size = sizeof(tv);
            break;
        }
        case kSoType:
            value = s.type();
            break;
        case kSoDomain:
            value = kAfUnix;
            break;
        case kSoProtocol:
            value = 0;
            break;
        case kSoError:
            value = s.take_error();
            break;
        case kSoAcceptConn:
            value = s.listening();
            break;
        case kSoSndBuf:
            value = int32_t(s.send_buffer());
            break;
        case kSoRcvBuf:
            value = int32_t(s.receive_buffer());
            break;
        case kSoReuseAddr:
        case kSoReusePort:
        case kSoKeepAlive:
        case kSoBroadcast:
        case kSoPassCred:
            value = s.option(uint32_t(name));
            break;
        case kSoPeerCred:
            creds = s.peer_credentials();
            src = &creds;
            size = sizeof(creds);
            break;
        default:
            return Error::kNoProtocolOption;
    }
    static_assert(sizeof(fs::SocketCredentials) == 12);
    size_t n = size_t(length) < size ? size_t(length) : size;
    if (n) TRY(copy_to_user(user_value, src, n));
    int32_t written = int32_t(n);
    return copy_to_user(user_length, &written, sizeof(written));
}

Result<void> do_setsockopt(int fd, int level, int name, uint64_t user_value, int64_t length) {
    DescriptionRef file = TRY(socket_of(fd));
    SocketFile& s = *file->as_socket();
    if (level != kSolSocket) return Error::kNotSupported;
    if (name == kSoRcvTimeo || name == kSoSndTimeo) {
        // sock_set_timeout: {0, 0} is no limit; a negative time, none
        // left (the next blocked call gives up at once).
        if (int32_t(length) < int32_t(sizeof(TimeVal))) return Error::kInvalid;
        TimeVal tv;
        TRY(copy_from_user(&tv, user_value, sizeof(tv)));
        if (tv.microseconds < 0 || tv.microseconds >= 1'000'000) return Error::kDomain;
        uint64_t ns;
        if (tv.seconds < 0)
            ns = 1;
        else if (uint64_t(tv.seconds) > UINT64_MAX / 2'000'000'000)
            ns = 0;  // beyond any wait: no limit
        else
            ns = uint64_t(tv.seconds) * 1'000'000'000 + uint64_t(tv.microseconds) * 1000;
        s.set_timeout_ns(name == kSoSndTimeo, ns);
        return {};
    }
    if (int32_t(length) < int32_t(sizeof(int32_t))) return Error::kInvalid;
    int32_t value;
    TRY(copy_from_user(&value, user_value, sizeof(value)));
    switch (name) {
        case kSoSndBuf:
            s.set_send_buffer(uint32_t(value));
            return {};
        case kSoRcvBuf:
            s.set_receive_buffer(uint32_t(value));
            return {};
        case kSoReuseAddr:
        case kSoReusePort:
        case kSoKeepAlive:
        case kSoBroadcast:
        case kSoPassCred:
            s.set_option(uint32_t(name), value != 0);
            return {};
        default:
            return Error::kNoProtocolOption;
    }
}

}  // namespace

int64_t socket(SyscallFrame& f) {
    return result_of(
        do_socket(int64_t(int32_t(f.rdi)), int64_t(int32_t(f.rsi)), int64_t(int32_t(f.rdx))));
}

int64_t socketpair(SyscallFrame& f) {
    return result_of(do_socketpair(int64_t(int32_t(f.rdi)), int64_t(int32_t(f.rsi)),
                                   int64_t(int32_t(f.rdx)), f.r10));
}

int64_t bind(SyscallFrame& f) {
    return result_of(do_bind(int(f.rdi), f.rsi, int64_t(int32_t(f.rdx))));
}

int64_t listen(SyscallFrame& f) {
    return result_of(do_listen(int(f.rdi), int(f.rsi)));
}

int64_t connect(SyscallFrame& f) {
    return result_of(do_connect(int(f.rdi), f.rsi, int64_t(int32_t(f.rdx))));
}

int64_t accept(SyscallFrame& f) {
    return result_of(do_accept(int(f.rdi), f.rsi, f.rdx, 0));
}

int64_t accept4(SyscallFrame& f) {
    return result_of(do_accept(int(f.rdi), f.rsi, f.rdx, uint32_t(f.r10)));
}

int64_t getsockname(SyscallFrame& f) {
    return result_of(do_getname(int(f.rdi), f.rsi, f.rdx, false));
}

int64_t getpeername(SyscallFrame& f) {
    return result_of(do_getname(int(f.rdi), f.rsi, f.rdx, true));
}

int64_t sendto(SyscallFrame& f) {
    return result_of(
        do_sendto(int(f.rdi), f.rsi, size_t(f.rdx), uint32_t(f.r10), f.r8, int64_t(int32_t(f.r9))));
}

int64_t recvfrom(SyscallFrame& f) {
    return result_of(do_recvfrom(int(f.rdi), f.rsi, size_t(f.rdx), uint32_t(f.r10), f.r8, f.r9));
}

int64_t sendmsg(SyscallFrame& f) {
    return result_of(do_sendmsg(int(f.rdi), f.rsi, uint32_t(f.rdx)));
}

int64_t recvmsg(SyscallFrame& f) {
    return result_of(do_recvmsg(int(f.rdi), f.rsi, uint32_t(f.rdx)));
}

int64_t shutdown(SyscallFrame& f) {
    return result_of(do_shutdown(int(f.rdi), int(f.rsi)));
}

int64_t getsockopt(SyscallFrame& f) {
    return result_of(do_getsockopt(int(f.rdi), int(f.rsi), int(f.rdx), f.r10, f.r8));
}

int64_t setsockopt(SyscallFrame& f) {
    return result_of(
        do_setsockopt(int(f.rdi), int(f.rsi), int(f.rdx), f.r10, int64_t(int32_t(f.r8))));
}

}  // namespace nyanos::sys::linux_net
