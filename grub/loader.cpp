// The NyanOS multiboot2 loader, 64-bit part. entry.S has switched to long
// mode with the first 4 GiB identity mapped; this file reads GRUB's MBI,
// loads kernel.elf (a module) into frames of its own, builds the kernel's
// PML4 exactly as the UEFI stub does (HHDM, kernel in the top 2 GiB with
// per-segment permissions, an identity map of this loader), fills the same
// BootInfo and jumps to the kernel. The kernel never sees multiboot2.
//
// Frame ownership, as reported to the kernel in the memory map:
//   kKernelAndModules: kernel image, kernel PML4 and kernel-half tables,
//     boot stack, the initrd module (left where GRUB put it).
//   kBootReclaimable: this loader's image (with its bootstrap page tables
//     and stack), GRUB's MBI, the kernel.elf module, the BootInfo, the
//     identity-map tables under PML4 entries 0..255.
//   kAcpiReclaimable: the copy of the RSDP (GRUB's lives in the MBI).
// All frames come from memory the multiboot2 map says is available, above
// 1 MiB and below 4 GiB (the part this loader can reach).
#include <stddef.h>
#include <stdint.h>

#include "arch/x86_64/io.h"
#include "boot_regions.h"
#include "lib/panic.h"
#include "nyanos/boot/handoff.h"
#include "nyanos/boot/kernel_image.h"
#include "nyanos/boot/memory_map.h"
#include "nyanos/boot/multiboot2.h"
#include "nyanos/paging/page_table.h"

using namespace nyanos;
using nyanos::boot::BootInfo;
using nyanos::boot::MemoryType;

extern "C" {
// From grub/loader.ld and grub/entry.S.
extern char __loader_start[];
extern char __loader_end[];
[[noreturn]] void enter_kernel(uint64_t pml4, uint64_t stack_top, uint64_t boot_info,
                               uint64_t entry);
}

namespace {

constexpr uint64_t kPage = 4096;
constexpr uint64_t kLowMemoryEnd = 1ull << 20;  // BIOS data, EBDA, option ROMs: never allocated
constexpr uint64_t kIdentityEnd = 4ull << 30;   // what entry.S maps

// ---------------------------------------------------------------------------
// Output. Before the kernel there is only COM1 and, under BIOS, the VGA text
// buffer; the loader only speaks when it cannot boot.

using arch::inb;
using arch::outb;

constexpr uint16_t kCom1 = 0x3f8;
constexpr uint64_t kVgaText = 0xb8000;
unsigned g_vga_cursor;

void serial_init() {
    outb(kCom1 + 1, 0x00);  // no interrupts
    outb(kCom1 + 3, 0x80);  // DLAB
    outb(kCom1 + 0, 0x01);  // 115200
    outb(kCom1 + 1, 0x00);
    outb(kCom1 + 3, 0x03);  // 8N1
    outb(kCom1 + 2, 0xc7);  // FIFO
}

void put_char(char c) {
    // Bounded wait: an absent UART reads 0xff (ready) or never gets ready.
    for (int i = 0; i < 100000 && !(inb(kCom1 + 5) & 0x20); ++i) {
    }
    outb(kCom1, uint8_t(c));
    if (c == '\n') {
        g_vga_cursor = (g_vga_cursor / 80 + 1) * 80;
    } else if (uint8_t(c) >= 0x20 && g_vga_cursor < 80 * 25) {
        reinterpret_cast<volatile uint16_t*>(kVgaText)[g_vga_cursor++] =
            uint16_t(0x4f00 | uint8_t(c));  // white on red
    }
}

void put_string(const char* s) {
    for (; *s; ++s) {
        if (*s == '\n') put_char('\r');
        put_char(*s);
    }
}

void put_hex(uint64_t value) {
    put_string("0x");
    for (int shift = 60; shift >= 0; shift -= 4)
        put_char("0123456789abcdef"[(value >> shift) & 15]);
}

[[noreturn]] void halt_forever() {
    for (;;) asm volatile("cli; hlt");
}

[[noreturn]] void fail(const char* what, const char* detail = nullptr) {
    put_string("nyanos-loader: ");
    put_string(what);
    if (detail) {
        put_string(": ");
        put_string(detail);
    }
    put_string("\nnyanos-loader: cannot boot; halting.\n");
    halt_forever();
}

[[noreturn]] void fail_error(const char* what, Error error) {
    fail(what, error_name(error));
}

}  // namespace

