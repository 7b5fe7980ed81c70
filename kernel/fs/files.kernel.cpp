#include "fs/files.h"

#include "arch/x86_64/timer.h"
#include "boot_info.h"
#include "fs/open.h"
#include "lib/console.h"
#include "lib/panic.h"
#include "lib/wall_clock.h"
#include "mm/kernel_memory_context.h"
#include "mm/physical_memory.h"

namespace nyanos::fs {

namespace {
// Large (an index of every entry): a static, filled in place.
Ramdisk g_ramdisk;
Tmpfs g_tree;
Vfs g_vfs(g_tree);

FileTime realtime_now() {
    uint64_t ns = wall_clock().realtime_ns(arch::monotonic_ns());
    return FileTime{int64_t(ns / 1000000000), int64_t(ns % 1000000000)};
}

// The ramdisk's entries become the root tree's.
void populate_tree() {
    auto r = g_tree.populate(g_ramdisk, file_frames);
    if (!r.ok())
        kprintf("initrd: the root file system is incomplete (%s)\n", error_name(r.error()));
}

}  // namespace

void init_ramdisk() {
    // As Linux's tmpfs by default: files may fill at most half of memory,
    // so they cannot starve the kernel's own allocations.
    const uint64_t half = mm::physical_memory().stats().total_frames / 2;
    if (!Tmpfs::try_init(g_tree, mm::kernel_memory_context(), realtime_now, half).ok())
        panic("no memory for the root directory");
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
    populate_tree();
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

Result<FdTable*> create_console_table() {
    // The flags an open() of /dev/console would give them (open.cpp).
    Node console{nullptr, Special::kConsole};
    DescriptionRef input =
        TRY(open_terminal(g_vfs, console, open_flags::kReadOnly | open_flags::kLargeFile));
    DescriptionRef output =
        TRY(open_terminal(g_vfs, console, open_flags::kWriteOnly | open_flags::kLargeFile));
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
