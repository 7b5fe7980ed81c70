#include "fs/vfs.h"

#include <string.h>

namespace nyanos::fs {

namespace {

struct SpecialInfo {
    Special id;
    Special parent;  // kNone: the root
    const char* name;
    const char* path;
    NodeType type;
    uint32_t permissions;
    uint32_t major, minor;  // character devices
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
    {Special::kProcDirectory, Special::kNone, "proc", "/proc", NodeType::kDirectory, 0555, 0, 0},
    // Linux's /proc/self is a link to /proc/<pid>; with no per-pid
    // directories yet it is a directory itself.
    {Special::kProcSelf, Special::kProcDirectory, "self", "/proc/self", NodeType::kDirectory, 0555,
     0, 0},
    {Special::kProcSelfExe, Special::kProcSelf, "exe", "/proc/self/exe", NodeType::kSymlink, 0777,
     0, 0},
    // Linux's /proc/mounts is a link to self/mounts; every process here
    // sees the same mounts, so it is the file itself.
    {Special::kProcCpuinfo, Special::kProcDirectory, "cpuinfo", "/proc/cpuinfo", NodeType::kRegular,
     0444, 0, 0},
    {Special::kProcLoadavg, Special::kProcDirectory, "loadavg", "/proc/loadavg", NodeType::kRegular,
     0444, 0, 0},
    {Special::kProcMeminfo, Special::kProcDirectory, "meminfo", "/proc/meminfo", NodeType::kRegular,
     0444, 0, 0},
    {Special::kProcMounts, Special::kProcDirectory, "mounts", "/proc/mounts", NodeType::kRegular,
     0444, 0, 0},
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
        if (i.parent == parent && name_is(i.name, name, length)) return i.id;
    }
    return Special::kNone;
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
    if (node.special == Special::kNone) return 0;
    return NodeId(0x8000 + unsigned(node.special));
}

Node Vfs::node_of(NodeId id) const {
    if (id == 0) return Node{};
    if (id & 0x8000) {
        Special s = Special(id & 0xff);
        return info(s) ? Node{nullptr, s} : Node{};
    }
    return Node{m_disk.entry_by_serial(id), Special::kNone};
}

Node Vfs::parent(Node node) const {
    if (node.entry) return Node{m_disk.parent_of(node.entry), Special::kNone};
    const SpecialInfo* i = info(node.special);
    if (!i || i->parent == Special::kNone) return root();
    return Node{nullptr, i->parent};
}

Node Vfs::child(Node dir, const char* name, size_t length) const {
    bool is_root = dir == root();
    Special s = special_child(dir, is_root, name, length);
    if (s != Special::kNone) return Node{nullptr, s};
    if (!dir.entry) return Node{};
    const FileEntry* e = m_disk.child(dir.entry, name, length);
    return e ? Node{e, Special::kNone} : Node{};
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
            const char* target = TRY(link_target(ctx, next));
            next = TRY(walk(ctx, parent(next), target, strlen(target), true, depth + 1));
        }
        current = next;
    }
    // "file/" names a directory that is not one.
    if (path[length - 1] == '/' && !is_directory(current)) return Error::kNotDirectory;
    return current;
}

void Vfs::stat(const LookupContext& ctx, Node node, FileStat& out) const {
    out = FileStat{};
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
    out.inode = special_serial(node.special);
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
        case NodeType::kSymlink: {
            out.mode = mode_bits::kSymlink;
            auto target = link_target(ctx, node);
            out.size = target.ok() ? int64_t(strlen(target.value())) : 0;
            break;
        }
        case NodeType::kRegular:
            out.mode = mode_bits::kRegular;
            break;
    }
    out.mode |= i->permissions;
}

Result<const char*> Vfs::link_target(const LookupContext& ctx, Node node) const {
    if (type(node) != NodeType::kSymlink) return Error::kInvalid;
    if (node.entry) return node.entry->link_target;  // a ramdisk link
    // The only other link: /proc/self/exe.
    if (!ctx.exe) return Error::kNoEntry;
    return ctx.exe->name;
}

Result<size_t> Vfs::path_of(Node node, char* out, size_t size) const {
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
    if (index < 2) {
        Node n = index == 0 ? dir : parent(dir);
        FileStat st;
        stat(LookupContext{}, n, st);
        out = DirectoryEntry{st.inode, kDtDir, index == 0 ? "." : ".."};
        return true;
    }
    index -= 2;
    bool is_root = dir == root();
    Special parent_key = is_root ? Special::kNone : dir.special;
    if (is_root || dir.special != Special::kNone) {
        for (const SpecialInfo& i : kSpecials) {
            if (i.parent != parent_key) continue;
            if (index-- == 0) {
                out = DirectoryEntry{special_serial(i.id), dirent_type(i.type), i.name};
                return true;
            }
        }
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
            out = DirectoryEntry{m_disk.serial_of(e), kind, base};
            return true;
        }
    }
}

}  // namespace nyanos::fs