// memcpy and friends come from the kernel's kernel/lib/freestanding.kernel.cpp
// (see mk/grub.mk), whose runtime hooks end here. No formatting this early:
// the format string itself says what went wrong.
[[noreturn]] void nyanos::panic(const char* fmt, ...) {
    fail("internal error", fmt);
}

namespace {

template <typename T>
T must(Result<T>&& r, const char* what) {
    if (!r.ok()) fail_error(what, r.error());
    return r.release_value();
}

// ---------------------------------------------------------------------------
// Memory.

// Room for a fragmented firmware map plus the pieces claiming splits off;
// merged down to what fits BootInfo before the handoff.
constinit boot::RegionList<boot::kMaxMemoryRegions * 2> g_regions;

uint64_t allocate_frames(uint64_t bytes, MemoryType type) {
    uint64_t phys = must(g_regions.allocate(bytes, type, kLowMemoryEnd, kIdentityEnd),
                         "out of memory below 4 GiB");
    __builtin_memset(reinterpret_cast<void*>(phys), 0, (bytes + kPage - 1) & ~(kPage - 1));
    return phys;
}

void claim(uint64_t base, uint64_t end, MemoryType type, const char* what) {
    if (!g_regions.claim(base, end, type).ok()) fail("memory map too fragmented to record", what);
}

// PageTable's environment: the loader runs identity mapped, so a physical
// address is its own pointer. One instance per half, so each table is
// recorded with the type its owner needs (kernel half kept, identity map
// reclaimable). free_table is only reached when a map_range fails, and then
// the boot stops, so the frame need not go back.
struct LoaderPagingEnv {
    MemoryType table_type;

    Result<paging::PhysAddr> allocate_table() {
        auto phys = g_regions.allocate(kPage, table_type, kLowMemoryEnd, kIdentityEnd);
        if (!phys.ok()) return phys.error();
        __builtin_memset(reinterpret_cast<void*>(phys.value()), 0, kPage);
        return phys.value();
    }
    void free_table(paging::PhysAddr) {}
    void* phys_to_virt(paging::PhysAddr phys) { return reinterpret_cast<void*>(phys); }
    void invalidate(paging::VirtAddr) {}  // not live until enter_kernel
};

// ---------------------------------------------------------------------------
// The handoff pieces.

struct CpuFeatures {
    bool huge_1g;
};

CpuFeatures cpu_features() {
    uint32_t a, b, c, d;
    asm volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0x80000001u), "c"(0));
    return CpuFeatures{.huge_1g = (d & (1u << 26)) != 0};
}

// The first word of a module's string ("kernel", "initrd").
bool module_named(const boot::multiboot2::Module& m, const char* name) {
    const char* s = m.string;
    while (*s == ' ') ++s;
    for (; *name; ++name, ++s) {
        if (*s != *name) return false;
    }
    return *s == '\0' || *s == ' ';
}

void fill_framebuffer(const boot::multiboot2::Info& mbi, boot::Framebuffer& fb) {
    // Text mode (BIOS GRUB without a usable video mode) or a palette: no
    // linear framebuffer to hand over.
    if (!mbi.has_framebuffer || mbi.framebuffer.type != boot::multiboot2::kFbRgb) return;
    const auto& m = mbi.framebuffer;
    fb.phys = m.addr;
    fb.width = m.width;
    fb.height = m.height;
    fb.pitch = m.pitch;
    fb.bpp = m.bpp;
    fb.red_shift = m.red_position, fb.red_size = m.red_size;
    fb.green_shift = m.green_position, fb.green_size = m.green_size;
    fb.blue_shift = m.blue_position, fb.blue_size = m.blue_size;
    bool eight = m.bpp == 32 && m.red_size == 8 && m.green_size == 8 && m.blue_size == 8;
    if (eight && m.red_position == 0 && m.green_position == 8 && m.blue_position == 16) {
        fb.format = boot::PixelFormat::kRgbx;
    } else if (eight && m.red_position == 16 && m.green_position == 8 && m.blue_position == 0) {
        fb.format = boot::PixelFormat::kBgrx;
    } else {
        fb.format = boot::PixelFormat::kBitmask;
    }
}

