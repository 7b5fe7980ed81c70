// Portable 4-level page-table code: map, unmap, translate and protect pages
// of 4 KiB, 2 MiB and 1 GiB. Used by the UEFI stub and the GRUB loader to
// build the boot PML4, by the kernel's VMM, and by the host tests.
//
// The tables are reached only through the environment, which the caller
// injects. `Env` must provide:
//   Result<PhysAddr> allocate_table();  // a zeroed, 4 KiB aligned frame
//   void free_table(PhysAddr table);
//   void* phys_to_virt(PhysAddr phys);  // the HHDM, identity, or a host arena
//   void invalidate(VirtAddr va);       // TLB shoot-down after a present entry changed
// and may provide
//   bool may_add_kernel_pml4_entry();   // false: a kernel-half PML4 entry is never created
// Without it, any absent PML4 entry may get a new PDPT (the loaders building
// the boot PML4, the host tests). The kernel answers false once its kernel
// half is sealed (see populate_kernel_half). Code that only reads
// (translate) needs nothing but phys_to_virt.
//
// Env is a type parameter rather than an interface: the loaders build page
// tables with this code before any kernel object exists, and every walk
// calls phys_to_virt once per level, where it then inlines. The kernel's
// stored objects (the frame allocator, AddressSpace) take the same members
// at run time instead (kernel/mm/direct_map.h), and AddressSpace adapts its
// MemoryContext to an Env.
//
// Every fallible operation is all or nothing: on failure the translations
// are exactly as before and every table it allocated has been freed.
// Tables are never freed by unmap (an emptied table stays until the address
// space is destroyed), which keeps the pre-populated kernel half intact.
//
// Bad arguments (unaligned, non-canonical, wrapping, crossing the canonical
// hole, a physical address beyond 52 bits, a user page in the kernel half)
// are rejected with kInvalid before anything is touched.
//
// Not thread safe: the caller serialises operations on one PageTable (and on
// the shared kernel half).
#pragma once

#include <stdint.h>

#include "nyanos/lib/result.h"
#include "nyanos/paging/pte.h"

namespace nyanos::paging {

struct Translation {
    PhysAddr phys;  // the frame of the leaf (start of the 4K/2M/1G page)
    PageFlags flags;
    PageSize size;
};

// Which leaf sizes map_range may use when alignment allows.
struct LargePages {
    bool allow_2m = false;
    bool allow_1g = false;
};

// A virtual address range [lo, hi).
struct VirtRange {
    VirtAddr lo;
    VirtAddr hi;
};

template <typename Env>
class PageTable {
public:
    // `root` is the physical address of an existing PML4.
    PageTable(Env& env, PhysAddr root) : m_env(env), m_root(root) {}

    PhysAddr root() const { return m_root; }
    Env& env() { return m_env; }

    // Maps one page of `size`. va and pa must be aligned to it and va
    // canonical. Fails with kExists if anything is mapped there, kNoMemory
    // if a table cannot be allocated, kInvalid on bad arguments. Where an
    // emptied table lingers in a large page's slot, the same range is mapped
    // through it with smaller pages (translate then reports those).
    Result<void> map(VirtAddr va, PhysAddr pa, PageFlags flags, PageSize size = PageSize::k4K) {
        uint64_t bytes = page_size_bytes(size);
        if ((va | pa) & (bytes - 1)) return Error::kInvalid;
        return map_range(
            va, pa, bytes, flags,
            LargePages{.allow_2m = size != PageSize::k4K, .allow_1g = size == PageSize::k1G});
    }

    // Maps one 4 KiB page with the argument checks and failures of
    // map(va, pa, flags), but the tables it creates on the way are final at
    // once (leaf_table): no rollback marks, so no second pass to clear them.
    // On kNoMemory the tables already created stay (empty) until the
    // teardown, which frees them. For the demand-fault path's one page, where
    // map_range's commit pass over four levels cost more than the walk.
    Result<void> map_4k(VirtAddr va, PhysAddr pa, PageFlags flags) {
        if (((va | pa) & (kPageSize - 1)) || (pa & ~kPhysMask) || !is_canonical(va))
            return Error::kInvalid;
        if (flags.user && !is_user_half(va)) return Error::kInvalid;
        PageTableEntry* tbl = TRY(table_for(va, 1, /*mark_new=*/false));
        PageTableEntry& slot = tbl[index_at(va, 1)];
        if (slot.present()) return Error::kExists;
        slot = PageTableEntry::leaf(pa, flags, PageSize::k4K);
        return {};
    }

