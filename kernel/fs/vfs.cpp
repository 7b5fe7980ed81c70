#include "fs/vfs.h"

#include <string.h>

#include <new>

#include "fs/kernel_hooks.h"
#include "lib/format.h"
#include "lib/heap_ptr.h"

namespace nyanos::fs {

namespace {

struct SpecialInfo {
    Special id;
    Special parent;  // kNone: the root
    const char* name;
    const char* path;
    NodeType type;
    uint32_t permissions;
    uint32_t major, minor;       // character devices
    const char* link = nullptr;  // a link with a fixed target: the target
};

// Linux's numbers for the same devices (Documentation/admin-guide/devices.txt).
constexpr SpecialInfo kSpecials[] = {
    {Special::kDevDirectory, Special::kNone, "dev", "/dev", NodeType::kDirectory, 0755, 0, 0},
    {Special::kNull, Special::kDevDirectory, "null", "/dev/null", NodeType::kCharDevice, 0666, 1,
     3},
    {Special::kZero, Special::kDevDirectory, "zero", "/dev/zero", NodeType::kCharDevice, 0666, 1,
     5},
    {Special::kFull, Special::kDevDirectory, "full", "/dev/full", NodeType::kCharDevice, 0666, 1,
     7},
    {Special::kRandom, Special::kDevDirectory, "random", "/dev/random", NodeType::kCharDevice, 0666,
     1, 8},
    {Special::kUrandom, Special::kDevDirectory, "urandom", "/dev/urandom", NodeType::kCharDevice,
     0666, 1, 9},
    {Special::kTty, Special::kDevDirectory, "tty", "/dev/tty", NodeType::kCharDevice, 0666, 5, 0},
    {Special::kTty0, Special::kDevDirectory, "tty0", "/dev/tty0", NodeType::kCharDevice, 0620, 4,
     0},
    {Special::kTtyS0, Special::kDevDirectory, "ttyS0", "/dev/ttyS0", NodeType::kCharDevice, 0660, 4,
     64},
    {Special::kConsole, Special::kDevDirectory, "console", "/dev/console", NodeType::kCharDevice,
     0600, 5, 1},
    {Special::kDevFd, Special::kDevDirectory, "fd", "/dev/fd", NodeType::kSymlink, 0777, 0, 0,
     "/proc/self/fd"},
    {Special::kDevStdin, Special::kDevDirectory, "stdin", "/dev/stdin", NodeType::kSymlink, 0777, 0,
     0, "/proc/self/fd/0"},
    {Special::kDevStdout, Special::kDevDirectory, "stdout", "/dev/stdout", NodeType::kSymlink, 0777,
     0, 0, "/proc/self/fd/1"},
    {Special::kDevStderr, Special::kDevDirectory, "stderr", "/dev/stderr", NodeType::kSymlink, 0777,
     0, 0, "/proc/self/fd/2"},
    {Special::kProcDirectory, Special::kNone, "proc", "/proc", NodeType::kDirectory, 0555, 0, 0},
    {Special::kProcSelf, Special::kProcDirectory, "self", "/proc/self", NodeType::kSymlink, 0777, 0,
     0},
    // /proc/<pid> has no fixed name (Vfs::child finds it by its number);
    // what is in it is the same for every process.
    {Special::kProcPid, Special::kProcDirectory, "", "", NodeType::kDirectory, 0555, 0, 0},
    {Special::kProcPidExe, Special::kProcPid, "exe", "exe", NodeType::kSymlink, 0777, 0, 0},
    {Special::kProcPidCwd, Special::kProcPid, "cwd", "cwd", NodeType::kSymlink, 0777, 0, 0},
    {Special::kProcPidCmdline, Special::kProcPid, "cmdline", "cmdline", NodeType::kRegular, 0444, 0,
     0},
    // Only its owner may read a process's environment (everyone is root).
    {Special::kProcPidEnviron, Special::kProcPid, "environ", "environ", NodeType::kRegular, 0400, 0,
     0},
    {Special::kProcPidComm, Special::kProcPid, "comm", "comm", NodeType::kRegular, 0444, 0, 0},
    {Special::kProcPidStat, Special::kProcPid, "stat", "stat", NodeType::kRegular, 0444, 0, 0},
    {Special::kProcPidStatus, Special::kProcPid, "status", "status", NodeType::kRegular, 0444, 0,
     0},
    {Special::kProcPidStatm, Special::kProcPid, "statm", "statm", NodeType::kRegular, 0444, 0, 0},
    {Special::kProcPidMounts, Special::kProcPid, "mounts", "mounts", NodeType::kRegular, 0444, 0,
     0},
    {Special::kProcPidMountinfo, Special::kProcPid, "mountinfo", "mountinfo", NodeType::kRegular,
     0444, 0, 0},
    {Special::kProcPidLimits, Special::kProcPid, "limits", "limits", NodeType::kRegular, 0444, 0,
     0},
    {Special::kProcPidMaps, Special::kProcPid, "maps", "maps", NodeType::kRegular, 0444, 0, 0},
    // /proc/<pid>/fd and its links, one per open descriptor (found by number).
    {Special::kProcPidFd, Special::kProcPid, "fd", "fd", NodeType::kDirectory, 0500, 0, 0},
    {Special::kProcPidFdLink, Special::kProcPidFd, "", "", NodeType::kSymlink, 0700, 0, 0},
    // Its stat is the open file's own (Vfs::stat).
    {Special::kProcPidFdFile, Special::kProcPidFd, "", "", NodeType::kRegular, 0, 0, 0},
    // /proc/<pid>/task and a directory per thread (found by number), whose
    // files are /proc/<pid>'s seen as that thread.
    {Special::kProcPidTask, Special::kProcPid, "task", "task", NodeType::kDirectory, 0555, 0, 0},
    {Special::kProcPidTaskTid, Special::kProcPidTask, "", "", NodeType::kDirectory, 0555, 0, 0},
    // As Linux's, /proc/mounts is a link to the caller's mounts.
    {Special::kProcCpuinfo, Special::kProcDirectory, "cpuinfo", "/proc/cpuinfo", NodeType::kRegular,
     0444, 0, 0},
    {Special::kProcInterrupts, Special::kProcDirectory, "interrupts", "/proc/interrupts",
     NodeType::kRegular, 0444, 0, 0},
    {Special::kProcLoadavg, Special::kProcDirectory, "loadavg", "/proc/loadavg", NodeType::kRegular,
     0444, 0, 0},
    {Special::kProcMeminfo, Special::kProcDirectory, "meminfo", "/proc/meminfo", NodeType::kRegular,
     0444, 0, 0},
    {Special::kProcMounts, Special::kProcDirectory, "mounts", "/proc/mounts", NodeType::kSymlink,
     0777, 0, 0, "self/mounts"},
    {Special::kProcPci, Special::kProcDirectory, "pci", "/proc/pci", NodeType::kRegular, 0444, 0,
     0},
    {Special::kProcStat, Special::kProcDirectory, "stat", "/proc/stat", NodeType::kRegular, 0444, 0,
     0},
    {Special::kProcUptime, Special::kProcDirectory, "uptime", "/proc/uptime", NodeType::kRegular,
     0444, 0, 0},
    {Special::kProcVersion, Special::kProcDirectory, "version", "/proc/version", NodeType::kRegular,
     0444, 0, 0},
    {Special::kProcFilesystems, Special::kProcDirectory, "filesystems", "/proc/filesystems",
     NodeType::kRegular, 0444, 0, 0},
    {Special::kProcSys, Special::kProcDirectory, "sys", "/proc/sys", NodeType::kDirectory, 0555, 0,
     0},
    {Special::kProcSysKernel, Special::kProcSys, "kernel", "/proc/sys/kernel", NodeType::kDirectory,
     0555, 0, 0},
    // Read-only: nothing in /proc takes writes (Linux lets root write
    // hostname; sethostname does it here).
    {Special::kProcSysHostname, Special::kProcSysKernel, "hostname", "/proc/sys/kernel/hostname",
     NodeType::kRegular, 0444, 0, 0},
    {Special::kProcSysOsrelease, Special::kProcSysKernel, "osrelease", "/proc/sys/kernel/osrelease",
     NodeType::kRegular, 0444, 0, 0},
    {Special::kProcSysOstype, Special::kProcSysKernel, "ostype", "/proc/sys/kernel/ostype",
     NodeType::kRegular, 0444, 0, 0},
    {Special::kProcSysPidMax, Special::kProcSysKernel, "pid_max", "/proc/sys/kernel/pid_max",
     NodeType::kRegular, 0444, 0, 0},
    {Special::kProcSysVersion, Special::kProcSysKernel, "version", "/proc/sys/kernel/version",
     NodeType::kRegular, 0444, 0, 0},
};

const SpecialInfo* info(Special s) {
    for (const SpecialInfo& i : kSpecials) {
        if (i.id == s) return &i;
    }
    return nullptr;
}

bool name_is(const char* a, const char* name, size_t length) {
    return strlen(a) == length && memcmp(a, name, length) == 0;
}

// Whose fixed names directory `dir` lists: a thread's directory lists its
// process's (but "task"); the others their own.
Special listing_key(Special dir) {
    return dir == Special::kProcPidTaskTid ? Special::kProcPid : dir;
}

// Whether fixed name `i` is in a thread's view too.
bool in_thread_view(const SpecialInfo& i) {
    return i.id != Special::kProcPidTask;
}

// The special node `name` directly inside the node `dir` (kNone if none).
Special special_child(const Node& dir, bool dir_is_root, const char* name, size_t length) {
    if (!dir_is_root && dir.special == Special::kNone) return Special::kNone;
    Special parent = dir_is_root ? Special::kNone : listing_key(dir.special);
    for (const SpecialInfo& i : kSpecials) {
        if (i.parent == parent && i.name[0] && name_is(i.name, name, length) &&
            (!dir.tid || in_thread_view(i)))
            return i.id;
    }
    return Special::kNone;
}

// The number a /proc name spells: decimal without a leading zero (but "0"
// itself), at most `max_digits` digits; -1 for anything else.
int32_t number_named(const char* name, size_t length, size_t max_digits) {
    if (length == 0 || length > max_digits || (name[0] == '0' && length > 1)) return -1;
    int32_t n = 0;
    for (size_t i = 0; i < length; ++i) {
        if (name[i] < '0' || name[i] > '9') return -1;
        n = n * 10 + (name[i] - '0');
    }
    return n;
}

template <size_t N>
size_t decimal(int32_t value, char (&out)[N]) {
    static_assert(N >= 12);
    char digits[12];
    size_t n = 0;
    uint32_t v = uint32_t(value);
    do {
        digits[n++] = char('0' + v % 10);
        v /= 10;
    } while (v);
    for (size_t i = 0; i < n; ++i) out[i] = digits[n - 1 - i];
    out[n] = '\0';
    return n;
}

uint8_t dirent_type(NodeType t) {
    switch (t) {
        case NodeType::kRegular:
            return kDtReg;
        case NodeType::kDirectory:
            return kDtDir;
        case NodeType::kCharDevice:
            return kDtChar;
        case NodeType::kSymlink:
            return kDtLink;
        case NodeType::kFifo:
            return kDtFifo;
        case NodeType::kSocket:
            return kDtSock;
    }
    return 0;
}

uint64_t special_serial(Special s) {
    return 0x10000 + uint64_t(s);
}

uint64_t node_serial(const Node& node) {
    if (node.special == Special::kProcPidFdLink || node.special == Special::kProcPidFdFile)
        return 0x100000000000000ull + (uint64_t(uint32_t(node.pid)) << 20) + uint64_t(node.fd);
    if (node.tid)
        return 0x200000000000000ull + (uint64_t(uint32_t(node.tid)) << 8) + uint64_t(node.special);
    if (is_per_process(node.special))
        return 0x100000000ull + (uint64_t(uint32_t(node.pid)) << 8) + uint64_t(node.special);
    return special_serial(node.special);
}

// How many fixed names directory `parent` lists (kNone: the root's /dev
// and /proc). /proc's first per-process entry comes after ".", ".." and
// these: process `pid` is at that offset + pid - 1, so a listing resumes at
// the next pid whatever exited meanwhile. The root's own entries likewise
// start after its fixed ones, at their cookies (fs/tmpfs.h).
size_t fixed_entries(Special parent) {
    size_t n = 0;
    for (const SpecialInfo& i : kSpecials) n += i.parent == parent && i.name[0];
    return n;
}

bool is_root_inode(const Node& node, const Tmpfs& fs) {
    return node.inode.get() == fs.root();
}

}  // namespace

NodeType Vfs::type(const Node& node) const {
    if (node.inode) return node.inode->type;
    const SpecialInfo* i = info(node.special);
    return i ? i->type : NodeType::kRegular;
}

NodeId Vfs::id_of(const Node& node) const {
    if (node.inode) return NodeId(node.inode->number);
    if (node.special == Special::kNone || node.special == Special::kProcPidFdLink ||
        node.special == Special::kProcPidFdFile)
        return 0;
    if (node.tid) return 0x80000000u | uint32_t(node.tid) << 8 | 0x80u | uint32_t(node.special);
    if (is_per_process(node.special))
        return 0x80000000u | uint32_t(node.pid) << 8 | uint32_t(node.special);
    return NodeId(0x40000000u + unsigned(node.special));
}

Node Vfs::node_of(NodeId id) const {
    if (id == 0) return Node{};
    if (id & 0x80000000u) {
        Special s = Special(id & 0x7f);
        int32_t pid = int32_t((id & 0x7fffffffu) >> 8);
        if (!is_per_process(s) || pid <= 0) return Node{};
        if (!(id & 0x80u)) return Node{nullptr, s, pid};
        // A thread's view: pid is its tid.
        int32_t group = thread_group_of(pid);
        return group > 0 ? Node{nullptr, s, group, 0, pid} : Node{};
    }
    if (id & 0x40000000u) {
        Special s = Special(id & 0xff);
        return info(s) && !is_per_process(s) ? Node{nullptr, s} : Node{};
    }
    InodeRef inode = m_fs.find(id);
    return inode ? Node{static_cast<InodeRef&&>(inode), Special::kNone} : Node{};
}

Node Vfs::parent(const Node& node) const {
    if (node.inode) return Node{m_fs.parent_of(node.inode.get()), Special::kNone};
    const SpecialInfo* i = info(node.special);
    if (!i || i->parent == Special::kNone) return root();
    if (node.tid) {
        // Up from a thread's view: its directory, then the process's task/.
        if (node.special == Special::kProcPidTaskTid)
            return Node{nullptr, Special::kProcPidTask, node.pid};
        if (node.special == Special::kProcPid) return Node{nullptr, Special::kProcDirectory};
        Special up = i->parent == Special::kProcPid ? Special::kProcPidTaskTid : i->parent;
        return Node{nullptr, up, node.pid, 0, node.tid};
    }
    return Node{nullptr, i->parent, is_per_process(i->parent) ? node.pid : 0};
}

Node Vfs::child(const Node& dir, const char* name, size_t length) const {
    bool is_root = is_root_inode(dir, m_fs);
    Special s = special_child(dir, is_root, name, length);
    if (s != Special::kNone) {
        if (!is_per_process(s)) return Node{nullptr, s};
        // What is in /proc/<pid> goes with the process (a thread's view
        // with the thread).
        if (dir.tid)
            return thread_exists(dir.pid, dir.tid) ? Node{nullptr, s, dir.pid, 0, dir.tid} : Node{};
        return process_exists(dir.pid) ? Node{nullptr, s, dir.pid} : Node{};
    }
    if (dir.special == Special::kProcDirectory) {
        int32_t pid = number_named(name, length, 9);  // /proc/<pid>: pids start at 1
        if (pid <= 0) return Node{};
        if (process_exists(pid)) return Node{nullptr, Special::kProcPid, pid};
        // A thread's id names its view too, though /proc does not list it.
        int32_t group = thread_group_of(pid);
        return group > 0 ? Node{nullptr, Special::kProcPid, group, 0, pid} : Node{};
    }
    if (dir.special == Special::kProcPidTask) {
        int32_t tid = number_named(name, length, 9);
        if (tid <= 0 || !thread_exists(dir.pid, tid)) return Node{};
        return Node{nullptr, Special::kProcPidTaskTid, dir.pid, 0, tid};
    }
    if (dir.special == Special::kProcPidFd) {
        int32_t fd = number_named(name, length, 7);  // below FdTable::kMaxFds
        if (fd < 0 || !process_file(dir.pid, fd).ok()) return Node{};
        return Node{nullptr, Special::kProcPidFdLink, dir.pid, fd, dir.tid};
    }
    if (!dir.inode) return Node{};
    InodeRef found = m_fs.lookup(dir.inode.get(), name, length);
    return found ? Node{static_cast<InodeRef&&>(found), Special::kNone} : Node{};
}

NodeHold NodeHold::of(const Vfs& vfs, const Node& node) {
    if (node.inode) {
        node.inode->add_ref();
        return NodeHold(reinterpret_cast<uintptr_t>(node.inode.get()));
    }
    NodeId id = vfs.id_of(node);
    return id ? NodeHold(uintptr_t(id) << 1 | 1) : NodeHold();
}

NodeHold NodeHold::share() const {
    if (Inode* i = inode()) i->add_ref();
    return NodeHold(m_bits);
}

NodeId NodeHold::id() const {
    if (Inode* i = inode()) return i->number;
    return NodeId(m_bits >> 1);
}

void NodeHold::release() {
    if (Inode* i = inode()) i->release_ref();
    m_bits = 0;
}

Node NodeHold::node(const Vfs& vfs) const {
    if (m_bits == 0) return Node{};
    if (Inode* i = inode()) return Node{InodeRef::share(i), Special::kNone};
    return vfs.node_of(NodeId(m_bits >> 1));
}

LookupContext LookupContext::of_process(Node cwd, Node root, Inode* exe, int32_t pid) {
    LookupContext ctx;
    ctx.cwd = static_cast<Node&&>(cwd);
    ctx.root = static_cast<Node&&>(root);
    ctx.exe = exe;
    ctx.pid = pid;
    if (pid > 0) decimal(pid, ctx.pid_text);
    return ctx;
}

Result<Node> Vfs::resolve(const LookupContext& ctx, Node start, const char* path,
                          bool follow_last) const {
    if (!start.valid()) start = ctx.cwd.valid() ? ctx.cwd : root_of(ctx);
    return walk(ctx, start, path, strlen(path), follow_last);
}

Result<Node> Vfs::resolve_parent(const LookupContext& ctx, Node start, const char* path,
                                 LastName* last) const {
    if (!start.valid()) start = ctx.cwd.valid() ? ctx.cwd : root_of(ctx);
    const size_t length = strlen(path);
    size_t end = length;
    while (end > 0 && path[end - 1] == '/') --end;  // trailing slashes
    if (end == 0) return Error::kNoEntry;
    const size_t name_end = end;
    while (end > 0 && path[end - 1] != '/') --end;  // the last component
    if (last) {
        last->name = path + end;
        last->length = name_end - end;
        last->trailing_slash = name_end < length;
        last->is_dot_or_dotdot = (last->length == 1 && path[end] == '.') ||
                                 (last->length == 2 && path[end] == '.' && path[end + 1] == '.');
        if (last->length > kNameMax) return Error::kNameTooLong;
    }
    if (end == 0) {
        if (!is_directory(start)) return Error::kNotDirectory;
        return start;
    }
    Node dir = TRY(walk(ctx, start, path, end, true));
    if (!is_directory(dir)) return Error::kNotDirectory;
    return dir;
}

namespace {

// The paths a lookup is in the middle of: the path it was given, and the
// target of each link it is following (innermost last), as Linux's
// nameidata stack. Each link's node is held so that its target text stays.
struct WalkFrames {
    struct Frame {
        const char* p;
        const char* end;
        bool follow_last;  // follow a link named last in this text
        Node link;         // whose target this text is (none for the path)
    };
    Frame frames[kMaxSymlinks + 1];
    int count = 0;
};

// Whether text[p, end) holds nothing but slashes.
bool only_slashes(const char* p, const char* end) {
    for (; p < end; ++p) {
        if (*p != '/') return false;
    }
    return true;
}

}  // namespace

Result<Node> Vfs::walk(const LookupContext& ctx, const Node& start, const char* path, size_t length,
                       bool follow_last) const {
    if (length == 0) return Error::kNoEntry;
    // Link targets are followed in place of recursion (a chain of 40 links
    // would overflow a kernel stack), on the heap once there is one.
    HeapPtr<WalkFrames> nested(nullptr);
    WalkFrames::Frame top{path, path + length, follow_last, Node{}};
    WalkFrames::Frame* frame = &top;
    int links = 0;
    Node current = path[0] == '/' ? root_of(ctx) : start;
    for (;;) {
        const char* end = frame->end;
        const char*& p = frame->p;
        while (p < end && *p == '/') ++p;
        if (p == end) {
            // This text is done: "dir/" asks for a directory.
            if (end[-1] == '/' && !is_directory(current)) return Error::kNotDirectory;
            if (frame == &top) break;
            WalkFrames& stack = *nested.get();
            stack.frames[--stack.count] = WalkFrames::Frame{};
            frame = stack.count ? &stack.frames[stack.count - 1] : &top;
            continue;
        }
        const char* name = p;
        while (p < end && *p != '/') ++p;
        size_t name_length = size_t(p - name);
        if (name_length > kNameMax) return Error::kNameTooLong;
        if (!is_directory(current)) return Error::kNotDirectory;
        if (name_length == 1 && name[0] == '.') continue;
        if (name_length == 2 && name[0] == '.' && name[1] == '.') {
            // Never above a chroot's root (as Linux's follow_dotdot).
            if (!(ctx.root.valid() && current == ctx.root)) current = parent(current);
            continue;
        }
        Node next = child(current, name, name_length);
        if (!next.valid()) return Error::kNoEntry;
        // A '/' after the name asks for a directory: a link is followed then too.
        bool follow = !only_slashes(p, end) || frame->follow_last || p < end;
        if (type(next) != NodeType::kSymlink || !follow) {
            current = static_cast<Node&&>(next);
            continue;
        }
        if (++links > kMaxSymlinks) return Error::kLoop;
        const char* target = next.inode ? next.inode->target : fixed_link_target(next.special);
        if (!target) {
            // One of /proc's links, which lead straight to their node.
            current = TRY(follow_magic(ctx, next));
            continue;
        }
        if (!nested.get()) {
            nested.reset(new (std::nothrow) WalkFrames);
            if (!nested.get()) return Error::kNoMemory;
        }
        WalkFrames& stack = *nested.get();
        // The link's directory is `current`; an absolute target starts over.
        stack.frames[stack.count++] =
            WalkFrames::Frame{target, target + strlen(target), true, static_cast<Node&&>(next)};
        frame = &stack.frames[stack.count - 1];
        if (target[0] == '/') current = root_of(ctx);
    }
    return current;
}

void Vfs::stat(const Node& node, FileStat& out) const {
    out = FileStat{};
    if (node.special == Special::kProcPidFdFile) {
        auto file = process_file(node.pid, node.fd);
        if (file.ok()) file.value()->stat(out);
        return;
    }
    NodeType t = type(node);
    if (node.inode) {
        m_fs.stat(node.inode.get(), out);
        out.device = kRootDevice;
        return;
    }
    const SpecialInfo* i = info(node.special);
    if (!i) return;
    bool in_proc = node.special >= Special::kProcDirectory;
    out.device = in_proc ? kProcDevice : kDevDevice;
    out.inode = node_serial(node);
    out.links = t == NodeType::kDirectory ? 2 : 1;
    switch (t) {
        case NodeType::kDirectory:
            out.mode = mode_bits::kDirectory;
            break;
        case NodeType::kCharDevice:
            out.mode = mode_bits::kCharDevice;
            out.rdevice = make_device(i->major, i->minor);
            out.block_size = 4096;
            break;
        case NodeType::kSymlink:
            // As Linux's /proc links: size 0, whatever they lead to.
            out.mode = mode_bits::kSymlink;
            break;
        case NodeType::kRegular:
        case NodeType::kFifo:  // no special node is one
        case NodeType::kSocket:
            out.mode = mode_bits::kRegular;
            break;
    }
    out.mode |= i->permissions;
}

Special Vfs::device_named(uint64_t device) const {
    for (const SpecialInfo& i : kSpecials) {
        if (i.type == NodeType::kCharDevice && make_device(i.major, i.minor) == device) return i.id;
    }
    return Special::kNone;
}

const char* Vfs::fixed_link_target(Special special) const {
    const SpecialInfo* fixed = info(special);
    return fixed ? fixed->link : nullptr;
}

Result<Node> Vfs::follow_magic(const LookupContext& ctx, const Node& link) const {
    switch (link.special) {
        case Special::kProcSelf:
            if (ctx.pid <= 0 || !process_exists(ctx.pid)) return Error::kNoEntry;
            return Node{nullptr, Special::kProcPid, ctx.pid};
        case Special::kProcPidExe: {
            // The caller's own without asking the process table.
            InodeRef program = link.pid == ctx.pid && ctx.exe ? InodeRef::share(ctx.exe)
                                                              : process_program(link.pid);
            if (!program) return Error::kNoEntry;
            return Node{static_cast<InodeRef&&>(program), Special::kNone};
        }
        case Special::kProcPidFdLink: {
            // The open file's node; a file without one (a pipe) is named
            // by kProcPidFdFile, which stat and open() turn into the file.
            auto file = process_file(link.pid, link.fd);
            if (!file.ok()) return Error::kNoEntry;
            if (file.value()->node()) return *file.value()->node();
            return Node{nullptr, Special::kProcPidFdFile, link.pid, link.fd};
        }
        case Special::kProcPidCwd: {
            auto cwd = process_cwd(link.pid);
            if (!cwd.ok()) return Error::kNoEntry;
            Node node = node_of(cwd.value());
            if (cwd.value() && !node.valid()) return Error::kNoEntry;  // removed
            return node.valid() ? node : root();
        }
        default:
            return Error::kInvalid;
    }
}

Result<size_t> Vfs::read_link(const LookupContext& ctx, const Node& node, char* out,
                              size_t size) const {
    if (type(node) != NodeType::kSymlink) return Error::kInvalid;
    const char* text = nullptr;
    const SpecialInfo* fixed = node.inode ? nullptr : info(node.special);
    if (node.inode) {
        text = node.inode->target;
    } else if (fixed && fixed->link) {
        text = fixed->link;
    } else if (node.special == Special::kProcSelf) {
        if (ctx.pid <= 0) return Error::kNoEntry;
        text = ctx.pid_text;
    }
    if (text) {
        size_t n = strlen(text);
        if (n + 1 > size) return Error::kRange;
        memcpy(out, text, n + 1);
        return n;
    }
    if (node.special == Special::kProcPidFdLink) {
        auto found = process_file(node.pid, node.fd);
        if (!found.ok()) return Error::kNoEntry;
        DescriptionRef& file = found.value();
        if (!file->node()) {
            // As Linux names a pipe: by its inode number.
            FileStat st;
            file->stat(st);
            bool pipe = (st.mode & mode_bits::kTypeMask) == mode_bits::kFifo;
            size_t n = format(out, size, pipe ? "pipe:[%lu]" : "anon_inode:[%lu]", st.inode);
            if (n + 1 > size) return Error::kRange;
            return n;
        }
        return path_of(*file->node(), out, size);
    }
    return path_of(TRY(follow_magic(ctx, node)), out, size);
}

Result<size_t> Vfs::path_of(const Node& node, char* out, size_t size) const {
    if (is_per_process(node.special)) {
        // /proc/<pid>[/task/<tid>][/<name>]
        char pid[12], tid[12];
        decimal(node.pid, pid);
        decimal(node.tid, tid);
        const SpecialInfo* i = info(node.special);
        bool is_dir = node.special == Special::kProcPid || node.special == Special::kProcPidTaskTid;
        const char* parts[6] = {"/proc/",
                                pid,
                                node.tid ? "/task/" : "",
                                node.tid ? tid : "",
                                is_dir ? "" : "/",
                                is_dir ? "" : i->name};
        size_t n = 0;
        for (const char* part : parts) n += strlen(part);
        if (n + 1 > size) return Error::kRange;
        size_t at = 0;
        for (const char* part : parts) {
            memcpy(out + at, part, strlen(part));
            at += strlen(part);
        }
        out[at] = '\0';
        return n;
    }
    if (node.inode) return inode_path(node.inode.get(), out, size);
    const char* path = "/";
    if (const SpecialInfo* i = info(node.special)) {
        path = i->path;
    }
    size_t n = strlen(path);
    if (n + 1 > size) return Error::kRange;
    memcpy(out, path, n + 1);
    return n;
}

bool Vfs::entry_at(const Node& dir, size_t index, DirectoryEntry& out) const {
    if (!is_directory(dir)) return false;
    const size_t offset = index;
    if (index < 2) {
        Node n = index == 0 ? dir : parent(dir);
        FileStat st;
        stat(n, st);
        out = DirectoryEntry{st.inode, kDtDir, index == 0 ? "." : "..", offset + 1};
        return true;
    }
    index -= 2;
    bool is_root = is_root_inode(dir, m_fs);
    Special parent_key = is_root ? Special::kNone : listing_key(dir.special);
    if (is_root || dir.special != Special::kNone) {
        for (const SpecialInfo& i : kSpecials) {
            if (i.parent != parent_key || !i.name[0]) continue;
            if (dir.tid && !in_thread_view(i)) continue;
            if (index-- == 0) {
                Node child{nullptr, i.id, is_per_process(i.id) ? dir.pid : 0, 0, dir.tid};
                out = DirectoryEntry{node_serial(child), dirent_type(i.type), i.name, offset + 1};
                return true;
            }
        }
    }
    if (dir.special == Special::kProcPidFd) {
        // One link per open descriptor, at offset 2 + fd.
        int32_t fd = first_fd_from(dir.pid, int32_t(offset - 2));
        if (fd < 0) return false;
        out = DirectoryEntry{node_serial(Node{nullptr, Special::kProcPidFdLink, dir.pid, fd}),
                             kDtLink, nullptr, 2 + size_t(fd) + 1};
        decimal(fd, out.name_text);
        out.name = out.name_text;
        return true;
    }
    if (dir.special == Special::kProcPidTask) {
        // One directory per thread, at offset 2 + tid.
        int32_t tid = first_thread_from(dir.pid, int32_t(offset - 2));
        if (tid <= 0) return false;
        out = DirectoryEntry{node_serial(Node{nullptr, Special::kProcPidTaskTid, dir.pid, 0, tid}),
                             kDtDir, nullptr, 2 + size_t(tid) + 1};
        decimal(tid, out.name_text);
        out.name = out.name_text;
        return true;
    }
    if (dir.special == Special::kProcDirectory) {
        // Then one directory per process, by pid (see fixed_proc_entries).
        const size_t first_pid_offset = 2 + fixed_entries(Special::kProcDirectory);
        int32_t pid = first_process_from(int32_t(offset - first_pid_offset + 1));
        if (pid <= 0) return false;
        out = DirectoryEntry{node_serial(Node{nullptr, Special::kProcPid, pid}), kDtDir, nullptr,
                             first_pid_offset + size_t(pid)};
        decimal(pid, out.name_text);
        out.name = out.name_text;
        return true;
    }
    if (!dir.inode) return false;
    // The tree's entries by cookie, minus what a mount shadows.
    const size_t first = 2 + (is_root ? fixed_entries(Special::kNone) : 0);
    uint64_t cookie = offset - first;
    for (;;) {
        uint64_t found;
        if (!m_fs.entry_from(dir.inode.get(), cookie, out, out.name_text, sizeof(out.name_text),
                             found))
            return false;
        cookie = found + 1;
        if (is_root && special_child(dir, true, out.name, strlen(out.name)) != Special::kNone)
            continue;
        out.next_offset = first + found + 1;
        return true;
    }
}

Result<size_t> Vfs::inode_path(Inode* inode, char* out, size_t size) const {
    // Built backwards from the end of `out`, one name per directory up.
    if (size == 0) return Error::kRange;
    size_t at = size - 1;
    out[at] = '\0';
    auto prepend = [&](const char* text, size_t n) {
        if (n > at) return false;
        at -= n;
        memcpy(out + at, text, n);
        return true;
    };
    InodeRef current = InodeRef::share(inode);
    bool deleted = false;
    char name[kNameMax + 1];
    while (current.get() != m_fs.root()) {
        InodeRef up = m_fs.parent_of(current.get());
        bool removed;
        if (!m_fs.name_in(up.get(), current.get(), name, sizeof(name), removed)) {
            // No name kept: its place in the tree is what is left.
            deleted = true;
            if (up.get() == current.get()) break;
        } else if (!prepend(name, strlen(name)) || !prepend("/", 1)) {
            return Error::kRange;
        }
        // Removed, as Linux names it: the name it had, then " (deleted)".
        deleted = deleted || removed;
        current = static_cast<InodeRef&&>(up);
    }
    if (at == size - 1 && !prepend("/", 1)) return Error::kRange;
    if (deleted) {
        static const char kDeleted[] = " (deleted)";
        if (size - 1 - at + sizeof(kDeleted) > size) return Error::kRange;
        size_t n = size - 1 - at;
        memmove(out, out + at, n);
        memcpy(out + n, kDeleted, sizeof(kDeleted));
        return n + sizeof(kDeleted) - 1;
    }
    size_t n = size - 1 - at;
    memmove(out, out + at, n + 1);
    return n;
}

}  // namespace nyanos::fs