// GRUB hands the RSDP inside the MBI, which the kernel may reuse; copy it
// into a frame of its own, which the kernel frees once ACPI is parsed.
uint64_t copy_rsdp(const boot::multiboot2::Info& mbi) {
    const uint8_t* src = mbi.rsdp_v2 ? mbi.rsdp_v2 : mbi.rsdp_v1;
    uint32_t size = mbi.rsdp_v2 ? mbi.rsdp_v2_size : boot::multiboot2::kRsdpV1Size;
    if (!src) return 0;
    if (size > kPage) size = kPage;
    uint64_t phys = allocate_frames(kPage, MemoryType::kAcpiReclaimable);
    __builtin_memcpy(reinterpret_cast<void*>(phys), src, size);
    return phys;
}

// Is `word` one of the whitespace-separated words of `cmdline`?
bool has_word(const char* cmdline, const char* word) {
    for (const char* p = cmdline; *p;) {
        while (*p == ' ') ++p;
        const char* w = word;
        while (*w && *p == *w) ++p, ++w;
        if (!*w && (*p == ' ' || *p == '\0')) return true;
        while (*p && *p != ' ') ++p;
    }
    return false;
}

// `loader.debug` on the command line: the handoff's memory map and the
// kernel's placement on COM1, for debugging a real machine over serial.
void print_handoff(const BootInfo& info) {
    put_string("nyanos-loader: kernel at ");
    put_hex(info.kernel_phys_base);
    put_string(" pml4 ");
    put_hex(info.kernel_pml4_phys);
    put_string(" stack ");
    put_hex(info.boot_stack_phys);
    put_string(" ramdisk ");
    put_hex(info.ramdisk_phys);
    put_string("\n");
    for (uint32_t i = 0; i < info.memory_region_count; ++i) {
        const boot::MemoryRegion& r = info.memory_map[i];
        put_string("nyanos-loader: region ");
        put_hex(r.base);
        put_string("-");
        put_hex(r.base + r.length);
        put_string(" ");
        put_string(boot::memory_type_name(r.type));
        put_string("\n");
    }
}

}  // namespace

