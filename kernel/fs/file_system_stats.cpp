#include "fs/file_system_stats.h"

namespace nyanos::fs {

FileSystemStats file_system_stats(const Vfs& vfs, const FileStat& st) {
    FileSystemStats out;
    // As Linux: the fsid of a file system on an unnamed device is the device.
    out.fsid[0] = uint32_t(st.device);
    out.fsid[1] = uint32_t(st.device >> 32);
    if (st.device == kRamdiskDevice) {
        // Read-only: every block is used, none free; one inode per entry
        // (the root and the archive's entries).
        const Ramdisk& disk = vfs.disk();
        uint64_t bytes = 0;
        for (uint64_t serial = 2; serial < 2 + disk.count(); ++serial) {
            const FileEntry* e = disk.entry_by_serial(serial);
            if (e) bytes += (e->size + out.block_size - 1) / out.block_size * out.block_size;
        }
        out.type = kRamfsMagic;
        out.blocks = bytes / out.block_size;
        out.files = 1 + disk.count();
        out.flags |= mount_flags::kReadOnly;
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

}  // namespace nyanos::fs
