#include "fs/vfs.h"

#include <string.h>

#include "fs/kernel_hooks.h"
#include "lib/format.h"

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
    {Special::kProcPidMounts, Special::kProcPid, "mounts", "mounts", NodeType::kRegular, 0444, 0,
     0},
    {Special::kProcPidMaps, Special::kProcPid, "maps", "maps", NodeType::kRegular, 0444, 0, 0},
    // /proc/<pid>/fd and its links, one per open descriptor (found by number).
    {Special::kProcPidFd, Special::kProcPid, "fd", "fd", NodeType::kDirectory, 0500, 0, 0},
    {Special::kProcPidFdLink, Special::kProcPidFd, "", "", NodeType::kSymlink, 0700, 0, 0},
    // Its stat is the open file's own (Vfs::stat).
    {Special::kProcPidFdFile, Special::kProcPidFd, "", "", NodeType::kRegular, 0, 0, 0},
    // As Linux's, /proc/mounts is a link to the caller's mounts.
    {Special::kProcCpuinfo, Special::kProcDirectory, "cpuinfo", "/proc/cpuinfo", NodeType::kRegular,
     0444, 0, 0},
    {Special::kProcLoadavg, Special::kProcDirectory, "loadavg", "/proc/loadavg", NodeType::kRegular,
     0444, 0, 0},
    {Special::kProcMeminfo, Special::kProcDirectory, "meminfo", "/proc/meminfo", NodeType::kRegular,
     0444, 0, 0},
    {Special::kProcMounts, Special::kProcDirectory, "mounts", "/proc/mounts", NodeType::kSymlink,
     0777, 0, 0, "self/mounts"},
    {Special::kProcStat, Special::kProcDirectory, "stat", "/proc/stat", NodeType::kRegular, 0444, 0,
     0},
    {Special::kProcUptime, Special::kProcDirectory, "uptime", "/proc/uptime", NodeType::kRegular,
     0444, 0, 0},
    {Special::kProcVersion, Special::kProcDirectory, "version", "/proc/version", NodeType::kRegular,
     0444, 0, 0},
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

// The special node `name` directly inside the node `dir` (kNone if none).
Special special_child(Node dir, bool dir_is_root, const char* name, size_t length) {
    if (!dir_is_root && dir.special == Special::kNone) return Special::kNone;
    Special parent = dir_is_root ? Special::kNone : dir.special;
    for (const SpecialInfo& i : kSpecials) {
        if (i.parent == parent && i.name[0] && name_is(i.name, name, length)) return i.id;
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

size_t decimal(int32_t value, char (&out)[12]) {
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
    }
    return 0;
}

uint64_t special_serial(Special s) {
    return 0x10000 + uint64_t(s);
}

uint64_t node_serial(Node node) {
    if (node.special == Special::kProcPidFdLink || node.special == Special::kProcPidFdFile)
        return 0x100000000000000ull + (uint64_t(uint32_t(node.pid)) << 20) + uint64_t(node.fd);
    if (is_per_process(node.special))
        return 0x100000000ull + (uint64_t(uint32_t(node.pid)) << 8) + uint64_t(node.special);
    return special_serial(node.special);
}

// The offset of /proc's first per-process entry: ".", "..", then the
// fixed names before it. Process `pid` is at kFirstPidOffset + pid - 1,
// so a listing resumes at the next pid whatever exited meanwhile.
size_t fixed_proc_entries() {
    size_t n = 0;
    for (const SpecialInfo& i : kSpecials) n += i.parent == Special::kProcDirectory && i.name[0];
    return n;
}

}  // namespace

NodeType Vfs::type(Node node) const {
    if (node.entry) {
        if (node.entry->is_symlink()) return NodeType::kSymlink;
        return node.entry->is_directory ? NodeType::kDirectory : NodeType::kRegular;
    }
    const SpecialInfo* i = info(node.special);
    return i ? i->type : NodeType::kRegular;
}

NodeId Vfs::id_of(Node node) const {
    if (node.entry) return NodeId(m_disk.serial_of(node.entry));
    if (node.special == Special::kNone || node.special == Special::kProcPidFdLink ||
        node.special == Special::kProcPidFdFile)
        return 0;
    if (is_per_process(node.special))
        return 0x80000000u | uint32_t(node.pid) << 8 | uint32_t(node.special);
    return NodeId(0x8000 + unsigned(node.special));
}

Node Vfs::node_of(NodeId id) const {
    if (id == 0) return Node{};
    if (id & 0x80000000u) {
        Special s = Special(id & 0xff);
        int32_t pid = int32_t((id & 0x7fffffffu) >> 8);
        return is_per_process(s) && pid > 0 ? Node{nullptr, s, pid} : Node{};
    }
    if (id & 0x8000) {
        Special s = Special(id & 0xff);
        return info(s) && !is_per_process(s) ? Node{nullptr, s} : Node{};
    }
    return Node{m_disk.entry_by_serial(id), Special::kNone};
}

