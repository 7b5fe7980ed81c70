// FileDescription: an open file description (Linux's struct file). What an
// open() creates and every descriptor that refers to it shares — through
// dup, fork and NyanOS's spawn: its offset, its status flags (access mode,
// O_APPEND, O_NONBLOCK) and the object it reads and writes. Reference
// counted: each descriptor holds one reference, and so does every system
// call using it; the last reference going runs the kind's destructor (the
// release: a pipe end closing, for instance).
//
// A kind (console, regular file, directory, pipe end, null device, ...) is
// a subclass overriding the operations it has; the defaults are the errors
// Linux gives for a file without the operation. Access-mode checks (EBADF
// for reading a write-only description) are made here in the do_ wrappers
// the system calls use, not by each kind.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "fs/io_buffer.h"
#include "lib/ref_ptr.h"
#include "nyanos/lib/result.h"
#include "sync/spinlock.h"

namespace nyanos::proc {
class PollWaiter;
}

namespace nyanos::fs {

struct Node;
class FileDescription;
class SocketFile;
struct EpollItem;

// The epoll lock (fs/epoll.h): every epoll instance's interest list and
// every description's list of the items watching it.
extern sync::SpinLock g_epoll_lock;
// A description watched by an epoll instance lost its last reference: the
// items watching it go, before its kind is destroyed (defined in fs/epoll).
void forget_epoll_watches(FileDescription* d);
// Drops a reference to a socket's description (fs/unix_socket.h): under
// the Unix socket lock, so that the garbage collector of descriptions in
// flight sees every drop and runs after one that may have left a socket
// reachable only from queues (defined in fs/unix_socket).
void release_socket_reference(FileDescription* d);

// open() flags, Linux x86_64's values (NyanOS's O_RDONLY is the same 0).
namespace open_flags {
inline constexpr uint32_t kReadOnly = 0;
inline constexpr uint32_t kWriteOnly = 01;
inline constexpr uint32_t kReadWrite = 02;
inline constexpr uint32_t kAccessMode = 03;
inline constexpr uint32_t kCreate = 0100;
inline constexpr uint32_t kExclusive = 0200;
inline constexpr uint32_t kNoCtty = 0400;
inline constexpr uint32_t kTruncate = 01000;
inline constexpr uint32_t kAppend = 02000;
inline constexpr uint32_t kNonBlock = 04000;
inline constexpr uint32_t kDsync = 010000;
inline constexpr uint32_t kAsync = 020000;
inline constexpr uint32_t kDirect = 040000;
inline constexpr uint32_t kLargeFile = 0100000;
inline constexpr uint32_t kDirectory = 0200000;
inline constexpr uint32_t kNoFollow = 0400000;
inline constexpr uint32_t kNoAtime = 01000000;
inline constexpr uint32_t kCloseOnExec = 02000000;
inline constexpr uint32_t kSync = 04010000;
inline constexpr uint32_t kPath = 010000000;
inline constexpr uint32_t kTmpFile = 020200000;
// What F_SETFL may change (Linux also lets O_ASYNC, O_DIRECT and O_NOATIME
// through; NyanOS has none of them).
inline constexpr uint32_t kSettable = kAppend | kNonBlock;
// What a description remembers (F_GETFL): the access mode and the status
// flags; O_LARGEFILE is always reported on 64-bit Linux.
inline constexpr uint32_t kKept = kAccessMode | kAppend | kNonBlock | kLargeFile;
}  // namespace open_flags

// poll() events, Linux's values.
namespace poll_events {
inline constexpr uint32_t kIn = 0x001;
inline constexpr uint32_t kPri = 0x002;
inline constexpr uint32_t kOut = 0x004;
inline constexpr uint32_t kError = 0x008;
inline constexpr uint32_t kHangUp = 0x010;
inline constexpr uint32_t kInvalid = 0x020;
inline constexpr uint32_t kReadNormal = 0x040;
inline constexpr uint32_t kWriteNormal = 0x100;
// Reported whether asked for or not.
inline constexpr uint32_t kAlways = kError | kHangUp | kInvalid;
}  // namespace poll_events

// File types and permission bits of st_mode (Linux's values).
namespace mode_bits {
inline constexpr uint32_t kTypeMask = 0170000;
inline constexpr uint32_t kFifo = 0010000;
inline constexpr uint32_t kCharDevice = 0020000;
inline constexpr uint32_t kDirectory = 0040000;
inline constexpr uint32_t kRegular = 0100000;
inline constexpr uint32_t kSymlink = 0120000;
inline constexpr uint32_t kSocket = 0140000;
inline constexpr uint32_t kAnyExecute = 0111;
}  // namespace mode_bits

// A time stamp (st_atime, st_mtime, st_ctime), in the realtime clock.
struct FileTime {
    int64_t seconds = 0;
    int64_t nanoseconds = 0;
    bool operator==(const FileTime&) const = default;
};

// What stat reports, before a personality lays it out.
struct FileStat {
    uint64_t device = 0;  // st_dev
    uint64_t inode = 0;
    uint64_t links = 1;
    uint32_t mode = 0;     // type | permissions
    uint64_t rdevice = 0;  // st_rdev, for devices
    int64_t size = 0;
    int64_t block_size = 4096;
    int64_t blocks = 0;  // 512-byte units
    uint32_t uid = 0, gid = 0;
    FileTime atime, mtime, ctime;
};

// Device numbers as Linux encodes them in a 64-bit dev_t (new_encode_dev's
// small form covers every number used here).
constexpr uint64_t make_device(uint32_t major, uint32_t minor) {
    return (uint64_t(major) << 8) | (minor & 0xff) | (uint64_t(minor & ~0xffu) << 12);
}

// One directory entry, as getdents hands it to a personality.
struct DirectoryEntry {
    uint64_t inode;
    uint8_t type;  // Linux's DT_* value
    const char* name;
    uint64_t next_offset = 0;  // the directory offset just past this entry (d_off)
    // Where the name is copied for the listing (a root tree name, a pid in
    // /proc): `name` points here then, so the entry must be used where it
    // was filled.
    char name_text[256] = {};
};
inline constexpr uint8_t kDtFifo = 1, kDtChar = 2, kDtDir = 4, kDtReg = 8, kDtLink = 10,
                         kDtSock = 12;

class FileDescription {
public:
    FileDescription(const FileDescription&) = delete;
    FileDescription& operator=(const FileDescription&) = delete;

