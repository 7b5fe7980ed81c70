// What both boot loaders do with kernel.elf and the boot PML4: read the
// kernel's PT_LOAD segments, copy them into one physically contiguous run,
// and map them (plus the HHDM) with per-segment permissions.
//
// Header-only and allocation-free; the page-table work goes through the
// loader's PageTable<Env>.
#pragma once

#include <elf.h>
#include <stddef.h>
#include <stdint.h>

#include "nyanos/boot/handoff.h"
#include "nyanos/boot/memory_map.h"
#include "nyanos/lib/result.h"
#include "nyanos/paging/page_table.h"

namespace nyanos::boot {

struct KernelSegment {
    uint64_t vaddr;  // page aligned
    uint64_t memsz;
    uint64_t offset;  // in the file
    uint64_t filesz;
    uint32_t flags;  // PF_R | PF_W | PF_X
};

struct KernelImage {
    static constexpr size_t kMaxSegments = 8;
    KernelSegment segments[kMaxSegments];
    size_t count;
    uint64_t virt_base;  // first segment's vaddr
    uint64_t virt_end;   // end of the last segment, page aligned
    uint64_t entry;

    uint64_t size() const { return virt_end - virt_base; }
};

// Checks that `file` is the kernel this loader can start: ELF64, little
// endian, x86_64, ET_EXEC, PT_LOAD segments page aligned, inside the file,
// ascending, non-overlapping, all in the top 2 GiB, the entry in an
// executable one. Returns kNotExecutable with `why` set otherwise.
inline Result<KernelImage> parse_kernel_image(const uint8_t* file, size_t size, const char** why) {
    auto reject = [&](const char* reason) -> Result<KernelImage> {
        if (why) *why = reason;
        return Error::kNotExecutable;
    };
    if (size < sizeof(Elf64_Ehdr)) return reject("kernel.elf is shorter than an ELF header");
    Elf64_Ehdr eh;
    __builtin_memcpy(&eh, file, sizeof(eh));
    if (eh.e_ident[EI_MAG0] != ELFMAG0 || eh.e_ident[EI_MAG1] != ELFMAG1 ||
        eh.e_ident[EI_MAG2] != ELFMAG2 || eh.e_ident[EI_MAG3] != ELFMAG3)
        return reject("kernel.elf: bad ELF magic");
    if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB ||
        eh.e_machine != EM_X86_64 || eh.e_type != ET_EXEC)
        return reject("kernel.elf: not an x86_64 ELF64 executable");
    if (eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum == 0 || eh.e_phnum > 32 ||
        eh.e_phoff > size || size - eh.e_phoff < uint64_t(eh.e_phnum) * sizeof(Elf64_Phdr))
        return reject("kernel.elf: bad program header table");

    KernelImage image{};
    image.entry = eh.e_entry;
    bool entry_ok = false;
    for (unsigned i = 0; i < eh.e_phnum; ++i) {
        Elf64_Phdr ph;
        __builtin_memcpy(&ph, file + eh.e_phoff + i * sizeof(Elf64_Phdr), sizeof(ph));
        if (ph.p_type != PT_LOAD || ph.p_memsz == 0) continue;
        if (image.count == KernelImage::kMaxSegments)
            return reject("kernel.elf: too many PT_LOADs");
        if (ph.p_vaddr % paging::kPageSize) return reject("kernel.elf: PT_LOAD not page aligned");
        if (ph.p_filesz > ph.p_memsz || ph.p_offset > size || size - ph.p_offset < ph.p_filesz)
            return reject("kernel.elf: PT_LOAD outside the file");
        uint64_t end = ph.p_vaddr + ph.p_memsz;
        if (ph.p_vaddr < kKernelVirtBase || end < ph.p_vaddr)
            return reject("kernel.elf: PT_LOAD outside the top 2 GiB");
        end = paging::align_up(end, paging::kPageSize);
        if (image.count > 0 && ph.p_vaddr < image.virt_end)
            return reject("kernel.elf: PT_LOADs overlap or are not ascending");
        if (image.count == 0) image.virt_base = ph.p_vaddr;
        image.virt_end = end;
        image.segments[image.count++] =
            KernelSegment{ph.p_vaddr, ph.p_memsz, ph.p_offset, ph.p_filesz, ph.p_flags};
        if ((ph.p_flags & PF_X) && eh.e_entry >= ph.p_vaddr && eh.e_entry < ph.p_vaddr + ph.p_memsz)
            entry_ok = true;
    }
    if (image.count == 0) return reject("kernel.elf: no PT_LOAD segment");
    if (!entry_ok) return reject("kernel.elf: entry point not in an executable segment");
    return image;
}

// Lays the image out at `dest` (image.size() bytes, the frames' identity or
// HHDM view): file bytes copied, the rest (bss, gaps) zeroed.
inline void copy_kernel_image(const KernelImage& image, const uint8_t* file, uint8_t* dest) {
    __builtin_memset(dest, 0, image.size());
    for (size_t i = 0; i < image.count; ++i) {
        const KernelSegment& s = image.segments[i];
        __builtin_memcpy(dest + (s.vaddr - image.virt_base), file + s.offset, s.filesz);
    }
}

inline paging::PageFlags kernel_segment_flags(const KernelSegment& s) {
    return paging::PageFlags{
        .writable = (s.flags & PF_W) != 0, .executable = (s.flags & PF_X) != 0, .global = true};
}

// Maps each segment at its link address onto phys_base + (vaddr - virt_base),
// with its own permissions (text R-X, rodata R--, data RW- NX).
template <typename Env>
Result<void> map_kernel_image(paging::PageTable<Env>& pt, const KernelImage& image,
                              paging::PhysAddr phys_base) {
    for (size_t i = 0; i < image.count; ++i) {
        const KernelSegment& s = image.segments[i];
        uint64_t length = paging::align_up(s.vaddr + s.memsz, paging::kPageSize) - s.vaddr;
        TRY(pt.map_range(s.vaddr, phys_base + (s.vaddr - image.virt_base), length,
                         kernel_segment_flags(s), paging::LargePages{.allow_2m = true}));
    }
    return {};
}

// Maps every range at kHhdmBase + phys, read-write, no execute, with 2 MiB
// pages (1 GiB when the CPU has them).
template <typename Env>
Result<void> map_hhdm(paging::PageTable<Env>& pt, const PhysRange* ranges, size_t count,
                      bool cpu_has_1g_pages) {
    for (size_t i = 0; i < count; ++i) {
        TRY(pt.map_range(kHhdmBase + ranges[i].base, ranges[i].base, ranges[i].end - ranges[i].base,
                         paging::PageFlags{.writable = true, .global = true},
                         paging::LargePages{.allow_2m = true, .allow_1g = cpu_has_1g_pages}));
    }
    return {};
}

}  // namespace nyanos::boot