Node Vfs::parent(Node node) const {
    if (node.entry) return Node{m_disk.parent_of(node.entry), Special::kNone};
    const SpecialInfo* i = info(node.special);
    if (!i || i->parent == Special::kNone) return root();
    return Node{nullptr, i->parent, is_per_process(i->parent) ? node.pid : 0};
}

Node Vfs::child(Node dir, const char* name, size_t length) const {
    bool is_root = dir == root();
    Special s = special_child(dir, is_root, name, length);
    if (s != Special::kNone) {
        if (!is_per_process(s)) return Node{nullptr, s};
        // What is in /proc/<pid> goes with the process.
        return process_exists(dir.pid) ? Node{nullptr, s, dir.pid} : Node{};
    }
    if (dir.special == Special::kProcDirectory) {
        int32_t pid = number_named(name, length, 9);  // /proc/<pid>: pids start at 1
        return pid > 0 && process_exists(pid) ? Node{nullptr, Special::kProcPid, pid} : Node{};
    }
    if (dir.special == Special::kProcPidFd) {
        int32_t fd = number_named(name, length, 7);  // below FdTable::kMaxFds
        if (fd < 0 || !process_file(dir.pid, fd).ok()) return Node{};
        return Node{nullptr, Special::kProcPidFdLink, dir.pid, fd};
    }
    if (!dir.entry) return Node{};
    const FileEntry* e = m_disk.child(dir.entry, name, length);
    return e ? Node{e, Special::kNone} : Node{};
}

LookupContext LookupContext::of_process(Node cwd, const FileEntry* exe, int32_t pid) {
    LookupContext ctx{cwd, exe, pid, {}};
    if (pid > 0) decimal(pid, ctx.pid_text);
    return ctx;
}

Result<Node> Vfs::resolve(const LookupContext& ctx, Node start, const char* path,
                          bool follow_last) const {
    if (!start.valid()) start = ctx.cwd.valid() ? ctx.cwd : root();
    return walk(ctx, start, path, strlen(path), follow_last, 0);
}

Result<Node> Vfs::resolve_parent(const LookupContext& ctx, Node start, const char* path) const {
    if (!start.valid()) start = ctx.cwd.valid() ? ctx.cwd : root();
    size_t end = strlen(path);
    while (end > 0 && path[end - 1] == '/') --end;  // trailing slashes
    if (end == 0) return Error::kNoEntry;
    while (end > 0 && path[end - 1] != '/') --end;  // the last component
    if (end == 0) {
        if (!is_directory(start)) return Error::kNotDirectory;
        return start;
    }
    Node dir = TRY(walk(ctx, start, path, end, true, 0));
    if (!is_directory(dir)) return Error::kNotDirectory;
    return dir;
}

Result<Node> Vfs::walk(const LookupContext& ctx, Node start, const char* path, size_t length,
                       bool follow_last, int depth) const {
    if (length == 0) return Error::kNoEntry;
    const char* end = path + length;
    Node current = path[0] == '/' ? root() : start;
    const char* p = path;
    for (;;) {
        while (p < end && *p == '/') ++p;
        if (p == end) break;
        const char* name = p;
        while (p < end && *p != '/') ++p;
        size_t name_length = size_t(p - name);
        if (name_length > kNameMax) return Error::kNameTooLong;
        if (!is_directory(current)) return Error::kNotDirectory;
        if (name_length == 1 && name[0] == '.') continue;
        if (name_length == 2 && name[0] == '.' && name[1] == '.') {
            current = parent(current);
            continue;
        }
        Node next = child(current, name, name_length);
        if (!next.valid()) return Error::kNoEntry;
        // A '/' after the name asks for a directory: a link is followed then too.
        bool last = true;
        for (const char* q = p; q < end; ++q) {
            if (*q != '/') last = false;
        }
        bool follow = !last || follow_last || p < end;
        if (type(next) == NodeType::kSymlink && follow) {
            if (depth + 1 >= kMaxSymlinks) return Error::kLoop;
            next = TRY(follow_link(ctx, next, depth + 1));
        }
        current = next;
    }
    // "file/" names a directory that is not one.
    if (path[length - 1] == '/' && !is_directory(current)) return Error::kNotDirectory;
    return current;
}