extern "C" [[noreturn]] void loader_main(uint32_t magic, uint32_t mbi_phys) {
    serial_init();
    if (magic != boot::multiboot2::kBootloaderMagic) fail("bad multiboot2 magic in EAX");

    boot::multiboot2::Diagnostic diag;
    auto parsed = boot::multiboot2::parse(reinterpret_cast<const void*>(uint64_t(mbi_phys)),
                                          boot::multiboot2::kMaxTotalSize, &diag);
    if (!parsed.ok()) {
        put_string("nyanos-loader: multiboot2 information rejected at offset ");
        put_hex(diag.offset);
        put_string("\n");
        fail("bad MBI", diag.reason);
    }
    const boot::multiboot2::Info& mbi = parsed.value();

    // Memory: the firmware map, then everything already in use taken out of
    // the usable part before a single frame is handed out.
    auto loaded = g_regions.load(mbi);
    if (!loaded.ok()) {
        fail("GRUB's memory map is unusable",
             loaded.error() == Error::kRange ? "too many entries" : "missing or without RAM");
    }
    uint64_t loader_start = reinterpret_cast<uint64_t>(__loader_start);
    uint64_t loader_end = reinterpret_cast<uint64_t>(__loader_end);
    claim(loader_start, loader_end, MemoryType::kBootReclaimable, "the loader");
    claim(mbi_phys, uint64_t(mbi_phys) + mbi.total_size, MemoryType::kBootReclaimable, "the MBI");

    const boot::multiboot2::Module* kernel_module = nullptr;
    const boot::multiboot2::Module* initrd_module = nullptr;
    for (uint32_t i = 0; i < mbi.module_count; ++i) {
        const auto& m = mbi.modules[i];
        bool is_initrd = !initrd_module && module_named(m, "initrd");
        if (!kernel_module && module_named(m, "kernel")) kernel_module = &m;
        if (is_initrd) initrd_module = &m;
        claim(m.start, m.end,
              is_initrd ? MemoryType::kKernelAndModules : MemoryType::kBootReclaimable, "a module");
    }
    if (!kernel_module)
        fail("no kernel module", "grub.cfg needs `module2 /boot/kernel.elf kernel`");

    const char* why = nullptr;
    auto image_result =
        boot::parse_kernel_image(reinterpret_cast<const uint8_t*>(uint64_t(kernel_module->start)),
                                 kernel_module->end - kernel_module->start, &why);
    if (!image_result.ok()) fail("kernel.elf rejected", why);
    const boot::KernelImage& image = image_result.value();

    // The kernel's frames: one contiguous run for all its segments.
    uint64_t kernel_size = paging::align_up(image.size(), kPage);
    uint64_t kernel_phys = allocate_frames(kernel_size, MemoryType::kKernelAndModules);
    boot::copy_kernel_image(image, reinterpret_cast<const uint8_t*>(uint64_t(kernel_module->start)),
                            reinterpret_cast<uint8_t*>(kernel_phys));
    uint64_t stack_phys = allocate_frames(boot::kBootStackSize, MemoryType::kKernelAndModules);
    auto* info = reinterpret_cast<BootInfo*>(
        allocate_frames(sizeof(BootInfo), MemoryType::kBootReclaimable));

    info->magic = boot::kHandoffMagic;
    info->version = boot::kHandoffVersion;
    info->size = sizeof(BootInfo);
    info->path = mbi.booted_by_efi() ? boot::BootPath::kGrubEfi : boot::BootPath::kGrubBios;
    info->hhdm_offset = boot::kHhdmBase;
    info->kernel_phys_base = kernel_phys;
    info->kernel_phys_size = kernel_size;
    info->kernel_virt_base = image.virt_base;
    info->kernel_virt_size = image.size();
    info->boot_stack_phys = stack_phys;
    info->rsdp_phys = copy_rsdp(mbi);
    if (initrd_module) {
        info->ramdisk_phys = initrd_module->start;
        info->ramdisk_size = initrd_module->end - initrd_module->start;
    }
    if (mbi.cmdline &&
        !boot::multiboot2::unescape_grub_cmdline(mbi.cmdline, info->cmdline, boot::kMaxCmdline)
             .ok())
        fail("the kernel command line is longer than 1023 bytes");
    fill_framebuffer(mbi, info->framebuffer);

    // Page tables: the kernel half (kept by the kernel) ...
    LoaderPagingEnv kernel_env{MemoryType::kKernelAndModules};
    LoaderPagingEnv boot_env{MemoryType::kBootReclaimable};
    paging::PhysAddr pml4 = allocate_frames(kPage, MemoryType::kKernelAndModules);
    paging::PageTable<LoaderPagingEnv> kernel_half(kernel_env, pml4);
    info->kernel_pml4_phys = pml4;
    if (auto r = boot::map_kernel_image(kernel_half, image, kernel_phys); !r.ok())
        fail_error("cannot map the kernel image", r.error());

    // ... the HHDM over every range of the memory map and the framebuffer.
    // Allocations after this only retype memory already in the map ...
    const boot::Framebuffer& fb = info->framebuffer;
    boot::PhysRange fb_range{fb.phys, fb.phys + uint64_t(fb.pitch) * fb.height};
    static boot::PhysRange hhdm[boot::kMaxMemoryRegions];
    size_t hhdm_count = boot::hhdm_ranges(g_regions.data(), g_regions.count(), &fb_range,
                                          fb.phys ? 1 : 0, hhdm, boot::kMaxMemoryRegions);
    if (hhdm_count > boot::kMaxMemoryRegions) fail("memory map too fragmented for the HHDM");
    if (auto r = boot::map_hhdm(kernel_half, hhdm, hhdm_count, cpu_features().huge_1g); !r.ok())
        fail_error("cannot map the HHDM", r.error());

    // ... and this loader, identity mapped, so enter_kernel survives the CR3
    // switch. Its tables are reclaimable: the kernel drops entries 0..255.
    paging::PageTable<LoaderPagingEnv> boot_half(boot_env, pml4);
    if (auto r = boot_half.map_range(loader_start, loader_start, loader_end - loader_start,
                                     paging::PageFlags{.writable = true, .executable = true});
        !r.ok())
        fail_error("cannot identity-map the loader", r.error());

    // The memory map last: every frame is now allocated and typed.
    if (g_regions.count() > boot::kMaxMemoryRegions) fail("memory map has too many regions");
    info->memory_region_count = uint32_t(g_regions.count());
    for (size_t i = 0; i < g_regions.count(); ++i) info->memory_map[i] = g_regions[i];

    if (has_word(info->cmdline, "loader.debug")) print_handoff(*info);
    enter_kernel(pml4, boot::kHhdmBase + stack_phys + boot::kBootStackSize,
                 boot::kHhdmBase + reinterpret_cast<uint64_t>(info), image.entry);
}