    // Maps [va, va+length) to [pa, pa+length), choosing the largest allowed
    // page size at each step. All three must be 4 KiB aligned; the range may
    // not wrap or leave the canonical half it starts in. Large pages are a
    // permission, not a promise: where an (emptied) table already sits in a
    // large page's slot, the range is mapped with smaller pages through it.
    // Fails with kExists (and maps nothing) if any page of the range is
    // already mapped, and with kInvalid if it needs a new kernel-half PML4
    // entry while Env says the kernel half is sealed.
    Result<void> map_range(VirtAddr va, PhysAddr pa, uint64_t length, PageFlags flags,
                           LargePages large = {}) {
        if (length == 0 || (va | pa | length) & (kPageSize - 1)) return Error::kInvalid;
        VirtAddr last = va + length - 1;
        if (last < va || !is_canonical(va) || !is_canonical(last) ||
            is_user_half(va) != is_user_half(last)) {
            return Error::kInvalid;
        }
        PhysAddr last_pa = pa + length - 1;
        if (last_pa < pa || (last_pa & ~kPhysMask) != 0) return Error::kInvalid;
        if (flags.user && !is_user_half(va)) return Error::kInvalid;

        uint64_t done = 0;
        Error failure{};
        bool failed = false;
        while (done < length) {
            VirtAddr v = va + done;
            PhysAddr p = pa + done;
            uint64_t remaining = length - done;
            PageSize size = PageSize::k4K;
            if (large.allow_1g && fits(v, p, remaining, kHugePageSize)) {
                size = PageSize::k1G;
            } else if (large.allow_2m && fits(v, p, remaining, kLargePageSize)) {
                size = PageSize::k2M;
            }
            while (size != PageSize::k4K && slot_holds_table(v, size)) {
                size =
                    size == PageSize::k1G && large.allow_2m && fits(v, p, remaining, kLargePageSize)
                        ? PageSize::k2M
                        : PageSize::k4K;
            }
            auto slot = walk_create(v, size);
            if (!slot.ok()) {
                failure = slot.error();
                failed = true;
                break;
            }
            *slot.value() = PageTableEntry::leaf(p, flags, size);
            done += page_size_bytes(size);
        }
        if (failed) {
            rollback(m_root, 4, va, va + length, va + done);
            return failure;
        }
        commit(m_root, 4, va, va + length);
        return {};
    }

    // Removes the leaf that maps va and returns what it mapped. va must be
    // the start of that leaf (4 KiB aligned for a 4K page, 2 MiB for a 2M
    // page...): a large page is never split or dropped by accident (kInvalid).
    // kNoEntry if nothing is mapped there. The frame is not freed: its owner
    // does that.
    Result<Translation> unmap(VirtAddr va) {
        PageSize size;
        PageTableEntry* entry = TRY(find_leaf_at_start(va, size));
        Translation t{entry->address(size), entry->flags(), size};
        *entry = PageTableEntry();
        m_env.invalidate(va);
        return t;
    }

    // Replaces the 4 KiB leaf at va (which must exist) with one mapping `pa`
    // with `flags`, and returns what it mapped before. For copy-on-write:
    // the new frame takes the old one's place in one store, so the page is
    // never absent in between. kNoEntry if nothing is mapped at va, kInvalid
    // on bad arguments or if the leaf there is a large page.
    Result<Translation> replace(VirtAddr va, PhysAddr pa, PageFlags flags) {
        if ((pa & (kPageSize - 1)) || (pa & ~kPhysMask)) return Error::kInvalid;
        if (flags.user && is_canonical(va) && !is_user_half(va)) return Error::kInvalid;
        PageSize size;
        PageTableEntry* entry = TRY(find_leaf_at_start(va, size));
        if (size != PageSize::k4K) return Error::kInvalid;
        Translation old{entry->address(size), entry->flags(), size};
        *entry = PageTableEntry::leaf(pa, flags, size);
        m_env.invalidate(va);
        return old;
    }