    void add_ref() { m_refs.add(); }
    // Drops a reference; the last one destroys the description (its
    // release). Never call it holding a spinlock the release may take (a
    // pipe's, the scheduler's; a socket's description takes the Unix
    // socket lock on every drop, not only the last): descriptor tables
    // drop theirs after unlocking.
    void release_ref() {
        if (m_socket_kind) return release_socket_reference(this);
        if (m_refs.drop()) destroy();
    }
    uint32_t reference_count() const { return m_refs.count(); }

    // The access mode and status flags (open_flags::kKept bits).
    uint32_t flags() const { return __atomic_load_n(&m_flags, __ATOMIC_RELAXED); }
    // F_SETFL: changes only open_flags::kSettable bits.
    void set_status_flags(uint32_t flags);
    bool readable() const;
    bool writable() const;
    bool nonblocking() const { return flags() & open_flags::kNonBlock; }

    // --- What each kind provides. The defaults are Linux's errors. ---

    // Reads at the description's offset (or from the stream), at most
    // out.length() bytes; 0 at the end of the file.
    virtual Result<size_t> read(IoBuffer& out);
    // Writes at the offset (the end with O_APPEND), or into the stream.
    virtual Result<size_t> write(IoBuffer& in);
    // Positional I/O; ESPIPE for a stream.
    virtual Result<size_t> pread(IoBuffer& out, uint64_t offset);
    virtual Result<size_t> pwrite(IoBuffer& in, uint64_t offset);
    // lseek; `whence` is SEEK_SET (0), SEEK_CUR (1) or SEEK_END (2).
    virtual Result<uint64_t> seek(int64_t offset, int whence);
    virtual void stat(FileStat& out) = 0;
    // Which poll events hold now (poll_events); with a waiter, also
    // subscribes it to the event that will change them, before looking
    // (so no change is missed between the look and the wait).
    virtual uint32_t poll(proc::PollWaiter* waiter);
    // False for a file that has no poll of its own (Linux's file_can_poll),
    // which epoll refuses to watch (EPERM); poll() and select() still
    // report it always ready. Regular files and directories are such files
    // too, and epoll tells them by their type.
    virtual bool can_poll() const { return true; }
    // A device request; `arg` is the raw argument (often a user pointer).
    virtual Result<int64_t> ioctl(uint32_t request, uint64_t arg);
    // Calls `emit` for the directory's entries from the current offset on,
    // advancing the offset past each one emit accepts; stops when emit
    // returns false (its buffer is full). ENOTDIR for anything else.
    using EntrySink = bool (*)(void* ctx, const DirectoryEntry& entry);
    virtual Result<void> read_directory(EntrySink emit, void* ctx);

