// The UEFI boot stub (GNU-EFI): loads kernel.elf, the ramdisk and the
// command line from its own volume, builds the kernel's PML4 (HHDM + the
// kernel in the top 2 GiB), exits boot services and jumps to the kernel with
// a BootInfo. After the jump nothing of UEFI is used again.
//
// Memory it allocates, and how the kernel will see it:
//   kEfiKernelMemoryType (kKernelAndModules): kernel image, kernel-half page
//     tables, boot stack, ramdisk — the kernel keeps them.
//   EfiLoaderData (kBootReclaimable): the BootInfo, the file buffer of
//     kernel.elf, the identity-map tables — the kernel frees them after
//     copying the BootInfo.
extern "C" {
#include <efi.h>
#include <efilib.h>
}

#include "nyanos/boot/handoff.h"
#include "nyanos/boot/kernel_image.h"
#include "nyanos/boot/memory_map.h"
#include "nyanos/paging/page_table.h"

using namespace nyanos;
using nyanos::boot::BootInfo;

namespace {

#define W(s) reinterpret_cast<const CHAR16*>(u##s)

constexpr uint64_t kPage = 4096;

[[noreturn]] void fail(const CHAR16* what, EFI_STATUS status = EFI_SUCCESS) {
    Print(W("nyanos-stub: %s (status %r)\n"), what, status);
    Print(W("nyanos-stub: cannot boot; halting.\n"));
    for (;;) asm volatile("cli; hlt");
}

uint64_t pages_for(uint64_t bytes) {
    return (bytes + kPage - 1) / kPage;
}

// One allocation of whole pages of `type`, zeroed; fails the boot when the
// firmware is out of memory (nothing to clean up: we never return to it).
void* allocate_pages(uint64_t count, EFI_MEMORY_TYPE type) {
    EFI_PHYSICAL_ADDRESS address = 0;
    EFI_STATUS status = BS->AllocatePages(AllocateAnyPages, type, count, &address);
    if (EFI_ERROR(status)) fail(W("out of memory"), status);
    auto* p = reinterpret_cast<void*>(address);
    __builtin_memset(p, 0, count * kPage);
    return p;
}

// The page-table environment before the jump: UEFI identity-maps memory, so a
// physical address is its own pointer. Tables for the kernel half are kept by
// the kernel; tables for the identity map are reclaimable.
struct StubPagingEnv {
    EFI_MEMORY_TYPE table_type = static_cast<EFI_MEMORY_TYPE>(boot::kEfiKernelMemoryType);

