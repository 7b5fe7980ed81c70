// The x86_64 page-table entry, with named accessors. This header is the one
// place that knows the bit layout; portable code speaks PageFlags.
#pragma once

#include <stdint.h>

namespace nyanos::paging {

using PhysAddr = uint64_t;
using VirtAddr = uint64_t;

inline constexpr uint64_t kPageSize = 4096;
inline constexpr uint64_t kLargePageSize = 2ull << 20;  // a PD leaf
inline constexpr uint64_t kHugePageSize = 1ull << 30;   // a PDPT leaf
inline constexpr unsigned kEntriesPerTable = 512;
// PML4 entries 256..511 map the kernel half, shared by every address space.
inline constexpr unsigned kFirstKernelPml4Index = 256;

enum class PageSize : uint8_t { k4K, k2M, k1G };

constexpr uint64_t page_size_bytes(PageSize size) {
    return size == PageSize::k4K   ? kPageSize
           : size == PageSize::k2M ? kLargePageSize
                                   : kHugePageSize;
}

// What a mapping permits, independent of the bit layout.
struct PageFlags {
    bool writable = false;
    bool executable = false;
    bool user = false;
    bool global = false;
    bool uncached = false;  // device memory
    // The frame is not owned by the address space that maps it (a read-only
    // page of a file that outlives every space): tearing the mapping down
    // must not free it, and the kernel must never write through it. Kept in
    // a software bit of the leaf, so the CPU ignores it.
    bool borrowed = false;

    bool operator==(const PageFlags&) const = default;
};

class PageTableEntry {
public:
    static constexpr uint64_t kPresent = 1ull << 0;
    static constexpr uint64_t kWritable = 1ull << 1;
    static constexpr uint64_t kUser = 1ull << 2;
    static constexpr uint64_t kWriteThrough = 1ull << 3;
    static constexpr uint64_t kCacheDisable = 1ull << 4;
    static constexpr uint64_t kAccessed = 1ull << 5;
    static constexpr uint64_t kDirty = 1ull << 6;
    static constexpr uint64_t kHuge = 1ull << 7;  // PS: a 2 MiB or 1 GiB leaf in a PD or PDPT
    static constexpr uint64_t kGlobal = 1ull << 8;
    // Bits 9..11 are ignored by the CPU and left to software.
    static constexpr uint64_t kSoftwareNew = 1ull << 9;  // table created by an unfinished operation
    static constexpr uint64_t kSoftwareBorrowed = 1ull << 10;  // leaf: PageFlags::borrowed
    static constexpr uint64_t kNoExecute = 1ull << 63;
    static constexpr uint64_t kAddressMask = 0x000ffffffffff000ull;

    constexpr PageTableEntry() = default;
    constexpr explicit PageTableEntry(uint64_t raw) : m_raw(raw) {}

    constexpr uint64_t raw() const { return m_raw; }
    constexpr bool present() const { return m_raw & kPresent; }
    constexpr bool writable() const { return m_raw & kWritable; }
    constexpr bool user() const { return m_raw & kUser; }
    constexpr bool huge() const { return m_raw & kHuge; }
    constexpr bool global() const { return m_raw & kGlobal; }
    constexpr bool no_execute() const { return m_raw & kNoExecute; }
    constexpr bool uncached() const { return m_raw & kCacheDisable; }
    constexpr bool software_new() const { return m_raw & kSoftwareNew; }
    constexpr bool borrowed() const { return m_raw & kSoftwareBorrowed; }
    // For a leaf of `size`, the frame it maps; for a table entry, the table.
    constexpr PhysAddr address(PageSize size = PageSize::k4K) const {
        // In a large leaf bit 12 is PAT, not address.
        return m_raw & kAddressMask & ~(page_size_bytes(size) - 1);
    }

    // The same entry without write access (fork's copy-on-write downgrade:
    // every other bit, the accessed and dirty bits included, stays).
    constexpr PageTableEntry read_only() const { return PageTableEntry(m_raw & ~kWritable); }

    constexpr PageFlags flags() const {
        return PageFlags{.writable = writable(),
                         .executable = !no_execute(),
                         .user = user(),
                         .global = global(),
                         .uncached = uncached(),
                         .borrowed = borrowed()};
    }

    static constexpr PageTableEntry leaf(PhysAddr phys, PageFlags flags, PageSize size) {
        uint64_t raw = (phys & kAddressMask) | kPresent | flag_bits(flags);
        if (size != PageSize::k4K) raw |= kHuge;
        return PageTableEntry(raw);
    }

    // Intermediate entries grant everything; the leaf decides. User tables
    // must carry the user bit or no user access below them can succeed.
    static constexpr PageTableEntry table(PhysAddr phys, bool user) {
        return PageTableEntry((phys & kAddressMask) | kPresent | kWritable | (user ? kUser : 0));
    }

    static constexpr uint64_t flag_bits(PageFlags flags) {
        return (flags.writable ? kWritable : 0) | (flags.user ? kUser : 0) |
               (flags.global ? kGlobal : 0) |
               (flags.uncached ? (kCacheDisable | kWriteThrough) : 0) |
               (flags.executable ? 0 : kNoExecute) | (flags.borrowed ? kSoftwareBorrowed : 0);
    }

private:
    uint64_t m_raw = 0;
};
static_assert(sizeof(PageTableEntry) == 8);

constexpr unsigned pml4_index(VirtAddr va) {
    return (va >> 39) & 511;
}
constexpr unsigned pdpt_index(VirtAddr va) {
    return (va >> 30) & 511;
}
constexpr unsigned pd_index(VirtAddr va) {
    return (va >> 21) & 511;
}
constexpr unsigned pt_index(VirtAddr va) {
    return (va >> 12) & 511;
}

// 48-bit canonical: bits 63..47 all equal.
constexpr bool is_canonical(VirtAddr va) {
    uint64_t top = va >> 47;
    return top == 0 || top == 0x1ffff;
}

constexpr bool is_user_half(VirtAddr va) {
    return va < 0x0000800000000000ull;
}

constexpr uint64_t align_down(uint64_t value, uint64_t alignment) {
    return value & ~(alignment - 1);
}
constexpr uint64_t align_up(uint64_t value, uint64_t alignment) {
    return (value + alignment - 1) & ~(alignment - 1);
}

}  // namespace nyanos::paging