    // Calls fn(va, entry, size) for every present leaf that starts in
    // [lo, hi), in address order, descending only into present tables: a
    // range of a terabyte with three pages mapped costs three visits and a
    // few table scans. fn may rewrite or clear the entry (PageTableEntry&);
    // the walk does no TLB work, so the caller invalidates what it changed.
    // lo and hi must be page aligned, lo < hi, and both in the canonical half
    // lo is in (else nothing is visited).
    template <typename Fn>
    void for_each_leaf(VirtAddr lo, VirtAddr hi, Fn&& fn) {
        if (!walk_range_ok(lo, hi)) return;
        visit_table(m_root, 4, 0, canonical_low(lo), canonical_low(hi - 1) + 1, fn);
    }

    // Calls fn(base, entries, first, last) for every present leaf table
    // (the 512 4 KiB entries of one 2 MiB block, starting at canonical
    // address `base`) that holds entries of [lo, hi): entries[first..last]
    // are those. For whole-table loops that touch every entry of a range
    // (fork shares each page; a per-leaf callback costs several times the
    // entry's own work). Descends only into present tables; large leaves
    // are skipped. Same argument rules as for_each_leaf.
    template <typename Fn>
    void for_each_leaf_table(VirtAddr lo, VirtAddr hi, Fn&& fn) {
        if (!walk_range_ok(lo, hi)) return;
        visit_leaf_tables(m_root, 4, 0, canonical_low(lo), canonical_low(hi - 1) + 1, fn);
    }

    // The leaf table that holds va's 4 KiB entry, creating it and the tables
    // above it if needed (final at once: no rollback marks). kExists if a
    // large leaf covers va; kInvalid if va is not canonical, or needs a new
    // kernel-half PML4 entry once the kernel half is sealed. On kNoMemory
    // the tables created on the way stay (empty) until the teardown.
    Result<PageTableEntry*> leaf_table(VirtAddr va) {
        if (!is_canonical(va)) return Error::kInvalid;
        return table_for(va, 1, /*mark_new=*/false);
    }

    // What va maps to: the leaf's frame (the start of the 4K/2M/1G page, not
    // va's frame inside it), flags and size. kNoEntry if unmapped, kInvalid
    // if va is not canonical. va need not be aligned.
    Result<Translation> translate(VirtAddr va) {
        if (!is_canonical(va)) return Error::kInvalid;
        PageSize size;
        PageTableEntry* entry = find_leaf(va, size);
        if (!entry) return Error::kNoEntry;
        return Translation{entry->address(size), entry->flags(), size};
    }

    // Replaces the permissions of the leaf that starts at va, keeping its
    // frame and size. Same argument rules as unmap; a user page in the
    // kernel half is kInvalid, as in map.
    Result<void> protect(VirtAddr va, PageFlags flags) {
        if (flags.user && is_canonical(va) && !is_user_half(va)) return Error::kInvalid;
        PageSize size;
        PageTableEntry* entry = TRY(find_leaf_at_start(va, size));
        *entry = PageTableEntry::leaf(entry->address(size), flags, size);
        m_env.invalidate(va);
        return {};
    }

    // Makes every PML4 entry 256..511 present, giving each absent one an
    // empty PDPT, so that kernel mappings made later land in tables shared by
    // every address space that copied the kernel half. All or nothing: on
    // kNoMemory the PDPTs allocated by this call are freed again.
    Result<void> populate_kernel_half() {
        return populate_kernel_half([](unsigned) { return true; });
    }