    // ftruncate: EINVAL for anything but a regular file (Linux's answer
    // for a pipe, a device, a directory).
    virtual Result<void> truncate(uint64_t size);
    // fsync and fdatasync: EINVAL for a file that cannot be synced (a
    // pipe, the console). The tree is in memory: nothing to write back.
    virtual Result<void> sync();

    // flock(2) took a lock for this description (fs/flock.h): its last
    // reference going releases its locks.
    void note_flock() { __atomic_store_n(&m_flocked, true, __ATOMIC_RELAXED); }
    // Likewise for fcntl's open-file-description locks (fs/record_lock.h).
    void note_record_lock() { __atomic_store_n(&m_record_locked, true, __ATOMIC_RELAXED); }

    // The node of the file tree the description was opened from (fs/vfs.h:
    // fchdir, openat's directory fd); nullptr for pipes and the console
    // descriptors init starts with.
    virtual const Node* node() const { return nullptr; }

    // Which of the event-file kinds (eventfd, timerfd, signalfd, epoll)
    // this is: the address of the kind's tag, so that the calls on one kind
    // (timerfd_settime, epoll_ctl) can tell it apart; nullptr for others.
    virtual const void* kind() const { return nullptr; }

    // The epoll items watching this description (fs/epoll.h).
    EpollItem* epoll_watches GUARDED_BY(g_epoll_lock) = nullptr;
    // Set once an item watches it, so that its last release looks.
    void note_epoll_watch() { __atomic_store_n(&m_epoll_watched, true, __ATOMIC_RELEASE); }

    // The socket this description is (fs/unix_socket.h); nullptr for every
    // other kind (the socket calls' ENOTSOCK).
    virtual SocketFile* as_socket() { return nullptr; }

protected:
    explicit FileDescription(uint32_t flags) : m_flags(flags & open_flags::kKept) {}
    // For SocketFile's constructor: its drops go through
    // release_socket_reference.
    struct SocketKind {};
    FileDescription(uint32_t flags, SocketKind)
        : m_flags(flags & open_flags::kKept), m_socket_kind(true) {}
    virtual ~FileDescription();

    // For seekable kinds: the offset, guarded by its own leaf lock.
    sync::SpinLock m_offset_lock;
    uint64_t m_offset GUARDED_BY(m_offset_lock) = 0;
    // lseek over a file of `size` bytes (regular files, directories with
    // entry indexes as offsets): EINVAL for a negative result or bad whence.
    Result<uint64_t> seek_within(int64_t offset, int whence, uint64_t size) EXCLUDES(m_offset_lock);

private:
    friend void release_socket_reference(FileDescription* d);
    // The release, once the last reference went.
    void destroy() {
        // epoll(7): closing the last descriptor of a file removes it from
        // every interest list, before its kind (and the events its items
        // subscribed to) goes.
        if (__atomic_load_n(&m_epoll_watched, __ATOMIC_ACQUIRE)) forget_epoll_watches(this);
        delete this;
    }

    RefCount m_refs;
    uint32_t m_flags;
    const bool m_socket_kind = false;
    bool m_flocked = false;
    bool m_record_locked = false;
    bool m_epoll_watched = false;
};

using DescriptionRef = RefPtr<FileDescription>;

// The system calls' entry points: access checks, then the kind.
Result<size_t> do_read(FileDescription& d, IoBuffer& out);
Result<size_t> do_write(FileDescription& d, IoBuffer& in);
Result<size_t> do_pread(FileDescription& d, IoBuffer& out, uint64_t offset);
Result<size_t> do_pwrite(FileDescription& d, IoBuffer& in, uint64_t offset);

}  // namespace nyanos::fs
