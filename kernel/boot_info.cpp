#include "boot_info.h"

#include "lib/cmdline.h"
#include "lib/panic.h"

namespace nyanos {

namespace {
boot::BootInfo g_boot_info;
// Boot-time configuration from the command line: written by
// accept_boot_info() before any other CPU runs, read-only afterwards.
bool g_randomize_maps = true;
}  // namespace

const boot::BootInfo& boot_info() {
    return g_boot_info;
}

void accept_boot_info(const boot::BootInfo* from_loader) {
    if (!from_loader) panic("boot: no handoff from the loader");
    if (from_loader->magic != boot::kHandoffMagic)
        panic("boot: bad handoff magic %lx (loader and kernel do not match)", from_loader->magic);
    if (from_loader->version != boot::kHandoffVersion ||
        from_loader->size != sizeof(boot::BootInfo))
        panic("boot: handoff version %u size %u, kernel expects version %u size %u",
              from_loader->version, from_loader->size, boot::kHandoffVersion,
              unsigned(sizeof(boot::BootInfo)));
    if (from_loader->memory_region_count > boot::kMaxMemoryRegions)
        panic("boot: handoff memory map has %u regions (max %u)", from_loader->memory_region_count,
              unsigned(boot::kMaxMemoryRegions));
    g_boot_info = *from_loader;
    g_boot_info.cmdline[boot::kMaxCmdline - 1] = '\0';
    g_randomize_maps = cmdline_randomize_maps(g_boot_info.cmdline);
}

bool cmdline_value(const char* key, char* out, unsigned out_size) {
    return cmdline_find(g_boot_info.cmdline, key, out, out_size);
}

bool cmdline_has(const char* key) {
    char ignored[1];
    return cmdline_value(key, ignored, sizeof(ignored));
}

bool randomize_maps() {
    return g_randomize_maps;
}

}  // namespace nyanos
