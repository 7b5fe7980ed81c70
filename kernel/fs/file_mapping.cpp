#include "fs/file_mapping.h"

#include <new>

#include "fs/vfs.h"
#include "mm/process_memory.h"

namespace nyanos::fs {

namespace {

// The flags every file knows (Linux's LEGACY_MAP_MASK): MAP_SHARED drops
// the others silently, MAP_SHARED_VALIDATE refuses them. No file here adds
// any of its own (Linux's mmap_supported_flags: MAP_SYNC, on DAX files).
constexpr uint32_t kUninitialized = 0x4000000;
constexpr uint32_t kLegacyFlags =
    mm::kMapShared | mm::kMapPrivate | mm::kMapFixed | mm::kMapAnonymous | mm::kMapDenyWrite |
    mm::kMapExecutable | kUninitialized | mm::kMapGrowsDown | mm::kMapLocked | mm::kMapNoReserve |
    mm::kMapPopulate | mm::kMapNonBlock | mm::kMapStack | mm::kMapHugeTlb;

// A mapping of a root-tree file: the backing holds the file.
struct TreeBacking final : mm::FileBacking {
    InodeRef file;
};

void free_backing(mm::FileBacking* backing) {
    auto* tree_backing = static_cast<TreeBacking*>(backing);
    Inode* file = tree_backing->file.get();
    file->fs->note_unmapped(file);
    delete tree_backing;
}

Result<paging::PhysAddr> share_page(mm::FileBacking* backing, uint64_t index) {
    Inode* file = static_cast<TreeBacking*>(backing)->file.get();
    return file->fs->page_for_mapping(file, index);
}

uint64_t size_now(mm::FileBacking* backing) {
    Inode* file = static_cast<TreeBacking*>(backing)->file.get();
    return file->fs->size_of(file);
}

enum class Kind : uint8_t { kNone, kFile, kZero };

// What the description's file can be mapped as (Linux: whether its
// file_operations have an mmap, and what it does).
Kind kind_of(const FileDescription& d) {
    const Node* node = d.node();
    if (!node) return Kind::kNone;  // pipes, the console init starts with
    // /dev/zero, or a device node of the tree made for it (mknod c 1 5).
    if (node->special == Special::kZero) return Kind::kZero;
    if (node->inode) return node->inode->type == NodeType::kRegular ? Kind::kFile : Kind::kNone;
    return Kind::kNone;
}

}  // namespace

Result<FileMapping> prepare_file_mapping(const FileDescription& d, uint32_t flags, uint8_t prot) {
    if (flags & mm::kMapHugeTlb) return Error::kInvalid;
    const uint32_t type = flags & mm::kMapTypeMask;
    if (type != mm::kMapShared && type != mm::kMapPrivate && type != mm::kMapSharedValidate)
        return Error::kInvalid;
    const bool shared = type != mm::kMapPrivate;
    if (type == mm::kMapSharedValidate && (flags & ~kLegacyFlags)) return Error::kNotSupported;
    if (shared && (prot & mm::kProtWrite) && !d.writable()) return Error::kAccess;
    if (!d.readable()) return Error::kAccess;
    const Kind kind = kind_of(d);
    if (kind == Kind::kNone) return Error::kNoDevice;
    if (flags & mm::kMapGrowsDown) return Error::kInvalid;

    FileMapping out;
    out.may_write = !shared || d.writable();
    if (kind == Kind::kZero) {
        out.anonymous = true;
        out.shared = shared && d.writable();
        return out;
    }
    Inode* file = d.node()->inode.get();
    auto* backing = new (std::nothrow) TreeBacking;
    if (!backing) return Error::kNoMemory;
    backing->file = InodeRef::share(file);
    backing->inode = file->number;
    backing->size_now = size_now;
    file->fs->note_mapped(file);
    backing->destroy = free_backing;
    out.backing = RefPtr<mm::FileBacking>::adopt(backing);
    backing->writable = d.writable();
    // A mapping that can never write a file still in the boot archive maps
    // the archive's frames as the loader does (or copies each page): a
    // private one, or a shared one of a read-only description (a program
    // mapping itself). Every other mapping shares the file's own pages
    // (copying the archive's bytes into them first), so a shared one sees
    // writes and is seen by reads. The one difference from Linux: a
    // read-only shared mapping of an archive file keeps the archive's bytes
    // if the file is written afterwards.
    Tmpfs::ProgramBytes borrowed = file->fs->borrowed_bytes(file);
    if ((!shared || !d.writable()) && borrowed.data) {
        FileFrames frames = borrowed.frames;
        // Only a file that starts on a page can lend its frames (an archive
        // written by plain tar places data at 512-byte steps): else every
        // page is copied.
        if (frames.phys % 4096) frames = FileFrames{};
        backing->data = borrowed.data;
        backing->size = borrowed.size;
        backing->phys = frames.phys;
        backing->mappable = frames.mappable;
        return out;
    }
    backing->share_page = share_page;
    return out;
}

}  // namespace nyanos::fs
