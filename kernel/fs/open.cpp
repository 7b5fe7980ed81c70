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
            if (writes) return Error::kReadOnlyFs;
            return BytesFile::try_create(vfs, node, kept);
        case NodeType::kCharDevice:
            if (flags & kDirectory) return Error::kNotDirectory;
            if (node.special == Special::kConsole || node.special == Special::kTty)
                return open_console(vfs, node, kept);
            if (node.special == Special::kRandom || node.special == Special::kUrandom)
                return open_random(vfs, node, kept);
            return MemoryDevice::try_create(vfs, node, kept);
    }
    return Error::kNoEntry;
}

Result<DescriptionRef> open_path(const Vfs& vfs, const LookupContext& ctx, Node start,
                                 const char* path, uint32_t flags) {
    auto node = vfs.resolve(ctx, start, path, !(flags & open_flags::kNoFollow));
    if (!node.ok()) {
        if (node.error() != Error::kNoEntry || !(flags & open_flags::kCreate)) return node.error();
        // Creating: the directory must exist, and then the file system
        // (read-only) says no.
        TRY(vfs.resolve_parent(ctx, start, path));
        return Error::kReadOnlyFs;
    }
    return open_node(vfs, node.value(), flags);
}

}  // namespace nyanos::fs
