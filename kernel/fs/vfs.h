// The file tree every process sees: the writable root (fs/tmpfs.h), with a
// device directory mounted on /dev and a small /proc on /proc (each
// shadows whatever the root has at that path, as a mount would). Nodes,
// path resolution (Linux's rules: relative to a start directory, '.',
// '..', repeated and trailing slashes, symbolic links), stat, directory
// listings and the path of a node.
//
// A Node names an inode of the root tree (holding a reference, so the
// inode outlives every Node naming it, unlinked or not) or one of the fixed
// /dev and /proc nodes (plain values that need no count).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "fs/file_description.h"
#include "fs/inode.h"
#include "fs/tmpfs.h"
#include "nyanos/lib/result.h"

namespace nyanos::fs {

// Linux's limits: a path of at most kPathMax bytes with its NUL, a name of
// at most kNameMax bytes, and at most kMaxSymlinks links followed per lookup.
inline constexpr size_t kPathMax = 4096;
inline constexpr size_t kNameMax = 255;
inline constexpr int kMaxSymlinks = 40;

// The nodes outside the root tree.
enum class Special : uint8_t {
    kNone,
    kDevDirectory,
    kNull,
    kZero,
    kFull,
    kConsole,
    kTty,
    kTty0,   // the framebuffer and the keyboards
    kTtyS0,  // COM1
    kRandom,
    kUrandom,
    // Links into /proc/self/fd, as a Linux system's /dev has them.
    kDevFd,
    kDevStdin,
    kDevStdout,
    kDevStderr,
    kProcDirectory,
    kProcSelf,  // a link to the caller's /proc/<pid>
    // /proc/<pid> and what is in it: the node carries the pid.
    kProcPid,
    kProcPidExe,
    kProcPidCwd,
    kProcPidCmdline,
    kProcPidEnviron,
    kProcPidComm,
    kProcPidStat,
    kProcPidStatus,
    kProcPidStatm,
    kProcPidMounts,
    kProcPidMountinfo,
    kProcPidLimits,
    kProcPidMaps,
    kProcPidFd,       // /proc/<pid>/fd
    kProcPidFdLink,   // /proc/<pid>/fd/<n>: the node carries the fd too
    kProcPidFdFile,   // where such a link leads when its file has no node (a pipe)
    kProcPidTask,     // /proc/<pid>/task
    kProcPidTaskTid,  // /proc/<pid>/task/<tid>: its thread's view (Node::tid)
    // /proc's system-wide files: text made when opened (fs/proc_text.h).
    kProcMeminfo,
    kProcUptime,
    kProcLoadavg,
    kProcStat,
    kProcCpuinfo,
    kProcInterrupts,  // device vectors and timer ticks (fs/proc_text.h)
    kProcPci,         // NyanOS's own: one line per PCI function (lib/pci_text.h)
    kProcFilesystems,
    // /proc/sys/kernel's files: one value each.
    kProcSysOstype,
    kProcSysOsrelease,
    kProcSysHostname,
    kProcSysPidMax,
    kProcSysVersion,
    kProcVersion,
    kProcMounts,  // a link to self/mounts
    kProcSys,     // /proc/sys
    kProcSysKernel,
};

// Whether `s` is one of /proc's generated text files.
constexpr bool is_proc_text(Special s) {
    return (s >= Special::kProcMeminfo && s <= Special::kProcVersion) ||
           (s >= Special::kProcPidCmdline && s <= Special::kProcPidMaps);
}
// Whether `s` is a node of /proc (every Special from kProcDirectory on).
constexpr bool in_proc(Special s) {
    return s >= Special::kProcDirectory;
}
// Why a fixed directory (/dev, /proc: `dir`) takes no new name: Linux's
// procfs fails the lookup of a name it does not have (ENOENT) before any
// create is tried; /dev, a writable devtmpfs on Linux but a fixed table
// here, refuses (EACCES).
constexpr Error no_new_name(Special dir) {
    return in_proc(dir) ? Error::kNoEntry : Error::kAccess;
}
// Whether `s` is a terminal device (fs/terminal.h).
constexpr bool is_terminal(Special s) {
    return s == Special::kConsole || s == Special::kTty || s == Special::kTty0 ||
           s == Special::kTtyS0;
}
// Whether a node of kind `s` belongs to one process (Node::pid says which).
constexpr bool is_per_process(Special s) {
    return s >= Special::kProcPid && s <= Special::kProcPidTaskTid;
}

struct Node {
    InodeRef inode;                    // a file, directory or link of the root tree
    Special special = Special::kNone;  // else one of the nodes above
    int32_t pid = 0;                   // the process of a per-process node, else 0
    int32_t fd = 0;                    // the descriptor of a kProcPidFdLink/File, else 0
    // A per-process node seen as one of its threads (/proc/<pid>/task/<tid>
    // and what is in it, /proc/<tid>): the thread's id, else 0.
    int32_t tid = 0;

