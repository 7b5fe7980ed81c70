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

void free_backing(mm::FileBacking* backing) {
    delete backing;
}

enum class Kind : uint8_t { kNone, kFile, kZero };

// What the description's file can be mapped as (Linux: whether its
// file_operations have an mmap, and what it does).
Kind kind_of(const FileDescription& d) {
    const Node* node = d.node();
    if (!node) return Kind::kNone;  // pipes, the console init starts with
    if (node->entry) return node->entry->is_directory ? Kind::kNone : Kind::kFile;
    return node->special == Special::kZero ? Kind::kZero : Kind::kNone;
}

}  // namespace

Result<FileMapping> prepare_file_mapping(const FileDescription& d, uint32_t flags, uint8_t prot,
                                         FramesOf frames_of) {
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
    const FileEntry* file = d.node()->entry;
    auto* backing = new (std::nothrow) mm::FileBacking;
    if (!backing) return Error::kNoMemory;
    out.backing = RefPtr<mm::FileBacking>::adopt(backing);
    FileFrames frames = frames_of(file);
    // Only a file that starts on a page can lend its frames (an archive
    // written by plain tar places data at 512-byte steps): else every page
    // is copied.
    if (frames.phys % 4096) frames = FileFrames{};
    backing->data = file->data;
    backing->size = file->size;
    backing->phys = frames.phys;
    backing->mappable = frames.mappable;
    // The ramdisk is read-only: no shared mapping of it may write.
    backing->writable = false;
    backing->path = file->name;
    backing->destroy = free_backing;
    return out;
}

}  // namespace nyanos::fs
