#include "fs/files.h"

#include <string.h>

#include "boot_info.h"
#include "lib/console.h"

namespace nyanos::fs {

namespace {
// Large (an index of every entry): a static, filled in place.
Ramdisk g_ramdisk;
// The null device: an empty, read-only-looking entry; sys_write knows it.
constexpr FileEntry g_null_device{kNullDevicePath, nullptr, 0, false};
}  // namespace

void init_ramdisk() {
    const auto& info = boot_info();
    if (!info.ramdisk_phys || !info.ramdisk_size) {
        kprintf("initrd: none was loaded\n");
        return;
    }
    char message[160];
    auto* archive = phys_to_virt<uint8_t>(info.ramdisk_phys);
    auto r = g_ramdisk.try_load(archive, info.ramdisk_size, message, sizeof(message));
    if (!r.ok()) {
        kprintf("%s\n", message);
        return;
    }
    g_ramdisk.zero_gaps(archive, info.ramdisk_size);
    kprintf("initrd: %lu entries, %lu bytes\n", uint64_t(g_ramdisk.count()), info.ramdisk_size);
}

FileFrames file_frames(const FileEntry* entry) {
    const auto& info = boot_info();
    if (!entry || entry->is_directory || !entry->data || !info.ramdisk_phys) return {0, 0};
    uint64_t phys = virt_to_phys_hhdm(entry->data);
    uint64_t whole_pages_end = (info.ramdisk_phys + info.ramdisk_size) & ~uint64_t(4095);
    if (phys < info.ramdisk_phys || phys >= whole_pages_end) return {phys, 0};
    return {phys, whole_pages_end - phys};
}

const FileEntry* lookup(const char* path) {
    if (strcmp(path, kNullDevicePath) == 0) return &g_null_device;
    return g_ramdisk.lookup(path);
}

bool is_null_device(const OpenFile& file) {
    return file.entry == &g_null_device;
}

size_t list(const char* dir, const FileEntry** out, size_t max) {
    return g_ramdisk.list(dir, out, max);
}

Result<int> open(FileTable*& table, const char* path) {
    const FileEntry* entry = lookup(path);
    if (!entry) return Error::kNoEntry;
    if (entry->is_directory) return Error::kIsDirectory;
    return install(table, entry);
}

}  // namespace nyanos::fs
