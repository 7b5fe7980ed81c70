#include "mm/address_space.h"

#include <string.h>

#include "lib/panic.h"

namespace nyanos::mm {

using paging::kPageSize;

void* MemoryContext::allocate_metadata(size_t bytes) {
    return new (std::nothrow) uint8_t[bytes];
}

void MemoryContext::free_metadata(void* block) {
    delete[] static_cast<uint8_t*>(block);
}
using paging::PageTableEntry;

Result<PhysAddr> AddressSpace::TableEnv::allocate_table() {
    PhysAddr table = TRY(space->m_context->allocate_zeroed_frame(FrameUse::kPageTable));
    ++space->m_table_frames;
    return table;
}

void AddressSpace::TableEnv::free_table(PhysAddr table) {
    space->m_context->free_frame(table, FrameUse::kPageTable);
    --space->m_table_frames;
}

void AddressSpace::TableEnv::invalidate(VirtAddr va) {
    // Live on this CPU: invlpg here. Other CPUs can only have cached this
    // space's translations under its own PCID (without one, every load of
    // it flushes), so that PCID is flushed at their next load, and also at
    // this CPU's when the space is not live here. A CPU on which the space
    // is live right now needs a TLB shootdown besides (not done here).
    if (space->m_context->live_root() == space->root()) {
        space->m_context->invalidate(va);
        if (space->pcid()) space->m_context->invalidate_pcid_on_other_cpus(space->pcid());
    } else if (space->pcid()) {
        space->m_context->invalidate_pcid(space->pcid());
    }
    remote_stale = true;
}

void AddressSpace::TableEnv::flush_remote() {
    if (!remote_stale) return;
    remote_stale = false;
    space->m_context->shootdown_user(space->root());
}

Result<AddressSpace> AddressSpace::try_create(MemoryContext& context) {
    // Not zeroed by the allocator: the user half is cleared here and the
    // kernel half copied over, so each entry is written once.
    PhysAddr root = TRY(context.allocate_frame(FrameUse::kPageTable));
    auto* pml4 = static_cast<PageTableEntry*>(context.phys_to_virt(root));
    memset(static_cast<void*>(pml4), 0, paging::kFirstKernelPml4Index * sizeof(PageTableEntry));
    auto* kernel = static_cast<const PageTableEntry*>(context.phys_to_virt(context.kernel_root()));
    // Every kernel-half entry is populated at boot, so a later kernel mapping
    // appears in every space; an absent one would be a boot bug (the VMM
    // checks them all when it populates them).
    VERIFY(kernel[paging::kFirstKernelPml4Index].present() &&
           kernel[paging::kEntriesPerTable - 1].present());
    memcpy(pml4 + paging::kFirstKernelPml4Index, kernel + paging::kFirstKernelPml4Index,
           (paging::kEntriesPerTable - paging::kFirstKernelPml4Index) * sizeof(PageTableEntry));
    AddressSpace space(context, root);
    space.m_table_frames = 1;
    // From here on the destructor frees whatever the space holds.
    if (PhysAddr templ = context.user_root_template()) {
        PhysAddr user = TRY(context.allocate_frame(FrameUse::kPageTable));
        if ((user >> 12) > 0xffffffffull) {
            context.free_frame(user, FrameUse::kPageTable);
            return Error::kNoMemory;
        }
        auto* user_pml4 = static_cast<PageTableEntry*>(context.phys_to_virt(user));
        const auto* from = static_cast<const PageTableEntry*>(context.phys_to_virt(templ));
        memset(static_cast<void*>(user_pml4), 0,
               paging::kFirstKernelPml4Index * sizeof(PageTableEntry));
        memcpy(user_pml4 + paging::kFirstKernelPml4Index, from + paging::kFirstKernelPml4Index,
               (paging::kEntriesPerTable - paging::kFirstKernelPml4Index) * sizeof(PageTableEntry));
        space.m_user_root_frame = uint32_t(user >> 12);
        space.m_table_frames = 2;
    }
    space.m_cr3 |= context.acquire_pcid();
    return space;
}

// Runs mirror_user_entries on every way out of a mapping operation. Only
// the test of the user root stays inline: without isolation that is the
// whole cost on the page-fault path.
struct AddressSpace::MirrorOnReturn {
    AddressSpace& space;
    VirtAddr lo;
    size_t pages;
    ~MirrorOnReturn() {
        if (space.m_user_root_frame) [[unlikely]]
            space.mirror_user_entries(lo, lo + pages * kPageSize);
    }
};

[[gnu::noinline]] void AddressSpace::mirror_user_entries(VirtAddr lo, VirtAddr hi) {
    if (!m_user_root_frame || lo >= hi) return;
    auto* from = static_cast<const PageTableEntry*>(m_context->phys_to_virt(root()));
    auto* to = static_cast<PageTableEntry*>(m_context->phys_to_virt(user_root()));
    unsigned first = paging::pml4_index(lo);
    unsigned last = paging::pml4_index(hi - 1);
    VERIFY(last < paging::kFirstKernelPml4Index);
    for (unsigned i = first; i <= last; ++i) to[i] = from[i];
}

AddressSpace::AddressSpace(AddressSpace&& other) {
    take(other);
}

AddressSpace& AddressSpace::operator=(AddressSpace&& other) {
    if (this != &other) {
        release();
        take(other);
    }
    return *this;
}

// Moves ownership of everything `other` holds into this (empty) space.
void AddressSpace::take(AddressSpace& other) {
    m_context = other.m_context;
    m_cr3 = other.m_cr3;
    m_user_root_frame = other.m_user_root_frame;
    m_user_frames = other.m_user_frames;
    m_table_frames = other.m_table_frames;
    m_borrowed_pages = other.m_borrowed_pages;
    m_extents = other.m_extents;
    other.m_cr3 = 0;
    other.m_user_root_frame = 0;
    other.m_user_frames = other.m_table_frames = other.m_borrowed_pages = 0;
    other.m_extents = MappedExtents();
}

AddressSpace::~AddressSpace() {
    release();
}

void AddressSpace::return_frames(FreedFrames& freed) {
    if (freed.env) freed.env->flush_remote();
    if (freed.count) m_context->free_frames(freed.frames, freed.count, FrameUse::kUser);
    freed.count = 0;
}

// Inlined into unmap_range's walk: the walk then decodes only the PTE bits
// this reads.
[[gnu::always_inline]] inline void AddressSpace::release_leaf(const paging::Translation& leaf,
                                                              FreedFrames& freed) {
    VERIFY(leaf.size == paging::PageSize::k4K);
    if (leaf.flags.borrowed) {
        --m_borrowed_pages;
        return;
    }
    freed.frames[freed.count++] = leaf.phys;
    --m_user_frames;
    if (freed.count == FreedFrames::kCapacity) return_frames(freed);
}

void AddressSpace::release() {
    if (!m_cr3) return;
    // Destroying a live root would pull the tables from under a CPU: every
    // CPU that ran the space must have loaded another root first (an exiting
    // thread loads the kernel's; an idle CPU runs on the kernel's).
    VERIFY(!m_context->live_on_any_cpu(root()));
    TableEnv env{this};
    auto pt = tables(env);
    // A leaf table at a time, counts in locals: this loop runs once per page
    // of every exiting process.
    struct Releaser {
        AddressSpace& space;
        FreedFrames freed;
        void leaf(VirtAddr va, const paging::Translation&) {
            panic("address space: a large user page at 0x%lx", va);
        }
        void leaf_table(VirtAddr, PageTableEntry* entries, unsigned first, unsigned last) {
            size_t count = freed.count;
            uint32_t owned = 0, borrowed = 0;
            for (unsigned i = first; i <= last; ++i) {
                PageTableEntry e = entries[i];
                if (!e.present()) continue;
                entries[i] = PageTableEntry();
                if (e.borrowed()) {
                    ++borrowed;
                    continue;
                }
                ++owned;
                freed.frames[count++] = e.address();
                if (count == FreedFrames::kCapacity) {
                    freed.count = count;
                    space.return_frames(freed);
                    count = 0;
                }
            }
            freed.count = count;
            space.m_user_frames -= owned;
            space.m_borrowed_pages -= borrowed;
        }
    } releaser{*this, {}};
    pt.destroy_user_half_by_table(releaser, m_extents.ranges(), m_extents.count());
    return_frames(releaser.freed);
    m_context->free_frame(root(), FrameUse::kPageTable);
    --m_table_frames;
    // The user root shares every table below it with the root (freed
    // above) and the template (never freed): only its own frame goes.
    // It was loaded only together with the root (the exit path loads it
    // last, the entry path first leaves it), so it is not live either.
    if (m_user_root_frame) {
        m_context->free_frame(user_root(), FrameUse::kPageTable);
        --m_table_frames;
        m_user_root_frame = 0;
    }
    // Not live (checked above), so nothing runs on this PCID now; the
    // allocator makes its next owner flush what it may still cache.
    m_context->release_pcid(pcid());
    VERIFY(m_user_frames == 0 && m_table_frames == 0 && m_borrowed_pages == 0);
    m_cr3 = 0;
}

void AddressSpace::note_mapped(VirtAddr va, size_t pages) {
    m_extents.add(va, va + pages * kPageSize);
}

static bool user_range_ok(VirtAddr va, uint64_t length) {
    return va < kUserSpaceEnd && length <= kUserSpaceEnd - va;
}

static bool mappable_range_ok(VirtAddr va, size_t pages) {
    return va % kPageSize == 0 && pages != 0 && pages <= kUserMappableEnd / kPageSize &&
           va < kUserMappableEnd && pages * kPageSize <= kUserMappableEnd - va;
}

Result<void> AddressSpace::map_borrowed(VirtAddr va, PhysAddr phys, size_t pages, PageFlags flags) {
    if (!mappable_range_ok(va, pages) || phys % kPageSize || flags.writable) return Error::kInvalid;
    flags.user = true;
    flags.borrowed = true;
    note_mapped(va, pages);
    MirrorOnReturn mirror{*this, va, pages};
    TableEnv env{this};
    TRY(tables(env).map_range(va, phys, pages * kPageSize, flags));
    m_borrowed_pages += pages;
    return {};
}

Result<void> AddressSpace::map_anonymous(VirtAddr va, size_t pages, PageFlags flags) {
    if (!mappable_range_ok(va, pages)) return Error::kInvalid;
    flags.user = true;
    flags.borrowed = false;
    note_mapped(va, pages);
    MirrorOnReturn mirror{*this, va, pages};
    TableEnv env{this};
    auto pt = tables(env);
    size_t done = 0;
    Error failure = Error::kNoMemory;
    for (; done < pages; ++done) {
        auto frame = m_context->allocate_zeroed_frame(FrameUse::kUser);
        if (!frame.ok()) {
            failure = frame.error();
            break;
        }
        auto mapped = pt.map_4k(va + done * kPageSize, frame.value(), flags);
        if (!mapped.ok()) {
            m_context->free_frame(frame.value(), FrameUse::kUser);
            failure = mapped.error();
            break;
        }
        ++m_user_frames;
    }
    if (done == pages) return {};
    // Roll back the pages this call mapped; tables it created stay (empty)
    // until destruction (map_4k leaves them too), which keeps this simple
    // and is not a leak: the space still owns and counts them.
    unmap_range(va, done);
    return failure;
}

void AddressSpace::unmap_range(VirtAddr va, size_t pages) {
    if (!m_cr3 || pages == 0 || va % kPageSize || pages > kUserSpaceEnd / kPageSize ||
        !user_range_ok(va, pages * kPageSize))
        return;
    TableEnv env{this};
    auto pt = tables(env);
    FreedFrames freed;
    freed.env = &env;
    pt.for_each_leaf(va, va + pages * kPageSize,
                     [&](VirtAddr page, PageTableEntry& e, paging::PageSize size) {
                         paging::Translation t{e.address(size), e.flags(), size};
                         e = PageTableEntry();
                         // Before the frame can go back (release_leaf may
                         // return a batch).
                         env.invalidate(page);
                         release_leaf(t, freed);
                     });
    return_frames(freed);
}

Result<void> AddressSpace::move_range(VirtAddr from, VirtAddr to, size_t pages) {
    if (!mappable_range_ok(from, pages) || !mappable_range_ok(to, pages)) return Error::kInvalid;
    MirrorOnReturn mirror{*this, to, pages};
    note_mapped(to, pages);
    // Each page is mapped at its new place with a reference of its own
    // first; only once all are there does the source go (dropping the old
    // references), so a failure undoes the copies alone.
    for (size_t i = 0; i < pages; ++i) {
        auto t = translate(from + i * kPageSize);
        if (!t.ok()) continue;
        VERIFY(t.value().size == paging::PageSize::k4K);
        const PhysAddr frame = t.value().phys;
        const PageFlags flags = t.value().flags;
        if (!flags.borrowed) m_context->add_references(&frame, 1);
        TableEnv env{this};
        auto mapped = tables(env).map(to + i * kPageSize, frame, flags);
        if (!mapped.ok()) {
            if (!flags.borrowed) m_context->free_frame(frame, FrameUse::kUser);
            unmap_range(to, pages);
            return mapped.error();
        }
        if (flags.borrowed) {
            ++m_borrowed_pages;
        } else {
            ++m_user_frames;
        }
    }
    unmap_range(from, pages);
    return {};
}

Result<void> AddressSpace::map_copy(VirtAddr va, const void* contents, size_t length,
                                    PageFlags flags) {
    if (!mappable_range_ok(va, 1) || length > kPageSize) return Error::kInvalid;
    PhysAddr frame = TRY(m_context->allocate_frame(FrameUse::kUser));
    auto* bytes = static_cast<uint8_t*>(m_context->phys_to_virt(frame));
    memcpy(bytes, contents, length);
    memset(bytes + length, 0, kPageSize - length);
    auto mapped = map_frame(va, frame, flags);
    if (!mapped.ok()) m_context->free_frame(frame, FrameUse::kUser);
    return mapped;
}

Result<void> AddressSpace::map_frame(VirtAddr va, PhysAddr frame, PageFlags flags) {
    if (!mappable_range_ok(va, 1)) return Error::kInvalid;
    flags.user = true;
    flags.borrowed = false;
    note_mapped(va, 1);
    MirrorOnReturn mirror{*this, va, 1};
    TableEnv env{this};
    TRY(tables(env).map(va, frame, flags));
    ++m_user_frames;
    return {};
}

Result<void> AddressSpace::break_copy_on_write(VirtAddr va, PageFlags flags) {
    if (va % kPageSize || !user_range_ok(va, kPageSize)) return Error::kInvalid;
    flags.user = true;
    flags.writable = true;
    flags.borrowed = false;
    TableEnv env{this};
    auto pt = tables(env);
    paging::Translation t = TRY(pt.translate(va));
    VERIFY(t.size == paging::PageSize::k4K);
    // Only a holder can add references, and this space is one: a count of 1
    // cannot grow under us, so the frame is ours alone.
    if (!t.flags.borrowed && m_context->reference_count(t.phys) == 1) return pt.protect(va, flags);
    PhysAddr fresh = TRY(m_context->allocate_frame(FrameUse::kUser));
    // Every other holder maps the frame read-only, so it cannot change while
    // it is copied.
    memcpy(m_context->phys_to_virt(fresh), m_context->phys_to_virt(t.phys), kPageSize);
    auto old = pt.replace(va, fresh, flags);
    VERIFY(old.ok());
    // Another thread's CPU may still read the old frame through its TLB:
    // it must see the new one before this thread writes there.
    env.flush_remote();
    if (old.value().flags.borrowed) {
        --m_borrowed_pages;
        ++m_user_frames;
    } else {
        // Our reference; the frame stays with its other holders (or, if
        // they all dropped theirs meanwhile, this frees it).
        m_context->free_frame(old.value().phys, FrameUse::kUser);
    }
    return {};
}

void AddressSpace::protect_range(VirtAddr va, size_t pages, PageFlags flags, bool grant_write) {
    if (!m_cr3 || pages == 0 || va % kPageSize || pages > kUserSpaceEnd / kPageSize ||
        !user_range_ok(va, pages * kPageSize))
        return;
    TableEnv env{this};
    auto pt = tables(env);
    pt.for_each_leaf(
        va, va + pages * kPageSize, [&](VirtAddr page, PageTableEntry& e, paging::PageSize size) {
            PageFlags old = e.flags();
            PageFlags now = flags;
            now.borrowed = old.borrowed;
            now.writable = flags.writable && !old.borrowed && (grant_write || old.writable);
            if (now == old) return;
            e = PageTableEntry::leaf(e.address(size), now, size);
            env.invalidate(page);
        });
    env.flush_remote();
}

Result<void> AddressSpace::share_range_into(AddressSpace& child, VirtAddr lo, VirtAddr hi,
                                            bool copy_on_write, bool& downgraded) {
    VERIFY(child.m_context == m_context && child.m_cr3 && child.root() != root());
    if (lo >= hi || !mappable_range_ok(lo, (hi - lo) / kPageSize) || hi % kPageSize)
        return Error::kInvalid;
    child.note_mapped(lo, (hi - lo) / kPageSize);
    MirrorOnReturn mirror{child, lo, (hi - lo) / kPageSize};
    TableEnv env{this};
    auto pt = tables(env);
    TableEnv child_env{&child};
    auto child_pt = child.tables(child_env);

    // A whole leaf table at a time: fork copies every entry of the parent's
    // regions, and this loop is most of its cost per page. The child's
    // entries of one batch are written before the batch's references are
    // added; nothing between can fail, and the child is not running yet,
    // so every child entry holds its reference by the time anything could
    // look (on failure its teardown drops exactly the references of what
    // it maps). The parent's references keep the frames alive meanwhile:
    // its memory lock is held, so nothing unmaps them.
    Result<void> result;
    pt.for_each_leaf_table(lo, hi,
                           [&](VirtAddr base, PageTableEntry* from, unsigned first, unsigned last) {
                               if (!result.ok()) return;
                               auto to_table = child_pt.leaf_table(base);
                               if (!to_table.ok()) {
                                   result = to_table.error();
                                   return;
                               }
                               PageTableEntry* to = to_table.value();
                               // Locals, not the captured references: the stores to the entries
                               // would otherwise make the compiler reload them for every entry.
                               MemoryContext* context = m_context;
                               const bool cow = copy_on_write;
                               constexpr size_t kBatch = 32;
                               PhysAddr frames[kBatch];
                               bool any_downgraded = false;
                               size_t count = 0;
                               uint32_t owned = 0, borrowed = 0;
                               // The child's slots are empty: its tables are new, and the parent's
                               // regions are disjoint, so no slot is written twice.
                               for (unsigned i = first; i <= last; ++i) {
                                   PageTableEntry e = from[i];
                                   if (!e.present()) continue;
                                   if (e.borrowed()) {
                                       to[i] = e;
                                       ++borrowed;
                                       continue;
                                   }
                                   if (cow && e.writable()) {
                                       // No invlpg per page: the caller flushes once (flush_tlb, a
                                       // shootdown of the process's other CPUs too). Until then a
                                       // sibling thread may still write through a cached writable
                                       // entry; such a write lands before the child can run (it is
                                       // made runnable after the flush), as if made before the
                                       // fork.
                                       e = e.read_only();
                                       from[i] = e;
                                       any_downgraded = true;
                                   }
                                   to[i] = e;
                                   ++owned;
                                   frames[count++] = e.address();
                                   if (count == kBatch) {
                                       context->add_references(frames, count);
                                       count = 0;
                                   }
                               }
                               if (count) context->add_references(frames, count);
                               if (any_downgraded) downgraded = true;
                               child.m_user_frames += owned;
                               child.m_borrowed_pages += borrowed;
                           });
    return result;
}

Result<void> AddressSpace::protect(VirtAddr va, size_t pages, PageFlags flags) {
    if (va % kPageSize || !user_range_ok(va, pages * kPageSize)) return Error::kInvalid;
    flags.user = true;
    TableEnv env{this};
    auto pt = tables(env);
    if (flags.writable) {
        for (size_t i = 0; i < pages; ++i) {
            auto t = pt.translate(va + i * kPageSize);
            if (t.ok() && t.value().flags.borrowed) return Error::kPermission;
        }
    }
    for (size_t i = 0; i < pages; ++i) {
        auto t = pt.translate(va + i * kPageSize);
        if (!t.ok()) continue;
        flags.borrowed = t.value().flags.borrowed;
        TRY(pt.protect(va + i * kPageSize, flags));
    }
    return {};
}

Result<paging::Translation> AddressSpace::translate(VirtAddr va) {
    if (!user_range_ok(va, 1)) return Error::kFault;
    TableEnv env{this};
    return tables(env).translate(va);
}

template <typename Fn>
Result<void> AddressSpace::for_each_user_byte_run(VirtAddr va, size_t length, bool writing,
                                                  Fn&& fn) {
    if (length == 0) return {};
    if (!user_range_ok(va, length)) return Error::kFault;
    TableEnv env{this};
    auto pt = tables(env);
    size_t done = 0;
    while (done < length) {
        VirtAddr cur = va + done;
        auto t = pt.translate(cur);
        if (!t.ok() || (writing && t.value().flags.borrowed)) return Error::kFault;
        uint64_t in_page = cur % kPageSize;
        size_t chunk = kPageSize - in_page;
        if (chunk > length - done) chunk = length - done;
        fn(static_cast<uint8_t*>(m_context->phys_to_virt(t.value().phys)) + in_page, done, chunk);
        done += chunk;
    }
    return {};
}

Result<void> AddressSpace::copy_to(VirtAddr va, const void* src, size_t length) {
    auto* from = static_cast<const uint8_t*>(src);
    return for_each_user_byte_run(
        va, length, true, [&](uint8_t* dst, size_t off, size_t n) { memcpy(dst, from + off, n); });
}

Result<void> AddressSpace::copy_from(void* dst, VirtAddr va, size_t length) {
    auto* to = static_cast<uint8_t*>(dst);
    return for_each_user_byte_run(
        va, length, false, [&](uint8_t* src, size_t off, size_t n) { memcpy(to + off, src, n); });
}

Result<void> AddressSpace::fill_zero(VirtAddr va, size_t length) {
    return for_each_user_byte_run(va, length, true,
                                  [&](uint8_t* dst, size_t, size_t n) { memset(dst, 0, n); });
}

}  // namespace nyanos::mm