    // The same for the entries 256..511 for which wanted(index) is true;
    // the others are left as they are (absent ones stay absent). The kernel
    // populates only the entries it can ever map into and then seals the
    // rest (Env::may_add_kernel_pml4_entry), so a mapping there fails
    // instead of creating a PDPT no other address space would see.
    template <typename Wanted>
    Result<void> populate_kernel_half(Wanted&& wanted) {
        PageTableEntry* pml4 = table(m_root);
        for (unsigned i = kFirstKernelPml4Index; i < kEntriesPerTable; ++i) {
            if (pml4[i].present() || !wanted(i)) continue;
            auto fresh = m_env.allocate_table();
            if (!fresh.ok()) {
                for (unsigned j = kFirstKernelPml4Index; j < i; ++j) {
                    if (!pml4[j].software_new()) continue;
                    m_env.free_table(pml4[j].address());
                    pml4[j] = PageTableEntry();
                }
                return fresh.error();
            }
            pml4[i] = PageTableEntry(PageTableEntry::table(fresh.value(), false).raw() |
                                     PageTableEntry::kSoftwareNew);
        }
        for (unsigned i = kFirstKernelPml4Index; i < kEntriesPerTable; ++i)
            pml4[i] = PageTableEntry(pml4[i].raw() & ~PageTableEntry::kSoftwareNew);
        return {};
    }

    // Frees the last-level table (a PT) that covers the 2 MiB region around
    // va if none of its 512 entries is present, clearing the PD entry that
    // pointed at it. Returns true if a table was freed. For kernel areas
    // whose mappings come and go (kernel stacks), so their tables do not pile
    // up; the TLB's cached copy of the PD entry is dropped with invalidate().
    bool free_empty_page_table(VirtAddr va) {
        if (!is_canonical(va)) return false;
        PageTableEntry* tbl = table(m_root);
        for (int level = 4; level > 2; --level) {
            PageTableEntry& e = tbl[index_at(va, level)];
            if (!e.present() || e.huge()) return false;
            tbl = table(e.address());
        }
        PageTableEntry& pd_entry = tbl[index_at(va, 2)];
        if (!pd_entry.present() || pd_entry.huge()) return false;
        PhysAddr pt = pd_entry.address();
        const PageTableEntry* entries = table(pt);
        for (unsigned i = 0; i < kEntriesPerTable; ++i)
            if (entries[i].present()) return false;
        pd_entry = PageTableEntry();
        m_env.invalidate(align_down(va, kLargePageSize));
        m_env.free_table(pt);
        return true;
    }

    // Tears down PML4 entries 0..255: calls on_leaf(va, translation) for every
    // leaf (so its owner can free the frame), then frees every table below
    // the PML4, leaves first. The kernel half and the PML4 itself are left
    // alone. No TLB work: the caller guarantees the root is not live.
    // `ranges` (any order; they may even overlap) may narrow the walk to the entries that
    // can cover them: every mapping and every table below PML4 entry 256
    // must then be reachable through them (AddressSpace tracks that), and a
    // small process is torn down without scanning thousands of empty entries.
    template <typename OnLeaf>
    void destroy_user_half(OnLeaf&& on_leaf, const VirtRange* ranges, size_t count) {
        PerLeaf<OnLeaf> visitor{on_leaf};
        destroy_user_half_by_table(visitor, ranges, count);
    }

    // destroy_user_half for an owner that takes a leaf table's 4 KiB entries
    // in one loop of its own (a call per leaf costs several times the
    // entry's own work, once per page of every exiting process):
    // visitor.leaf_table(base, entries, first, last) must take every present
    // entry of entries[first..last] (the table maps the 2 MiB from canonical
    // address `base`) and clear it; visitor.leaf(va, translation) gets the
    // large leaves. The tables are freed afterwards, as above.
    template <typename Visitor>
    void destroy_user_half_by_table(Visitor& visitor, const VirtRange* ranges, size_t count) {
        if (count == 0) return;
        destroy_table(m_root, 4, 0, visitor, ranges, count, /*free_it=*/false);
    }

    template <typename OnLeaf>
    void destroy_user_half(OnLeaf&& on_leaf, VirtAddr lo = 0, VirtAddr hi = kUserHalfEnd) {
        if (hi <= lo) return;
        const VirtRange range{lo, hi};
        destroy_user_half(on_leaf, &range, 1);
    }

private:
    // The end of what destroy_user_half may touch: PML4 entries 0..255.
    static constexpr VirtAddr kUserHalfEnd = VirtAddr(kFirstKernelPml4Index) << 39;
    // Physical addresses the PTE format can hold (52 bits).
    static constexpr uint64_t kPhysMask = (1ull << 52) - 1;