    Result<paging::PhysAddr> allocate_table() {
        return reinterpret_cast<paging::PhysAddr>(allocate_pages(1, table_type));
    }
    void free_table(paging::PhysAddr table) { BS->FreePages(table, 1); }
    void* phys_to_virt(paging::PhysAddr phys) { return reinterpret_cast<void*>(phys); }
    void invalidate(paging::VirtAddr) {}  // these tables are not live yet
};

struct LoadedFile {
    uint8_t* data = nullptr;
    uint64_t size = 0;
};

// Reads a whole file from the stub's volume into pages of `type`. Returns an
// empty LoadedFile if it does not exist and `optional` is set.
LoadedFile read_file(EFI_FILE_HANDLE root, const CHAR16* path, EFI_MEMORY_TYPE type,
                     bool optional) {
    EFI_FILE_HANDLE file;
    EFI_STATUS status = root->Open(root, &file, const_cast<CHAR16*>(path), EFI_FILE_MODE_READ, 0);
    if (EFI_ERROR(status)) {
        if (optional) return {};
        Print(W("nyanos-stub: cannot open %s\n"), path);
        fail(W("missing file"), status);
    }
    EFI_FILE_INFO* info = LibFileInfo(file);
    if (!info) fail(W("cannot stat a file"));
    LoadedFile out;
    out.size = info->FileSize;
    FreePool(info);
    out.data = static_cast<uint8_t*>(allocate_pages(pages_for(out.size ? out.size : 1), type));
    UINTN size = out.size;
    status = file->Read(file, &size, out.data);
    if (EFI_ERROR(status) || size != out.size) fail(W("cannot read a file"), status);
    file->Close(file);
    return out;
}

void fill_framebuffer(boot::Framebuffer& fb) {
    EFI_GUID gop_guid = EFI_GRAPHICS_OUTPUT_PROTOCOL_GUID;
    EFI_GRAPHICS_OUTPUT_PROTOCOL* gop = nullptr;
    if (EFI_ERROR(BS->LocateProtocol(&gop_guid, nullptr, reinterpret_cast<void**>(&gop))) || !gop)
        return;
    EFI_GRAPHICS_OUTPUT_MODE_INFORMATION* mode = gop->Mode->Info;
    auto bit_span = [](uint32_t mask, uint8_t& shift, uint8_t& size) {
        shift = mask ? uint8_t(__builtin_ctz(mask)) : 0;
        size = uint8_t(__builtin_popcount(mask));
    };
    switch (mode->PixelFormat) {
        case PixelRedGreenBlueReserved8BitPerColor:
            fb.format = boot::PixelFormat::kRgbx;
            fb.red_shift = 0, fb.green_shift = 8, fb.blue_shift = 16;
            fb.red_size = fb.green_size = fb.blue_size = 8;
            break;
        case PixelBlueGreenRedReserved8BitPerColor:
            fb.format = boot::PixelFormat::kBgrx;
            fb.blue_shift = 0, fb.green_shift = 8, fb.red_shift = 16;
            fb.red_size = fb.green_size = fb.blue_size = 8;
            break;
        case PixelBitMask:
            fb.format = boot::PixelFormat::kBitmask;
            bit_span(mode->PixelInformation.RedMask, fb.red_shift, fb.red_size);
            bit_span(mode->PixelInformation.GreenMask, fb.green_shift, fb.green_size);
            bit_span(mode->PixelInformation.BlueMask, fb.blue_shift, fb.blue_size);
            break;
        default:
            return;  // BLT only: no linear framebuffer to hand over
    }
    fb.phys = gop->Mode->FrameBufferBase;
    fb.width = mode->HorizontalResolution;
    fb.height = mode->VerticalResolution;
    fb.bpp = 32;
    fb.pitch = mode->PixelsPerScanLine * 4;
}

uint64_t find_rsdp() {
    EFI_GUID acpi20 = ACPI_20_TABLE_GUID;
    EFI_GUID acpi10 = ACPI_TABLE_GUID;
    uint64_t v1 = 0;
    for (UINTN i = 0; i < ST->NumberOfTableEntries; ++i) {
        EFI_CONFIGURATION_TABLE& t = ST->ConfigurationTable[i];
        if (!CompareGuid(&t.VendorGuid, &acpi20)) return reinterpret_cast<uint64_t>(t.VendorTable);
        if (!CompareGuid(&t.VendorGuid, &acpi10)) v1 = reinterpret_cast<uint64_t>(t.VendorTable);
    }
    return v1;
}

void copy_cmdline(BootInfo& info, const LoadedFile& file) {
    uint64_t n = 0;
    for (; n < file.size && n + 1 < boot::kMaxCmdline; ++n) {
        char c = char(file.data[n]);
        if (c == '\n' || c == '\r' || c == '\0') break;
        info.cmdline[n] = c;
    }
    info.cmdline[n] = '\0';
}

struct CpuFeatures {
    bool nx;
    bool huge_1g;
};

CpuFeatures cpu_features() {
    uint32_t a, b, c, d;
    asm volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0x80000001u), "c"(0));
    return CpuFeatures{.nx = (d & (1u << 20)) != 0, .huge_1g = (d & (1u << 26)) != 0};
}

// The memory map buffer, sized with slack for the allocations that happen
// between sizing it and ExitBootServices.
struct MemoryMap {
    uint8_t* buffer = nullptr;
    UINTN capacity = 0;
    UINTN size = 0;
    UINTN key = 0;
    UINTN descriptor_size = 0;
    UINT32 descriptor_version = 0;

    EFI_STATUS refresh() {
        size = capacity;
        return BS->GetMemoryMap(&size, reinterpret_cast<EFI_MEMORY_DESCRIPTOR*>(buffer), &key,
                                &descriptor_size, &descriptor_version);
    }
    size_t count() const { return size / descriptor_size; }
    // Walk by the firmware's descriptor size, never sizeof (48 vs 40 on OVMF).
    const EFI_MEMORY_DESCRIPTOR& at(size_t i) const {
        return *reinterpret_cast<const EFI_MEMORY_DESCRIPTOR*>(buffer + i * descriptor_size);
    }
};

