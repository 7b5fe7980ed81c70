// The boot handoff: everything a boot loader (the UEFI stub or the GRUB
// multiboot2 loader) tells the kernel. The kernel never sees UEFI or
// multiboot2 structures, only this.
//
// Contract with the loaders:
// - `BootInfo` is one self-contained block (no pointers out of it), placed in
//   memory the memory map reports as kBootReclaimable. The kernel copies it
//   before it hands out any reclaimable frame.
// - The kernel is entered at its ELF entry point in 64-bit mode with paging
//   on: CR3 holds the loader-built PML4 (HHDM + kernel image in the top 2 GiB,
//   plus an identity map of the loader's own pages in the lower half, which the
//   kernel drops), RDI = HHDM virtual address of the BootInfo, RSP = top of a
//   16-byte aligned stack of kBootStackSize bytes inside kKernelAndModules memory
//   mapped in the HHDM, interrupts off, EFER.NXE set.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace nyanos::boot {

inline constexpr uint64_t kHandoffMagic = 0x544f4f424e41594eull;  // "NYANBOOT" little-endian
inline constexpr uint32_t kHandoffVersion = 1;

// Fixed points of the virtual memory layout, the same on every boot path.
inline constexpr uint64_t kHhdmBase = 0xffff800000000000ull;
inline constexpr uint64_t kKernelVirtBase = 0xffffffff80000000ull;
inline constexpr uint64_t kBootStackSize = 64 * 1024;

// UEFI memory type (OS-defined range) the stub gives to frames that belong to
// the kernel for good: the image, the kernel PML4 and its tables, the boot
// stack and the ramdisk.
inline constexpr uint32_t kEfiKernelMemoryType = 0x80000001u;

enum class MemoryType : uint32_t {
    kUsable = 1,            // free RAM
    kBootReclaimable = 2,   // loader data (this BootInfo, identity tables): free once copied
    kKernelAndModules = 3,  // kernel image, boot page tables, boot stack, ramdisk: in use
    kReserved = 4,          // firmware, runtime services: never touch
    kAcpiReclaimable = 5,   // ACPI tables: free once parsed
    kAcpiNvs = 6,           // ACPI non-volatile storage: never touch
    kMmio = 7,              // device memory reported by the firmware
    kBadMemory = 8,
    kFramebuffer = 9,
};

constexpr const char* memory_type_name(MemoryType type) {
    switch (type) {
        case MemoryType::kUsable:
            return "usable";
        case MemoryType::kBootReclaimable:
            return "boot-reclaimable";
        case MemoryType::kKernelAndModules:
            return "kernel+modules";
        case MemoryType::kReserved:
            return "reserved";
        case MemoryType::kAcpiReclaimable:
            return "acpi-reclaimable";
        case MemoryType::kAcpiNvs:
            return "acpi-nvs";
        case MemoryType::kMmio:
            return "mmio";
        case MemoryType::kBadMemory:
            return "bad";
        case MemoryType::kFramebuffer:
            return "framebuffer";
    }
    return "?";
}

struct MemoryRegion {
    uint64_t base;    // physical, 4 KiB aligned
    uint64_t length;  // bytes, a multiple of 4 KiB
    MemoryType type;
    uint32_t reserved;
};
static_assert(sizeof(MemoryRegion) == 24);

enum class BootPath : uint32_t {
    kUefi = 1,
    kGrubBios = 2,
    kGrubEfi = 3,
};

// "uefi", "grub-bios", "grub-efi" as in the boot line.
constexpr const char* boot_path_name(BootPath path) {
    switch (path) {
        case BootPath::kUefi:
            return "uefi";
        case BootPath::kGrubBios:
            return "grub-bios";
        case BootPath::kGrubEfi:
            return "grub-efi";
    }
    return "unknown";
}

enum class PixelFormat : uint32_t {
    kNone = 0,     // no framebuffer
    kRgbx = 1,     // byte 0 red, 1 green, 2 blue (32 bpp)
    kBgrx = 2,     // byte 0 blue, 1 green, 2 red (32 bpp)
    kBitmask = 3,  // use the shifts and sizes below
};

struct Framebuffer {
    uint64_t phys;  // 0 when there is none
    uint32_t width;
    uint32_t height;
    uint32_t pitch;  // bytes per scan line
    uint32_t bpp;    // bits per pixel
    PixelFormat format;
    uint8_t red_shift, red_size;
    uint8_t green_shift, green_size;
    uint8_t blue_shift, blue_size;
    uint8_t reserved[2];
};

inline constexpr size_t kMaxMemoryRegions = 256;
inline constexpr size_t kMaxCmdline = 1024;

struct BootInfo {
    uint64_t magic;    // kHandoffMagic
    uint32_t version;  // kHandoffVersion
    uint32_t size;     // sizeof(BootInfo) as the loader knew it
    BootPath path;
    uint32_t memory_region_count;

    uint64_t hhdm_offset;       // kHhdmBase
    uint64_t kernel_phys_base;  // the image is physically contiguous
    uint64_t kernel_phys_size;
    uint64_t kernel_virt_base;  // lowest PT_LOAD vaddr, page aligned
    uint64_t kernel_virt_size;  // up to the end of the highest PT_LOAD, page aligned
    uint64_t kernel_pml4_phys;  // the root the kernel is entered with
    uint64_t boot_stack_phys;   // base of the kBootStackSize stack

    Framebuffer framebuffer;
    uint64_t rsdp_phys;     // ACPI RSDP (v2 preferred), 0 if none
    uint64_t ramdisk_phys;  // USTAR archive, 0 if none
    uint64_t ramdisk_size;

    char cmdline[kMaxCmdline];  // NUL terminated, possibly empty

    // Sorted by base, non-overlapping.
    MemoryRegion memory_map[kMaxMemoryRegions];
};

}  // namespace nyanos::boot