    static constexpr bool fits(VirtAddr v, PhysAddr p, uint64_t remaining, uint64_t size) {
        return ((v | p) & (size - 1)) == 0 && remaining >= size;
    }

    static constexpr unsigned index_at(VirtAddr va, int level) {
        return (va >> (12 + 9 * (level - 1))) & 511;
    }

    static constexpr uint64_t span_of_entry(int level) { return 1ull << (12 + 9 * (level - 1)); }

    // Sign-extends a 48-bit address so computed table bases stay canonical.
    static constexpr VirtAddr canonical(uint64_t va) {
        return (va & (1ull << 47)) ? (va | 0xffff000000000000ull) : va;
    }

    bool may_add_kernel_pml4_entry() {
        if constexpr (requires(Env & env) { env.may_add_kernel_pml4_entry(); })
            return m_env.may_add_kernel_pml4_entry();
        else
            return true;
    }

    PageTableEntry* table(PhysAddr phys) {
        return static_cast<PageTableEntry*>(m_env.phys_to_virt(phys));
    }

    // The entry that will hold a leaf of `size` for va, creating the tables
    // above it (marked kSoftwareNew until commit or rollback).
    Result<PageTableEntry*> walk_create(VirtAddr va, PageSize size) {
        int leaf_level = size == PageSize::k4K ? 1 : size == PageSize::k2M ? 2 : 3;
        PageTableEntry* tbl = TRY(table_for(va, leaf_level, /*mark_new=*/true));
        PageTableEntry& slot = tbl[index_at(va, leaf_level)];
        if (slot.present()) return Error::kExists;
        return &slot;
    }

    // The table at `leaf_level` whose entry va's leaf would be, creating the
    // tables above it, marked kSoftwareNew when `mark_new`. kExists if a
    // large leaf is in the way.
    Result<PageTableEntry*> table_for(VirtAddr va, int leaf_level, bool mark_new) {
        PageTableEntry* tbl = table(m_root);
        for (int level = 4; level > leaf_level; --level) {
            PageTableEntry& e = tbl[index_at(va, level)];
            if (!e.present()) {
                // A new kernel-half PDPT would exist only in this PML4, not
                // in the address spaces that already copied the kernel half:
                // the mapping would silently be missing there. Refused once
                // the environment says the kernel half is sealed.
                if (level == 4 && !is_user_half(va) && !may_add_kernel_pml4_entry())
                    return Error::kInvalid;
                PhysAddr fresh = TRY(m_env.allocate_table());
                e = PageTableEntry(PageTableEntry::table(fresh, is_user_half(va)).raw() |
                                   (mark_new ? PageTableEntry::kSoftwareNew : 0));
            } else if (e.huge()) {
                return Error::kExists;
            }
            tbl = table(e.address());
        }
        return tbl;
    }

    // Whether the slot where a leaf of `size` for va would go already holds a
    // table (left behind by an earlier unmap, or pre-populated).
    bool slot_holds_table(VirtAddr va, PageSize size) {
        int leaf_level = size == PageSize::k4K ? 1 : size == PageSize::k2M ? 2 : 3;
        PageTableEntry* tbl = table(m_root);
        for (int level = 4; level >= leaf_level; --level) {
            PageTableEntry& e = tbl[index_at(va, level)];
            if (!e.present() || e.huge()) return false;
            if (level == leaf_level) return true;
            tbl = table(e.address());
        }
        return false;
    }

    // The leaf that starts exactly at va, for unmap and protect.
    Result<PageTableEntry*> find_leaf_at_start(VirtAddr va, PageSize& size) {
        if (!is_canonical(va) || (va & (kPageSize - 1))) return Error::kInvalid;
        PageTableEntry* entry = find_leaf(va, size);
        if (!entry) return Error::kNoEntry;
        if (va & (page_size_bytes(size) - 1)) return Error::kInvalid;
        return entry;
    }

