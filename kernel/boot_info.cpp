#include "boot_info.h"

#include "lib/panic.h"

namespace nyanos {

namespace {
boot::BootInfo g_boot_info;

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n';
}
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
}

// Words before a standalone "--" are kernel options; after it, init's arguments.
bool cmdline_value(const char* key, char* out, unsigned out_size) {
    const char* p = g_boot_info.cmdline;
    unsigned key_len = 0;
    while (key[key_len]) ++key_len;
    while (*p) {
        while (is_space(*p)) ++p;
        const char* word = p;
        while (*p && !is_space(*p)) ++p;
        unsigned len = unsigned(p - word);
        if (len == 2 && word[0] == '-' && word[1] == '-') return false;
        if (len < key_len) continue;
        bool match = true;
        for (unsigned i = 0; i < key_len; ++i) match = match && word[i] == key[i];
        if (!match) continue;
        if (len == key_len || word[key_len] == '=') {
            const char* value = len == key_len ? word + len : word + key_len + 1;
            unsigned n = 0;
            while (value + n < p && n + 1 < out_size) {
                out[n] = value[n];
                ++n;
            }
            if (out_size) out[n] = '\0';
            return true;
        }
    }
    return false;
}

bool cmdline_has(const char* key) {
    char ignored[1];
    return cmdline_value(key, ignored, sizeof(ignored));
}

}  // namespace nyanos