MemoryMap allocate_memory_map() {
    MemoryMap map;
    UINTN size = 0;
    UINTN key, dsize;
    UINT32 dversion;
    BS->GetMemoryMap(&size, nullptr, &key, &dsize, &dversion);
    map.capacity = size + 16 * dsize;
    map.buffer = static_cast<uint8_t*>(allocate_pages(pages_for(map.capacity), EfiLoaderData));
    map.capacity = pages_for(map.capacity) * kPage;
    EFI_STATUS status = map.refresh();
    if (EFI_ERROR(status)) fail(W("GetMemoryMap failed"), status);
    return map;
}

// Converts the firmware's map into the handoff's (no boot services used).
void convert_memory_map(const MemoryMap& map, BootInfo& info) {
    size_t n = 0;
    for (size_t i = 0; i < map.count() && n < boot::kMaxMemoryRegions; ++i) {
        const EFI_MEMORY_DESCRIPTOR& d = map.at(i);
        info.memory_map[n++] = boot::MemoryRegion{d.PhysicalStart, d.NumberOfPages * kPage,
                                                  boot::from_efi_memory_type(d.Type), 0};
    }
    info.memory_region_count = uint32_t(boot::normalize_memory_map(info.memory_map, n));
}

[[noreturn]] void enter_kernel(uint64_t pml4, uint64_t stack_top, uint64_t info, uint64_t entry) {
    asm volatile(
        "mov %0, %%cr3\n\t"
        "mov %1, %%rsp\n\t"
        "xor %%ebp, %%ebp\n\t"
        "jmp *%3\n\t"
        :
        : "r"(pml4), "r"(stack_top), "D"(info), "r"(entry)
        : "memory");
    __builtin_unreachable();
}

}  // namespace