    bool valid() const { return inode || special != Special::kNone; }
    bool operator==(const Node& o) const {
        return inode.get() == o.inode.get() && special == o.special && pid == o.pid && fd == o.fd &&
               tid == o.tid;
    }
};

// A node in 32 bits, where space is tight (a Process keeps its working
// directory so): 0 is no node, an inode its number (below 0x40000000, never
// reused: a removed directory's id finds nothing), a special node
// 0x40000000 + its number, a per-process one 0x80000000 | pid << 8 | its
// number (a thread's view: its tid for the pid, and 0x80 in the low byte),
// but a /proc/<pid>/fd/<n> link or file, which cannot be a working
// directory, has none: 0. An id holds no reference.
using NodeId = uint32_t;

// The last component of a path, as resolve_parent finds it.
struct LastName {
    const char* name = nullptr;  // inside the path, not NUL terminated
    size_t length = 0;
    bool is_dot_or_dotdot = false;
    bool trailing_slash = false;  // "a/b/": a directory is asked for
};

class Vfs;

// A node in one word that keeps it alive, where space is tight (a
// Process's working directory): an inode with one reference, or another
// node's id (which needs none). Copied and dropped only explicitly.
class NodeHold {
public:
    NodeHold() = default;  // none (the root)
    // A hold on `node` (a new reference to its inode).
    static NodeHold of(const Vfs& vfs, const Node& node);
    // Another hold on the same node (fork).
    NodeHold share() const;
    // Drops the hold; it is none afterwards.
    void release();
    // The node held (invalid for none, or a node that went).
    Node node(const Vfs& vfs) const;
    bool empty() const { return m_bits == 0; }
    // Its node's id (0: none); an inode's stays valid while it is held.
    NodeId id() const;

private:
    explicit NodeHold(uintptr_t bits) : m_bits(bits) {}
    Inode* inode() const { return m_bits & 1 ? nullptr : reinterpret_cast<Inode*>(m_bits); }
    uintptr_t m_bits = 0;  // an Inode* (even), or a NodeId << 1 | 1
};

// What a lookup needs from the process making it.
struct LookupContext {
    Node cwd;                   // relative paths start here (invalid: the root)
    Node root;                  // absolute ones here (chroot; invalid: the tree's root)
    Inode* exe = nullptr;       // its program, /proc/<its pid>/exe (nullptr: none)
    int32_t pid = 0;            // what /proc/self names (0: nothing)
    uint32_t uid = 0, gid = 0;  // who owns what it creates
    // /proc/self's target, the pid as text.
    char pid_text[12] = {};

    static LookupContext of_process(Node cwd, Node root, Inode* exe, int32_t pid);
};

class Vfs {
public:
    // `fs` must outlive the Vfs.
    explicit constexpr Vfs(Tmpfs& fs) : m_fs(fs) {}