    PageTableEntry* find_leaf(VirtAddr va, PageSize& size) {
        if (!is_canonical(va)) return nullptr;
        PageTableEntry* tbl = table(m_root);
        for (int level = 4; level >= 1; --level) {
            PageTableEntry& e = tbl[index_at(va, level)];
            if (!e.present()) return nullptr;
            if (level == 1 || ((level == 2 || level == 3) && e.huge())) {
                size = level == 1 ? PageSize::k4K : level == 2 ? PageSize::k2M : PageSize::k1G;
                return &e;
            }
            tbl = table(e.address());
        }
        return nullptr;
    }

    // Entry indices of a table at `level` whose span starts at `base` that
    // overlap [start, end).
    static void overlap(VirtAddr base, int level, VirtAddr start, VirtAddr end, unsigned& first,
                        unsigned& last) {
        uint64_t span = span_of_entry(level);
        uint64_t lo = start > base ? start : base;
        uint64_t table_end = base + span * 512 - 1;
        uint64_t hi = (end - 1) < table_end ? (end - 1) : table_end;
        first = (lo - base) / span;
        last = (hi - base) / span;
    }

    // Undoes a failed map_range over [start, end): clears the leaves it
    // wrote (those below mapped_end) and frees the tables it created.
    void rollback(PhysAddr tbl_phys, int level, VirtAddr start, VirtAddr end, VirtAddr mapped_end,
                  VirtAddr base = 0) {
        PageTableEntry* tbl = table(tbl_phys);
        unsigned first, last;
        overlap(base, level, canonical_low(start), canonical_low(end - 1) + 1, first, last);
        for (unsigned i = first; i <= last; ++i) {
            PageTableEntry& e = tbl[i];
            if (!e.present()) continue;
            VirtAddr entry_va = canonical(base + i * span_of_entry(level));
            if (level == 1 || e.huge()) {
                if (entry_va >= start && entry_va < mapped_end) {
                    e = PageTableEntry();
                    m_env.invalidate(entry_va);
                }
                continue;
            }
            rollback(e.address(), level - 1, start, end, mapped_end,
                     base + i * span_of_entry(level));
            if (e.software_new()) {
                m_env.free_table(e.address());
                e = PageTableEntry();
                // The CPU may have cached the short-lived entry in its
                // paging-structure caches; drop it before the frame is reused.
                m_env.invalidate(entry_va);
            }
        }
    }

    // for_each_leaf below one table covering [base, base + 512 entries), over
    // the 48-bit (sign-dropped) range [start, end).
    template <typename Fn>
    void visit_table(PhysAddr tbl_phys, int level, uint64_t base, uint64_t start, uint64_t end,
                     Fn& fn) {
        PageTableEntry* tbl = table(tbl_phys);
        unsigned first, last;
        overlap(base, level, start, end, first, last);
        for (unsigned i = first; i <= last; ++i) {
            PageTableEntry& e = tbl[i];
            if (!e.present()) continue;
            uint64_t entry_base = base + i * span_of_entry(level);
            if (level == 1 || e.huge()) {
                // A large leaf is visited when it starts in the range.
                if (entry_base < start) continue;
                PageSize size = level == 1   ? PageSize::k4K
                                : level == 2 ? PageSize::k2M
                                             : PageSize::k1G;
                fn(canonical(entry_base), e, size);
                continue;
            }
            visit_table(e.address(), level - 1, entry_base, start, end, fn);
        }
    }

    // for_each_leaf_table below one table covering [base, base + 512
    // entries), over the 48-bit (sign-dropped) range [start, end).
    template <typename Fn>
    void visit_leaf_tables(PhysAddr tbl_phys, int level, uint64_t base, uint64_t start,
                           uint64_t end, Fn& fn) {
        PageTableEntry* tbl = table(tbl_phys);
        unsigned first, last;
        overlap(base, level, start, end, first, last);
        if (level == 1) {
            fn(canonical(base), tbl, first, last);
            return;
        }
        for (unsigned i = first; i <= last; ++i) {
            PageTableEntry& e = tbl[i];
            if (!e.present() || e.huge()) continue;
            visit_leaf_tables(e.address(), level - 1, base + i * span_of_entry(level), start, end,
                              fn);
        }
    }