extern "C" EFI_STATUS efi_main(EFI_HANDLE image_handle, EFI_SYSTEM_TABLE* system_table) {
    InitializeLib(image_handle, system_table);
    const auto kKernelType = static_cast<EFI_MEMORY_TYPE>(boot::kEfiKernelMemoryType);

    CpuFeatures cpu = cpu_features();
    if (!cpu.nx) fail(W("this CPU has no NX bit; NyanOS needs it for W^X"));

    EFI_LOADED_IMAGE* loaded_image = nullptr;
    EFI_STATUS status = BS->HandleProtocol(image_handle, &LoadedImageProtocol,
                                           reinterpret_cast<void**>(&loaded_image));
    if (EFI_ERROR(status)) fail(W("no LoadedImage protocol"), status);
    EFI_FILE_HANDLE root = LibOpenRoot(loaded_image->DeviceHandle);
    if (!root) fail(W("cannot open the boot volume"));

    LoadedFile kernel_file = read_file(root, W("\\nyanos\\kernel.elf"), EfiLoaderData, false);
    LoadedFile ramdisk = read_file(root, W("\\nyanos\\initrd.tar"), kKernelType, true);
    LoadedFile cmdline = read_file(root, W("\\nyanos\\cmdline.txt"), EfiLoaderData, true);

    const char* why = nullptr;
    auto parsed = boot::parse_kernel_image(kernel_file.data, kernel_file.size, &why);
    if (!parsed.ok()) {
        Print(W("nyanos-stub: %a\n"), why);
        fail(W("kernel.elf rejected"));
    }
    boot::KernelImage& image = parsed.value();

    auto* kernel_frames =
        static_cast<uint8_t*>(allocate_pages(pages_for(image.size()), kKernelType));
    boot::copy_kernel_image(image, kernel_file.data, kernel_frames);
    auto* stack = allocate_pages(pages_for(boot::kBootStackSize), kKernelType);
    auto* info = static_cast<BootInfo*>(allocate_pages(pages_for(sizeof(BootInfo)), EfiLoaderData));

    info->magic = boot::kHandoffMagic;
    info->version = boot::kHandoffVersion;
    info->size = sizeof(BootInfo);
    info->path = boot::BootPath::kUefi;
    info->hhdm_offset = boot::kHhdmBase;
    info->kernel_phys_base = reinterpret_cast<uint64_t>(kernel_frames);
    info->kernel_phys_size = pages_for(image.size()) * kPage;
    info->kernel_virt_base = image.virt_base;
    info->kernel_virt_size = image.size();
    info->boot_stack_phys = reinterpret_cast<uint64_t>(stack);
    info->rsdp_phys = find_rsdp();
    info->ramdisk_phys = reinterpret_cast<uint64_t>(ramdisk.data);
    info->ramdisk_size = ramdisk.size;
    copy_cmdline(*info, cmdline);
    fill_framebuffer(info->framebuffer);

    // Page tables. The kernel half first (tables the kernel keeps).
    StubPagingEnv env;
    auto* pml4 = allocate_pages(1, kKernelType);
    paging::PageTable<StubPagingEnv> tables(env, reinterpret_cast<paging::PhysAddr>(pml4));
    info->kernel_pml4_phys = tables.root();
    if (!boot::map_kernel_image(tables, image, info->kernel_phys_base).ok())
        fail(W("cannot map the kernel image"));

    // The HHDM covers every range the firmware reports, and the framebuffer.
    // Later allocations only retype ranges already in this map.
    MemoryMap map = allocate_memory_map();
    static boot::MemoryRegion regions[boot::kMaxMemoryRegions];
    size_t region_count = 0;
    for (size_t i = 0; i < map.count() && region_count < boot::kMaxMemoryRegions; ++i) {
        const EFI_MEMORY_DESCRIPTOR& d = map.at(i);
        regions[region_count++] = boot::MemoryRegion{d.PhysicalStart, d.NumberOfPages * kPage,
                                                     boot::from_efi_memory_type(d.Type), 0};
    }
    boot::PhysRange fb_range{
        info->framebuffer.phys,
        info->framebuffer.phys + uint64_t(info->framebuffer.pitch) * info->framebuffer.height};
    static boot::PhysRange hhdm[boot::kMaxMemoryRegions];
    size_t hhdm_count =
        boot::hhdm_ranges(regions, region_count, &fb_range, info->framebuffer.phys ? 1 : 0, hhdm,
                          boot::kMaxMemoryRegions);
    if (hhdm_count > boot::kMaxMemoryRegions) fail(W("memory map too fragmented"));
    if (!boot::map_hhdm(tables, hhdm, hhdm_count, cpu.huge_1g).ok()) fail(W("cannot map the HHDM"));

    // The identity map of this stub, so the CR3 switch does not pull the
    // floor from under the jump. Its tables are reclaimable.
    env.table_type = EfiLoaderData;
    uint64_t image_base =
        paging::align_down(reinterpret_cast<uint64_t>(loaded_image->ImageBase), kPage);
    uint64_t image_end = paging::align_up(
        reinterpret_cast<uint64_t>(loaded_image->ImageBase) + loaded_image->ImageSize, kPage);
    if (!tables
             .map_range(image_base, image_base, image_end - image_base,
                        paging::PageFlags{.writable = true, .executable = true})
             .ok())
        fail(W("cannot identity-map the stub"));

    // Exit boot services. A stale map key (something allocated since the last
    // GetMemoryMap) is answered by taking the map again.
    for (int attempt = 0;; ++attempt) {
        status = map.refresh();
        if (EFI_ERROR(status)) fail(W("GetMemoryMap failed"), status);
        status = BS->ExitBootServices(image_handle, map.key);
        if (!EFI_ERROR(status)) break;
        if (status != EFI_INVALID_PARAMETER || attempt == 8)
            fail(W("ExitBootServices failed"), status);
    }

    // From here on: no firmware services.
    convert_memory_map(map, *info);

    // NX must be on before a table with NX bits is live.
    uint32_t lo, hi;
    asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(0xC0000080u));
    lo |= 1u << 11;  // EFER.NXE
    asm volatile("wrmsr" : : "c"(0xC0000080u), "a"(lo), "d"(hi));

    enter_kernel(info->kernel_pml4_phys,
                 boot::kHhdmBase + info->boot_stack_phys + boot::kBootStackSize,
                 boot::kHhdmBase + reinterpret_cast<uint64_t>(info), image.entry);
}
