#include "fs/files.h"

#include "boot_info.h"
#include "fs/open.h"
#include "lib/console.h"

namespace nyanos::fs {

namespace {
// Large (an index of every entry): a static, filled in place.
Ramdisk g_ramdisk;
Vfs g_vfs(g_ramdisk);
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

const Vfs& vfs() {
    return g_vfs;
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
    return g_ramdisk.lookup(path);
}

size_t list(const char* dir, const FileEntry** out, size_t max) {
    return g_ramdisk.list(dir, out, max);
}

Result<FdTable*> create_console_table() {
    // The flags an open() of /dev/console would give them (open.cpp).
    Node console{nullptr, Special::kConsole};
    DescriptionRef input =
        TRY(open_console(g_vfs, console, open_flags::kReadOnly | open_flags::kLargeFile));
    DescriptionRef output =
        TRY(open_console(g_vfs, console, open_flags::kWriteOnly | open_flags::kLargeFile));
    FdTable* table = TRY(FdTable::try_create());
    int fds[2];
    auto r = table->install_pair(input, output, false, fds);
    auto err = table->install(output, false);
    if (!r.ok() || !err.ok()) {
        FdTable::release(table);
        return Error::kNoMemory;
    }
    return table;
}

}  // namespace nyanos::fs