    // Clears the kSoftwareNew marks a successful map_range left on [start, end).
    void commit(PhysAddr tbl_phys, int level, VirtAddr start, VirtAddr end, VirtAddr base = 0) {
        if (level == 1) return;
        PageTableEntry* tbl = table(tbl_phys);
        unsigned first, last;
        overlap(base, level, canonical_low(start), canonical_low(end - 1) + 1, first, last);
        for (unsigned i = first; i <= last; ++i) {
            PageTableEntry& e = tbl[i];
            if (!e.present() || e.huge()) continue;
            if (e.software_new()) e = PageTableEntry(e.raw() & ~PageTableEntry::kSoftwareNew);
            commit(e.address(), level - 1, start, end, base + i * span_of_entry(level));
        }
    }

    // What for_each_leaf and for_each_leaf_table accept: page-aligned
    // lo < hi, both canonical and in the same half.
    static constexpr bool walk_range_ok(VirtAddr lo, VirtAddr hi) {
        return lo < hi && !((lo | hi) & (kPageSize - 1)) && is_canonical(lo) &&
               is_canonical(hi - 1) && is_user_half(lo) == is_user_half(hi - 1);
    }

    // Table walks index the 48-bit space from 0; drop the sign extension.
    static constexpr uint64_t canonical_low(VirtAddr va) { return va & 0x0000ffffffffffffull; }

    // destroy_user_half's per-leaf callback as a by-table visitor.
    template <typename OnLeaf>
    struct PerLeaf {
        OnLeaf& on_leaf;
        void leaf(VirtAddr va, const Translation& t) { on_leaf(va, t); }
        void leaf_table(VirtAddr base, PageTableEntry* entries, unsigned first, unsigned last) {
            for (unsigned i = first; i <= last; ++i) {
                PageTableEntry& e = entries[i];
                if (!e.present()) continue;
                on_leaf(base + i * kPageSize, Translation{e.address(), e.flags(), PageSize::k4K});
                e = PageTableEntry();
            }
        }
    };

    // Destroys what `tbl_phys` (covering [base, base + 512 entries)) holds
    // inside the ranges. An entry can lie in several ranges (two ranges
    // inside one page or one table): it is cleared once destroyed, so the
    // next range skips it. The table is then freed whole, unless it is the
    // PML4, whose lower-half entries were cleared that way.
    template <typename Visitor>
    void destroy_table(PhysAddr tbl_phys, int level, VirtAddr base, Visitor& visitor,
                       const VirtRange* ranges, size_t count, bool free_it = true) {
        PageTableEntry* tbl = table(tbl_phys);
        const uint64_t span = span_of_entry(level);
        const VirtAddr table_last = base + span * kEntriesPerTable - 1;
        for (size_t r = 0; r < count; ++r) {
            VirtAddr lo = ranges[r].lo, hi = ranges[r].hi;
            if (hi > kUserHalfEnd) hi = kUserHalfEnd;
            if (hi <= lo || hi - 1 < base || lo > table_last) continue;
            unsigned first, last;
            overlap(base, level, lo, hi, first, last);
            if (level == 1) {
                visitor.leaf_table(base, tbl, first, last);
                continue;
            }
            for (unsigned i = first; i <= last; ++i) {
                PageTableEntry& e = tbl[i];
                if (!e.present()) continue;
                VirtAddr va = base + i * span;
                if (e.huge()) {
                    PageSize size = level == 2 ? PageSize::k2M : PageSize::k1G;
                    visitor.leaf(va, Translation{e.address(size), e.flags(), size});
                    e = PageTableEntry();
                } else {
                    destroy_table(e.address(), level - 1, va, visitor, ranges, count);
                    e = PageTableEntry();
                }
            }
        }
        if (free_it) m_env.free_table(tbl_phys);
    }

    Env& m_env;
    PhysAddr m_root;
};

}  // namespace nyanos::paging
