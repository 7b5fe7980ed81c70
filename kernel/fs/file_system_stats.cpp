#include "fs/file_system_stats.h"

namespace nyanos::fs {

FileSystemStats file_system_stats(const Vfs& vfs, const FileStat& st) {
    FileSystemStats out;
    // As Linux: the fsid of a file system on an unnamed device is the device.
    out.fsid[0] = uint32_t(st.device);
    out.fsid[1] = uint32_t(st.device >> 32);
    if (st.device == kRootDevice) {
        // A tmpfs: blocks are its cap in pages, free what it may still
        // take; as many inodes as pages (Linux's default, half of memory in
        // both). Files still in the boot archive count no pages.
        Tmpfs::Usage use = vfs.tree().usage();
        out.type = kTmpfsMagic;
        out.blocks = use.max_pages;
        out.blocks_free = out.blocks_available = use.max_pages - use.pages;
        out.files = use.max_pages;
        out.files_free = use.max_pages > use.inodes ? use.max_pages - use.inodes : 0;
    } else if (st.device == kDevDevice) {
        // Device nodes hold no data.
        out.type = kTmpfsMagic;
        out.flags |= mount_flags::kNoSuid;
    } else if (st.device == kProcDevice) {
        out.type = kProcMagic;
        out.flags |= mount_flags::kNoSuid | mount_flags::kNoDev | mount_flags::kNoExec;
    } else {
        // A pipe (the only files outside the tree).
        out.type = kPipefsMagic;
    }
    return out;
}

uint64_t mount_id(uint64_t device) {
    return device == kRootDevice ? 1 : device == kDevDevice ? 2 : device == kProcDevice ? 3 : 4;
}

}  // namespace nyanos::fs