void Vfs::stat(Node node, FileStat& out) const {
    out = FileStat{};
    if (node.special == Special::kProcPidFdFile) {
        auto file = process_file(node.pid, node.fd);
        if (file.ok()) file.value()->stat(out);
        return;
    }
    NodeType t = type(node);
    if (node.entry) {
        out.device = kRamdiskDevice;
        out.inode = m_disk.serial_of(node.entry);
        out.links = t == NodeType::kDirectory ? 2 : 1;
        if (t == NodeType::kSymlink) {
            // As on Linux: the size is the target's length, the mode 0777.
            out.size = int64_t(strlen(node.entry->link_target));
            out.mode = mode_bits::kSymlink | 0777;
            return;
        }
        out.size = int64_t(node.entry->size);
        out.blocks = (out.size + 511) / 512;
        out.mode = (t == NodeType::kDirectory ? mode_bits::kDirectory : mode_bits::kRegular) |
                   node.entry->permissions;
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
            out.mode = mode_bits::kRegular;
            break;
    }
    out.mode |= i->permissions;
}

Result<Node> Vfs::follow_link(const LookupContext& ctx, Node link, int depth) const {
    const SpecialInfo* fixed = link.entry ? nullptr : info(link.special);
    if (link.entry || (fixed && fixed->link)) {
        const char* target = link.entry ? link.entry->link_target : fixed->link;
        return walk(ctx, parent(link), target, strlen(target), true, depth);
    }
    switch (link.special) {
        case Special::kProcSelf:
            if (ctx.pid <= 0 || !process_exists(ctx.pid)) return Error::kNoEntry;
            return Node{nullptr, Special::kProcPid, ctx.pid};
        case Special::kProcPidExe: {
            // The caller's own without asking the process table.
            const FileEntry* program = link.pid == ctx.pid ? ctx.exe : process_program(link.pid);
            if (!program) return Error::kNoEntry;
            return Node{program, Special::kNone};
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
            return node.valid() ? node : root();
        }
        default:
            return Error::kInvalid;
    }
}

Result<size_t> Vfs::read_link(const LookupContext& ctx, Node node, char* out, size_t size) const {
    if (type(node) != NodeType::kSymlink) return Error::kInvalid;
    const char* text = nullptr;
    const SpecialInfo* fixed = node.entry ? nullptr : info(node.special);
    if (node.entry) {
        text = node.entry->link_target;
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
    return path_of(TRY(follow_link(ctx, node, 0)), out, size);
}

Result<size_t> Vfs::path_of(Node node, char* out, size_t size) const {
    if (is_per_process(node.special)) {
        char pid[12];
        decimal(node.pid, pid);
        const SpecialInfo* i = info(node.special);
        bool is_dir = node.special == Special::kProcPid;
        const char* parts[4] = {"/proc/", pid, is_dir ? "" : "/", is_dir ? "" : i->name};
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
    const char* path = "/";
    if (node.entry) {
        path = node.entry->name;
    } else if (const SpecialInfo* i = info(node.special)) {
        path = i->path;
    }
    size_t n = strlen(path);
    if (n + 1 > size) return Error::kRange;
    memcpy(out, path, n + 1);
    return n;
}

bool Vfs::entry_at(Node dir, size_t index, DirectoryEntry& out) const {
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
    bool is_root = dir == root();
    Special parent_key = is_root ? Special::kNone : dir.special;
    if (is_root || dir.special != Special::kNone) {
        for (const SpecialInfo& i : kSpecials) {
            if (i.parent != parent_key || !i.name[0]) continue;
            if (index-- == 0) {
                Node child{nullptr, i.id, is_per_process(i.id) ? dir.pid : 0};
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
    if (dir.special == Special::kProcDirectory) {
        // Then one directory per process, by pid (see fixed_proc_entries).
        const size_t first_pid_offset = 2 + fixed_proc_entries();
        int32_t pid = first_process_from(int32_t(offset - first_pid_offset + 1));
        if (pid <= 0) return false;
        out = DirectoryEntry{node_serial(Node{nullptr, Special::kProcPid, pid}), kDtDir, nullptr,
                             first_pid_offset + size_t(pid)};
        decimal(pid, out.name_text);
        out.name = out.name_text;
        return true;
    }
    if (!dir.entry) return false;
    // The ramdisk's children, minus what a mount shadows.
    for (size_t k = 0;; ++k) {
        const FileEntry* e = m_disk.child_at(dir.entry, k);
        if (!e) return false;
        const char* base = e->name;
        for (const char* c = e->name; *c; ++c) {
            if (*c == '/') base = c + 1;
        }
        if (is_root && special_child(dir, true, base, strlen(base)) != Special::kNone) continue;
        if (index-- == 0) {
            uint8_t kind = e->is_symlink() ? kDtLink : e->is_directory ? kDtDir : kDtReg;
            out = DirectoryEntry{m_disk.serial_of(e), kind, base, offset + 1};
            return true;
        }
    }
}

}  // namespace nyanos::fs
