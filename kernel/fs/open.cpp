#include "fs/open.h"

#include "fs/kernel_hooks.h"
#include "fs/tree_files.h"

namespace nyanos::fs {

namespace {

// Where /proc/<pid>/fd/<n> leads for a file without a node (a pipe): the open file
// itself, as a dup would give it (Linux opens the pipe anew, with the
// access asked for; here the access must be one the file already has).
Result<DescriptionRef> open_process_file(Node link, uint32_t flags) {
    using namespace open_flags;
    auto file = process_file(link.pid, link.fd);
    if (!file.ok()) return Error::kNoEntry;
    uint32_t access = flags & kAccessMode;
    bool reads = access == kReadOnly || access == kReadWrite;
    bool writes = access == kWriteOnly || access == kReadWrite;
    if ((reads && !file.value()->readable()) || (writes && !file.value()->writable()))
        return Error::kAccess;
    return file;
}

}  // namespace

Result<DescriptionRef> open_node(const Vfs& vfs, Node node, uint32_t flags) {
    using namespace open_flags;
    uint32_t access = flags & kAccessMode;
    bool writes = access == kWriteOnly || access == kReadWrite || (flags & kTruncate);
    if ((flags & kCreate) && (flags & kExclusive)) return Error::kExists;
    // What the description keeps; 64-bit Linux always reports O_LARGEFILE.
    uint32_t kept = access | (flags & (kAppend | kNonBlock)) | kLargeFile;
    if (node.special == Special::kProcPidFdFile) return open_process_file(node, flags);
    switch (vfs.type(node)) {
        case NodeType::kSymlink:
            return Error::kLoop;
        case NodeType::kDirectory:
            if (writes || (flags & kCreate)) return Error::kIsDirectory;
            return DirectoryFile::try_create(vfs, node, kept);
        case NodeType::kRegular:
            if (flags & kDirectory) return Error::kNotDirectory;
            if (is_proc_text(node.special)) {
                // Read-only for everyone: nothing in /proc takes writes yet.
                if (writes) return Error::kAccess;
                return open_proc_text(vfs, node, kept);
            }
            if (!node.inode) return Error::kAccess;
            if (flags & kTruncate) TRY(vfs.tree().truncate_by_name(node.inode.get(), 0));
            return RegularFile::try_create(vfs, static_cast<Node&&>(node), kept);
        case NodeType::kFifo:
            if (flags & kDirectory) return Error::kNotDirectory;
            return open_fifo(vfs, static_cast<Node&&>(node), kept);
        case NodeType::kSocket:
            // A socket is reached by connect(), not open() (Linux: ENXIO).
            if (flags & kDirectory) return Error::kNotDirectory;
            return Error::kNoDeviceOrAddress;
        case NodeType::kCharDevice:
            if (flags & kDirectory) return Error::kNotDirectory;
            // A device node of the tree opens as the device its number
            // names (its stat stays the node's own).
            if (node.inode) {
                node.special = vfs.device_named(node.inode->device);
                if (node.special == Special::kNone) return Error::kNoDeviceOrAddress;
            }
            if (is_terminal(node.special))
                return open_terminal(vfs, node, kept | (flags & kNoCtty));
            if (node.special == Special::kRandom || node.special == Special::kUrandom)
                return open_random(vfs, node, kept);
            return MemoryDevice::try_create(vfs, node, kept);
    }
    return Error::kNoEntry;
}

Result<DescriptionRef> open_path(const Vfs& vfs, const LookupContext& ctx, Node start,
                                 const char* path, uint32_t flags, uint32_t mode) {
    using namespace open_flags;
    // Linux 6.1 (as fixed in 6.4 and taken back): a directory cannot be
    // created by open.
    if ((flags & kCreate) && (flags & kDirectory)) return Error::kInvalid;
    if (!(flags & kCreate)) {
        Node node = TRY(vfs.resolve(ctx, start, path, !(flags & kNoFollow)));
        return open_node(vfs, static_cast<Node&&>(node), flags);
    }
    // O_CREAT: Linux's open_last_lookups. The directory must exist; the
    // last name may not be "." or ".." or end in '/' (EISDIR). A link
    // named last is followed (unless O_EXCL or O_NOFOLLOW), and a dangling
    // one creates its target.
    Node link;  // holds the text `path` points into once a link is followed
    LastName last;
    for (int links = 0;; ++links) {
        Node dir = TRY(vfs.resolve_parent(ctx, start, path, &last));
        if (last.is_dot_or_dotdot || last.trailing_slash) return Error::kIsDirectory;
        Node existing = vfs.child(dir, last.name, last.length);
        if (!existing.valid()) {
            if (!dir.inode) return no_new_name(dir.special);  // /dev and /proc take no new names
            auto made = vfs.tree().create(dir.inode.get(), last.name, last.length,
                                          NodeType::kRegular, mode & 07777, ctx.uid, ctx.gid);
            // Another opener made it since we looked: open that one (the
            // race counts against the link bound, so it cannot go on).
            if (!made.ok() && made.error() == Error::kExists && !(flags & kExclusive) &&
                links < kMaxSymlinks)
                continue;
            if (!made.ok()) return made.error();
            // A new file is empty: no truncate, and nobody can be running it.
            return open_node(vfs, Node{made.release_value(), Special::kNone},
                             flags & ~(kCreate | kTruncate));
        }
        if (flags & kExclusive) return Error::kExists;  // a link too, dangling or not
        if (vfs.type(existing) == NodeType::kSymlink) {
            if (flags & kNoFollow) return Error::kLoop;
            if (links >= kMaxSymlinks) return Error::kLoop;
            if (existing.inode) {
                start = dir;
                path = existing.inode->target;
                link = static_cast<Node&&>(existing);
                continue;
            }
            existing = TRY(vfs.resolve(ctx, dir, last.name, true));
        }
        // Already there: opened as without O_CREAT, but a directory is
        // EISDIR (open_node).
        return open_node(vfs, static_cast<Node&&>(existing), flags);
    }
}

}  // namespace nyanos::fs
