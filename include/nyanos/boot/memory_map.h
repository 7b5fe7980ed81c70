// Memory-map helpers shared by both boot loaders (and host-tested): turning
// firmware types into the handoff's, normalising the region list, and
// choosing what the higher-half direct map (HHDM) covers.
//
// Header-only and allocation-free: the loaders run before any heap exists.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "nyanos/boot/handoff.h"

namespace nyanos::boot {

// A physical range [base, end).
struct PhysRange {
    uint64_t base;
    uint64_t end;
};

// UEFI memory types by their numbers in the UEFI specification (section
// "Memory Type Usage"), so this header needs no efi.h.
constexpr MemoryType from_efi_memory_type(uint32_t efi_type) {
    switch (efi_type) {
        case 1:  // EfiLoaderCode: this stub, gone once the kernel runs
        case 2:  // EfiLoaderData: the BootInfo, the identity map tables
            return MemoryType::kBootReclaimable;
        case 3:  // EfiBootServicesCode
        case 4:  // EfiBootServicesData
        case 7:  // EfiConventionalMemory
            return MemoryType::kUsable;
        case 9:
            return MemoryType::kAcpiReclaimable;  // EfiACPIReclaimMemory
        case 10:
            return MemoryType::kAcpiNvs;  // EfiACPIMemoryNVS
        case 11:                          // EfiMemoryMappedIO
        case 12:
            return MemoryType::kMmio;  // EfiMemoryMappedIOPortSpace
        case 8:
            return MemoryType::kBadMemory;  // EfiUnusableMemory
        case kEfiKernelMemoryType:
            return MemoryType::kKernelAndModules;
        default:
            // EfiReservedMemoryType, runtime services, PAL code, persistent
            // memory and anything unknown: never hand it out.
            return MemoryType::kReserved;
    }
}

// When two regions overlap, the stricter type wins (a loader may report the
// same bytes twice). Larger is stricter except that usable is the weakest.
constexpr int strictness(MemoryType type) {
    switch (type) {
        case MemoryType::kUsable:
            return 0;
        case MemoryType::kBootReclaimable:
            return 1;
        case MemoryType::kAcpiReclaimable:
            return 2;
        case MemoryType::kKernelAndModules:
            return 3;
        case MemoryType::kFramebuffer:
            return 4;
        case MemoryType::kMmio:
            return 5;
        case MemoryType::kAcpiNvs:
            return 6;
        case MemoryType::kReserved:
            return 7;
        case MemoryType::kBadMemory:
            return 8;
    }
    return 7;
}

// Sorts by base (insertion sort: the lists are short and this runs before
// any allocator), drops empty regions, rounds usable regions inward and the
// others outward to 4 KiB, trims overlaps in favour of the stricter type and
// merges touching regions of the same type. Returns the new count.
inline size_t normalize_memory_map(MemoryRegion* regions, size_t count) {
    constexpr uint64_t kPage = 4096;
    size_t kept = 0;
    for (size_t i = 0; i < count; ++i) {
        MemoryRegion r = regions[i];
        uint64_t end = r.base + r.length;
        if (end < r.base) end = ~0ull & ~(kPage - 1);  // clamp a wrapping region
        uint64_t base;
        if (r.type == MemoryType::kUsable) {
            base = (r.base + kPage - 1) & ~(kPage - 1);
            end &= ~(kPage - 1);
        } else {
            base = r.base & ~(kPage - 1);
            end = (end + kPage - 1) & ~(kPage - 1);
        }
        if (end <= base) continue;
        regions[kept++] = MemoryRegion{base, end - base, r.type, 0};
    }
    count = kept;
    for (size_t i = 1; i < count; ++i) {
        MemoryRegion r = regions[i];
        size_t j = i;
        while (j > 0 && regions[j - 1].base > r.base) {
            regions[j] = regions[j - 1];
            --j;
        }
        regions[j] = r;
    }
    // Resolve overlaps pairwise between neighbours, then merge. Invariant:
    // regions[0, out) are final and regions[i, count) are sorted by base,
    // with every base at or above the last final region's base.
    size_t out = 0;
    for (size_t i = 0; i < count; ++i) {
        MemoryRegion r = regions[i];
        if (out > 0) {
            MemoryRegion& prev = regions[out - 1];
            uint64_t prev_end = prev.base + prev.length;
            if (r.base < prev_end) {
                uint64_t r_end = r.base + r.length;
                if (strictness(r.type) > strictness(prev.type)) {
                    // r wins: cut prev back; a tail of prev after r is dropped
                    // (rare: nested regions), as is an emptied prev.
                    prev.length = r.base - prev.base;
                    if (prev.length == 0) --out;
                } else {
                    // prev wins: r keeps only what lies beyond prev.
                    if (r_end <= prev_end) continue;
                    r.length = r_end - prev_end;
                    r.base = prev_end;
                    // Its new base may lie past regions not yet seen: put it
                    // back among them in order and take the next one (found
                    // by fuzzing: emitting it here left the list unsorted and
                    // a later cut made a prev whose length wrapped).
                    if (i + 1 < count && regions[i + 1].base < r.base) {
                        size_t j = i;
                        while (j + 1 < count && regions[j + 1].base < r.base) {
                            regions[j] = regions[j + 1];
                            ++j;
                        }
                        regions[j] = r;
                        --i;
                        continue;
                    }
                }
            }
        }
        if (out > 0) {
            MemoryRegion& prev = regions[out - 1];
            if (prev.type == r.type && prev.base + prev.length == r.base) {
                prev.length += r.length;
                continue;
            }
        }
        regions[out++] = r;
    }
    return out;
}

// Bytes of memory the kernel may use once it has copied the handoff.
inline uint64_t usable_bytes(const MemoryRegion* regions, size_t count) {
    uint64_t total = 0;
    for (size_t i = 0; i < count; ++i) {
        if (regions[i].type == MemoryType::kUsable ||
            regions[i].type == MemoryType::kBootReclaimable)
            total += regions[i].length;
    }
    return total;
}

// The physical ranges the HHDM maps: every region plus `extra` (the
// framebuffer), each widened to 2 MiB boundaries so large pages fit, sorted
// and merged. Writes at most `max` ranges; returns how many are needed (a
// result above `max` means `out` was too small).
inline size_t hhdm_ranges(const MemoryRegion* regions, size_t count, const PhysRange* extra,
                          size_t extra_count, PhysRange* out, size_t max) {
    constexpr uint64_t kAlign = 2ull << 20;
    size_t n = 0;
    auto add = [&](uint64_t base, uint64_t end) {
        if (end <= base) return;
        base &= ~(kAlign - 1);
        end = (end + kAlign - 1) & ~(kAlign - 1);
        // Insert sorted, then merge with neighbours.
        size_t pos = 0;
        while (pos < n && out[pos].base < base) ++pos;
        if (n < max) {
            for (size_t k = n; k > pos; --k) out[k] = out[k - 1];
            out[pos] = PhysRange{base, end};
        }
        ++n;
        if (n > max) return;
        size_t w = 0;
        for (size_t k = 0; k < n; ++k) {
            if (w > 0 && out[k].base <= out[w - 1].end) {
                if (out[k].end > out[w - 1].end) out[w - 1].end = out[k].end;
            } else {
                out[w++] = out[k];
            }
        }
        n = w;
    };
    for (size_t i = 0; i < count && n <= max; ++i)
        add(regions[i].base, regions[i].base + regions[i].length);
    for (size_t i = 0; i < extra_count && n <= max; ++i) add(extra[i].base, extra[i].end);
    return n;
}

}  // namespace nyanos::boot
