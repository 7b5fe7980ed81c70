// The kernel's own copy of the handoff, taken before any boot-reclaimable
// frame is reused. Everything after kernel_main's first lines reads this.
#pragma once

#include "nyanos/boot/handoff.h"

namespace nyanos {

const boot::BootInfo& boot_info();

// Checks magic, version and size; panics with the reason otherwise.
void accept_boot_info(const boot::BootInfo* from_loader);

// Physical memory reached through the HHDM. The only way the kernel turns a
// physical address into a pointer.
template <typename T = void>
inline T* phys_to_virt(uint64_t phys) {
    return reinterpret_cast<T*>(phys + boot::kHhdmBase);
}
inline uint64_t virt_to_phys_hhdm(const void* virt) {
    return reinterpret_cast<uint64_t>(virt) - boot::kHhdmBase;
}

// The value of `key=` in the command line, copied into `out` (NUL terminated).
// Returns false if the key is absent. A bare word counts as present and empty.
// Only the words before a standalone `--` are the kernel's (lib/cmdline.h).
bool cmdline_value(const char* key, char* out, unsigned out_size);
bool cmdline_has(const char* key);

// Whether to randomise where things go in a new address space (ASLR): true
// unless the command line says `norandmaps` (for benchmarks). Decided once
// in accept_boot_info(); cheap to ask at every exec.
bool randomize_maps();

}  // namespace nyanos
