// The file tree every process sees: the boot ramdisk at /, with a device
// directory mounted on /dev and a small /proc on /proc (each shadows
// whatever the ramdisk has at that path, as a mount would). Nodes, path
// resolution (Linux's rules: relative to a start directory, '.', '..',
// repeated and trailing slashes, symbolic links), stat, directory
// listings and the path of a node.
//
// Everything in the tree is immutable after boot (the ramdisk is read-only,
// the device and proc nodes are fixed), so a Node is a plain value that
// stays valid forever and needs no lock or reference count. A writable
// file system will turn it into a counted reference.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "fs/file_description.h"
#include "fs/ramdisk.h"
#include "nyanos/lib/result.h"

namespace nyanos::fs {

// Linux's limits: a path of at most kPathMax bytes with its NUL, a name of
// at most kNameMax bytes, and at most kMaxSymlinks links followed per lookup.
inline constexpr size_t kPathMax = 4096;
inline constexpr size_t kNameMax = 255;
inline constexpr int kMaxSymlinks = 40;

// The nodes outside the ramdisk.
enum class Special : uint8_t {
    kNone,
    kDevDirectory,
    kNull,
    kZero,
    kFull,
    kConsole,
    kTty,
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
    kProcPidMounts,
    kProcPidMaps,
    kProcPidFd,      // /proc/<pid>/fd
    kProcPidFdLink,  // /proc/<pid>/fd/<n>: the node carries the fd too
    kProcPidFdFile,  // where such a link leads when its file has no node (a pipe)
    // /proc's system-wide files: text made when opened (fs/proc_text.h).
    kProcMeminfo,
    kProcUptime,
    kProcLoadavg,
    kProcStat,
    kProcCpuinfo,
    kProcVersion,
    kProcMounts,  // a link to self/mounts
};

// Whether `s` is one of /proc's generated text files.
constexpr bool is_proc_text(Special s) {
    return (s >= Special::kProcMeminfo && s <= Special::kProcVersion) ||
           (s >= Special::kProcPidCmdline && s <= Special::kProcPidMaps);
}
// Whether a node of kind `s` belongs to one process (Node::pid says which).
constexpr bool is_per_process(Special s) {
    return s >= Special::kProcPid && s <= Special::kProcPidFdFile;
}

enum class NodeType : uint8_t { kRegular, kDirectory, kCharDevice, kSymlink };

struct Node {
    const FileEntry* entry = nullptr;  // a ramdisk file or directory
    Special special = Special::kNone;  // else one of the nodes above
    int32_t pid = 0;                   // the process of a per-process node, else 0
    int32_t fd = 0;                    // the descriptor of a kProcPidFdLink/File, else 0

    bool valid() const { return entry != nullptr || special != Special::kNone; }
    bool operator==(const Node&) const = default;
};

// A node in 32 bits, where space is tight (a Process keeps its working
// directory and program file so): 0 is no node, a ramdisk entry is its
// serial number (Ramdisk::serial_of, below 0x8000), a special node 0x8000
// + its number, a per-process one 0x80000000 | pid << 8 | its number (but
// a /proc/<pid>/fd/<n> link or file, which can be neither a working
// directory nor a program, has none: 0).
using NodeId = uint32_t;

// What a lookup needs from the process making it.
struct LookupContext {
    Node cwd;                        // relative paths start here (invalid: the root)
    const FileEntry* exe = nullptr;  // its program, /proc/<its pid>/exe (nullptr: none)
    int32_t pid = 0;                 // what /proc/self names (0: nothing)
    // /proc/self's target, the pid as text.
    char pid_text[12] = {};

    static LookupContext of_process(Node cwd, const FileEntry* exe, int32_t pid);
};

class Vfs {
public:
    // `disk` must outlive the Vfs.
    explicit constexpr Vfs(const Ramdisk& disk) : m_disk(disk) {}

    Node root() const { return Node{m_disk.root(), Special::kNone}; }
    NodeType type(Node node) const;
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
    // "/a/b/": /a), with resolve()'s errors for the components before it.
    // ENOENT for a path without components ("", "/").
    Result<Node> resolve_parent(const LookupContext& ctx, Node start, const char* path) const;

    // The directory holding `node` (the root for the root).
    Node parent(Node node) const;
    // `name` (`length` bytes, no '/', not "." or "..") inside directory `dir`.
    Node child(Node dir, const char* name, size_t length) const;

    void stat(Node node, FileStat& out) const;
    // readlink's text for the link `node` into out[0..size), with a NUL
    // after it; returns its length. A ramdisk link's target as stored (relative to
    // the link's directory unless absolute); /proc/self's the caller's pid
    // (a name in /proc); /proc/<pid>/exe's and cwd's the absolute path of
    // what they lead to. ENOENT when it leads nowhere (no caller, no
    // program, the process is gone), EINVAL for a node that is not a link,
    // ERANGE if `size` is too small.
    Result<size_t> read_link(const LookupContext& ctx, Node node, char* out, size_t size) const;
    // The absolute path of `node` into out[0..size) with its NUL; returns
    // its length. ERANGE if it does not fit.
    Result<size_t> path_of(Node node, char* out, size_t size) const;

    // The entries of directory `dir` in getdents order: ".", "..", then its
    // children. Writes entry number `index` into `out` (the name lives as
    // long as the tree) and returns true; false past the last. Every call
    // walks the directory: a listing is O(n^2) in its size (a ramdisk
    // directory holds at most Ramdisk::kMaxEntries).
    bool entry_at(Node dir, size_t index, DirectoryEntry& out) const;

    NodeId id_of(Node node) const;
    // The node `id` names; invalid for 0 (and for ids no node has).
    Node node_of(NodeId id) const;

    const Ramdisk& disk() const { return m_disk; }

private:
    // Where the link `link` leads: a ramdisk link's text resolved from the
    // link's directory; /proc's links straight to their node, as Linux's
    // "magic" links (no text is parsed). ENOENT if nowhere.
    Result<Node> follow_link(const LookupContext& ctx, Node link, int depth) const;
    // Resolves path[0..length).
    Result<Node> walk(const LookupContext& ctx, Node start, const char* path, size_t length,
                      bool follow_last, int depth) const;

    const Ramdisk& m_disk;
};

// st_dev of each part of the tree.
inline constexpr uint64_t kRamdiskDevice = make_device(0, 1);
inline constexpr uint64_t kProcDevice = make_device(0, 4);
inline constexpr uint64_t kDevDevice = make_device(0, 5);

}  // namespace nyanos::fs