    Node root() const { return Node{InodeRef::share(m_fs.root()), Special::kNone}; }
    // Where `ctx`'s absolute paths start: its chroot root, or root().
    Node root_of(const LookupContext& ctx) const { return ctx.root.valid() ? ctx.root : root(); }
    NodeType type(const Node& node) const;
    bool is_directory(Node node) const { return type(node) == NodeType::kDirectory; }

    // Resolves `path` from `start` (an absolute path from the root; an
    // invalid `start` means the context's cwd). The last component is
    // followed if it is a symbolic link when `follow_last` (or when a '/'
    // follows it). ENOENT (absent, or an empty path), ENOTDIR (a component
    // that must be a directory is not), ENAMETOOLONG (a name over
    // kNameMax), ELOOP.
    Result<Node> resolve(const LookupContext& ctx, Node start, const char* path,
                         bool follow_last) const;
    // The directory the last component of `path` would be in ("/a/b" and
    // "/a/b/": /a), with resolve()'s errors for the components before it,
    // and (when `last` is given) that component. ENOENT for a path
    // without components ("", "/").
    Result<Node> resolve_parent(const LookupContext& ctx, Node start, const char* path,
                                LastName* last = nullptr) const;

    // The directory holding directory `node` (the root for the root).
    Node parent(const Node& node) const;
    // `name` (`length` bytes, no '/', not "." or "..") inside directory `dir`.
    Node child(const Node& dir, const char* name, size_t length) const;

    void stat(const Node& node, FileStat& out) const;
    // readlink's text for the link `node` into out[0..size), with a NUL
    // after it; returns its length. A link's target as stored (relative to
    // the link's directory unless absolute); /proc/self's the caller's pid
    // (a name in /proc); /proc/<pid>/exe's and cwd's the absolute path of
    // what they lead to. ENOENT when it leads nowhere (no caller, no
    // program, the process is gone), EINVAL for a node that is not a link,
    // ERANGE if `size` is too small.
    Result<size_t> read_link(const LookupContext& ctx, const Node& node, char* out,
                             size_t size) const;
    // The absolute path of `node` into out[0..size) with its NUL; returns
    // its length. A file whose last name was removed gets Linux's
    // " (deleted)" after the name it had. ERANGE if it does not fit.
    Result<size_t> path_of(const Node& node, char* out, size_t size) const;

    // The entries of directory `dir` in getdents order: ".", "..", then its
    // children. Writes the entry at offset `index` or the first after it
    // into `out` (its name in out.name_text) and returns true; false past
    // the last. out.next_offset is where the listing goes on.
    bool entry_at(const Node& dir, size_t index, DirectoryEntry& out) const;

    NodeId id_of(const Node& node) const;
    // The node `id` names; invalid for 0 (and for ids no node has).
    Node node_of(NodeId id) const;

    Tmpfs& tree() const { return m_fs; }

    // The device of /dev that number `device` names (a character device
    // node made by mknod opens as it); Special::kNone for a number no
    // driver has (ENXIO).
    Special device_named(uint64_t device) const;

private:
    // A fixed link's target text (/dev/fd's, /proc/mounts'); null for the
    // others.
    const char* fixed_link_target(Special special) const;
    // Where one of /proc's "magic" links leads: straight to its node (no
    // text is parsed). ENOENT if nowhere.
    Result<Node> follow_magic(const LookupContext& ctx, const Node& link) const;
    // Resolves path[0..length).
    Result<Node> walk(const LookupContext& ctx, const Node& start, const char* path, size_t length,
                      bool follow_last) const;

    Result<size_t> inode_path(Inode* inode, char* out, size_t size) const;

    Tmpfs& m_fs;
};

// st_dev of each part of the tree.
inline constexpr uint64_t kRootDevice = make_device(0, 1);
inline constexpr uint64_t kProcDevice = make_device(0, 4);
inline constexpr uint64_t kDevDevice = make_device(0, 5);

}  // namespace nyanos::fs
