#include "mm/process_memory.h"

#include "lib/panic.h"

namespace nyanos::mm {

namespace {

constexpr uint64_t kPage = paging::kPageSize;
// Linux's TASK_SIZE on x86_64: the last user page is never mapped
// (mm/address_space.h says why).
constexpr VirtAddr kTaskSize = kUserMappableEnd;
// PROT_SEM is accepted and means nothing here (as on x86 Linux).
constexpr uint8_t kProtSem = 0x8;

constexpr uint64_t page_up(uint64_t v) {
    return (v + kPage - 1) & ~(kPage - 1);
}
constexpr uint64_t page_down(uint64_t v) {
    return v & ~(kPage - 1);
}
constexpr bool page_aligned(uint64_t v) {
    return (v & (kPage - 1)) == 0;
}

bool access_allowed(const Region& r, Access access) {
    switch (access) {
        case Access::kRead:
            return r.readable();
        case Access::kWrite:
            return r.writable();
        case Access::kExecute:
            return r.executable();
    }
    return false;
}

}  // namespace

Result<ProcessMemory> ProcessMemory::try_create(AddressSpace&& space, const MemoryLayout& layout) {
    if (!space.root()) return Error::kInvalid;
    const MemoryLayout& l = layout;
    if (!page_aligned(l.stack_top) || !page_aligned(l.stack_size) || !page_aligned(l.stack_max) ||
        !page_aligned(l.brk_start) || !page_aligned(l.mmap_base) || l.stack_size == 0 ||
        l.stack_max < l.stack_size || l.stack_top > kTaskSize ||
        l.stack_max > l.stack_top - kMmapMinAddr || l.stack_top < kMmapMinAddr ||
        l.brk_start < kMmapMinAddr || l.mmap_base > kTaskSize || l.brk_start > l.mmap_base)
        return Error::kInvalid;
    ProcessMemory memory;
    memory.m_map = TRY(VmMap::try_create(space.context()));
    Region stack;
    stack.start = l.stack_top - l.stack_size;
    stack.end = l.stack_top;
    stack.offset = l.stack_top - l.stack_max;
    stack.prot = kProtRead | kProtWrite;
    stack.kind = RegionKind::kStack;
    TRY(memory.m_map.insert(stack));
    memory.m_space = static_cast<AddressSpace&&>(space);
    memory.m_brk_start = memory.m_brk = l.brk_start;
    memory.m_mmap_base = l.mmap_base;
    memory.m_allow_write_execute = l.allow_write_execute;
    return memory;
}

Result<void> ProcessMemory::add_loaded_region(VirtAddr start, VirtAddr end, uint8_t prot) {
    if (!page_aligned(start) || !page_aligned(end) || start >= end || end > kTaskSize ||
        (prot & ~kProtMask))
        return Error::kInvalid;
    Region r;
    r.start = start;
    r.end = end;
    r.prot = prot;
    r.kind = RegionKind::kAnonymous;
    r.flags = Region::kImage;
    return m_map.insert(r);
}

void ProcessMemory::release() {
    m_space = AddressSpace();
    m_map = VmMap();
    m_brk_start = m_brk = m_mmap_base = 0;
}

PageFlags ProcessMemory::page_flags(const Region& r) const {
    return PageFlags{.writable = r.writable(), .executable = r.executable(), .user = r.readable()};
}

bool ProcessMemory::prot_allowed(uint8_t prot) const {
    return m_allow_write_execute || (prot & (kProtWrite | kProtExec)) != (kProtWrite | kProtExec);
}

// ---- mmap, munmap, mprotect, madvise ----

Result<VirtAddr> ProcessMemory::map(VirtAddr hint, uint64_t length, uint8_t prot, uint32_t flags,
                                    FileBacking* file, uint64_t offset, bool may_write) {
    if (!m_map.valid()) return Error::kInvalid;
    // The checks in the order Linux makes them (arch mmap, then do_mmap).
    if (!page_aligned(offset)) return Error::kInvalid;
    prot &= kProtMask;
    if (length == 0) return Error::kInvalid;
    if (length > kTaskSize) return Error::kNoMemory;
    const uint64_t len = page_up(length);
    if (offset + len < offset) return Error::kOverflow;
    const uint32_t type = flags & kMapTypeMask;
    if (type != kMapShared && type != kMapPrivate && type != kMapSharedValidate)
        return Error::kInvalid;
    const bool shared = type != kMapPrivate;
    const bool anonymous = flags & kMapAnonymous;
    if (!anonymous && !file) return Error::kInvalid;
    if (flags & kMapHugeTlb) return Error::kNoMemory;
    if (!prot_allowed(prot)) return Error::kAccess;
    if (!anonymous && shared && !file->writable) may_write = false;
    if (!may_write && (prot & kProtWrite)) return Error::kAccess;

    const bool fixed = flags & (kMapFixed | kMapFixedNoReplace);
    VirtAddr start;
    if (fixed) {
        if (!page_aligned(hint)) return Error::kInvalid;
        if (hint > kTaskSize - len) return Error::kNoMemory;
        if (hint < kMmapMinAddr) return Error::kPermission;
        if ((flags & kMapFixedNoReplace) && m_map.intersects(hint, hint + len))
            return Error::kExists;
        start = hint;
    } else {
        start = TRY(free_range(hint, len));
    }

    Region r;
    r.start = start;
    r.end = start + len;
    r.file = anonymous ? nullptr : file;
    r.offset = anonymous ? 0 : offset;
    r.prot = prot;
    r.kind = anonymous ? RegionKind::kAnonymous : RegionKind::kFile;
    r.flags = (shared ? Region::kShared : 0) | (may_write ? 0 : Region::kNoWrite);

    // Room for everything below first: a region split by the fixed range
    // and the new one. Nothing after this can fail but the shared fill.
    TRY(m_map.reserve(fixed ? 2 : 1));
    if (fixed) {
        m_space.unmap_range(start, len / kPage);
        VERIFY(m_map.remove(start, start + len).ok());
    }
    VERIFY(m_map.insert(r).ok());
    if (anonymous && shared) {
        // Filled now, so that fork hands the child these very frames.
        auto filled = m_space.map_anonymous(start, len / kPage, page_flags(r));
        if (!filled.ok()) {
            // The slot reserved above is still free if insert merged, so
            // taking the range out again cannot need memory.
            VERIFY(m_map.remove(start, start + len).ok());
            return filled.error();
        }
        if (!r.readable()) m_space.protect_range(start, len / kPage, page_flags(r), true);
    }
    return start;
}

Result<VirtAddr> ProcessMemory::free_range(VirtAddr hint, uint64_t len) const {
    // A hint below vm.mmap_min_addr is raised to it; one that is free is used.
    VirtAddr wanted = page_down(hint);
    if (wanted && wanted < kMmapMinAddr) wanted = kMmapMinAddr;
    if (wanted && wanted <= kTaskSize - len && !m_map.intersects(wanted, wanted + len))
        return wanted;
    auto below = m_map.find_gap_top_down(len, kMmapMinAddr, m_mmap_base);
    if (below.ok()) return below.value();
    // Linux then tries the other direction; here: above mmap_base.
    return m_map.find_gap_top_down(len, m_mmap_base, kTaskSize);
}

Result<void> ProcessMemory::unmap(VirtAddr addr, uint64_t length) {
    if (!page_aligned(addr) || length == 0 || length > kTaskSize) return Error::kInvalid;
    const uint64_t len = page_up(length);
    if (addr > kTaskSize || len > kTaskSize - addr) return Error::kInvalid;
    if (!m_map.valid()) return {};
    TRY(m_map.remove(addr, addr + len));
    m_space.unmap_range(addr, len / kPage);
    return {};
}

Result<void> ProcessMemory::protect(VirtAddr addr, uint64_t length, uint8_t prot) {
    if (!page_aligned(addr) || (prot & ~(kProtMask | kProtSem))) return Error::kInvalid;
    prot &= kProtMask;
    if (length == 0) return {};
    if (length > kTaskSize) return Error::kNoMemory;
    const VirtAddr end = addr + page_up(length);
    if (end <= addr || end > kTaskSize) return Error::kNoMemory;
    if (!m_map.covers(addr, end)) return Error::kNoMemory;
    if (!prot_allowed(prot)) return Error::kAccess;
    for (size_t i = m_map.lower_bound(addr); i < m_map.count() && m_map[i].start < end; ++i) {
        const Region& r = m_map[i];
        if ((prot & kProtWrite) && !r.may_write()) return Error::kAccess;
    }
    TRY(m_map.protect(addr, end, prot));
    for (size_t i = m_map.lower_bound(addr); i < m_map.count() && m_map[i].start < end; ++i) {
        const Region& r = m_map[i];
        VirtAddr lo = r.start > addr ? r.start : addr;
        VirtAddr hi = r.end < end ? r.end : end;
        // Private pages get write access back from the fault handler.
        m_space.protect_range(lo, (hi - lo) / kPage, page_flags(r), r.shared());
    }
    return {};
}

void ProcessMemory::unmap_file_past(uint32_t inode, uint64_t size) {
    const uint64_t end_offset = page_up(size);
    for (size_t i = 0; i < m_map.count(); ++i) {
        const Region& r = m_map[i];
        if (r.kind != RegionKind::kFile || !r.file || r.file->inode != inode) continue;
        const uint64_t last = r.file_offset(r.end);
        if (last <= end_offset) continue;
        const VirtAddr from = r.offset >= end_offset ? r.start : r.start + (end_offset - r.offset);
        m_space.unmap_range(from, (r.end - from) / kPage);
    }
}

Result<void> ProcessMemory::advise_dontneed(VirtAddr addr, uint64_t length) {
    if (!page_aligned(addr)) return Error::kInvalid;
    if (length == 0) return {};
    if (length > kTaskSize) return Error::kInvalid;
    const VirtAddr end = addr + page_up(length);
    if (end < addr) return Error::kInvalid;
    bool hole = !m_map.covers(addr, end);
    for (size_t i = m_map.lower_bound(addr); i < m_map.count() && m_map[i].start < end; ++i) {
        const Region& r = m_map[i];
        if (r.shared()) continue;  // shared pages keep their contents
        VirtAddr lo = r.start > addr ? r.start : addr;
        VirtAddr hi = r.end < end ? r.end : end;
        m_space.unmap_range(lo, (hi - lo) / kPage);
    }
    if (hole) return Error::kNoMemory;
    return {};
}

// ---- The break ----

Result<void> ProcessMemory::move_break(VirtAddr new_break) {
    const VirtAddr old_top = page_up(m_brk);
    const VirtAddr new_top = page_up(new_break);
    if (new_top > old_top) {
        // Linux keeps a page free between the heap and the next region.
        if (m_map.intersects(old_top, new_top + kPage)) return Error::kNoMemory;
        Region heap;
        heap.start = old_top;
        heap.end = new_top;
        heap.prot = kProtRead | kProtWrite;
        heap.kind = RegionKind::kHeap;
        TRY(m_map.insert(heap));
    } else if (new_top < old_top) {
        TRY(m_map.remove(new_top, old_top));
        m_space.unmap_range(new_top, (old_top - new_top) / kPage);
    }
    m_brk = new_break;
    return {};
}

VirtAddr ProcessMemory::brk(VirtAddr new_break) {
    if (!m_map.valid() || new_break < m_brk_start || new_break > m_mmap_base) return m_brk;
    (void)move_break(new_break).ok();
    return m_brk;
}

Result<uint64_t> ProcessMemory::sbrk(int64_t increment) {
    const uint64_t old = m_brk;
    if (increment == 0) return old;
    if (!m_map.valid()) return Error::kNoMemory;
    if (increment > 0) {
        if (uint64_t(increment) > m_mmap_base - old) return Error::kNoMemory;
        TRY(move_break(old + uint64_t(increment)));
        return old;
    }
    const uint64_t shrink = 0 - uint64_t(increment);  // well defined for INT64_MIN too
    if (shrink > old - m_brk_start) return Error::kInvalid;
    TRY(move_break(old - shrink));
    return old;
}

// ---- Faults ----

const Region* ProcessMemory::grow_stack_to(VirtAddr address) {
    // Below a stack that may grow down to here?
    size_t i = m_map.lower_bound(address);
    if (i == m_map.count()) return nullptr;
    const Region& stack = m_map[i];
    if (stack.kind != RegionKind::kStack || address < stack.offset) return nullptr;
    const VirtAddr start = page_down(address);
    if (stack.end - start > __atomic_load_n(&m_stack_limit, __ATOMIC_RELAXED)) return nullptr;
    if (i > 0) {
        // Never into the region below, nor within the guard gap of an
        // accessible one (Linux's stack_guard_gap).
        const Region& below = m_map[i - 1];
        uint64_t gap = below.readable() ? VmMap::kStackGuardGap : 0;
        if (start < below.end || start - below.end < gap) return nullptr;
    }
    m_map.grow_down(i, start);
    return &m_map[i];
}

FaultResult ProcessMemory::fill_page(const Region& r, VirtAddr page, Access access) {
    PageFlags flags = page_flags(r);
    Result<void> mapped;
    if (r.kind == RegionKind::kFile && r.file->share_page) {
        // The file's own frame, shared: a store through a shared mapping
        // lands in the file; a private one maps it read-only and copies on
        // its first store (the file's reference keeps the count above 1).
        FileBacking& file = *r.file;
        const uint64_t offset = r.file_offset(page);
        if (offset >= page_up(file.size_now(&file))) return FaultResult::kBus;
        auto frame = file.share_page(&file, offset / kPage);
        // Past the end, or no room left in the file system for the page:
        // SIGBUS, as Linux's shmem fault gives.
        if (!frame.ok())
            return frame.error() == Error::kRange || frame.error() == Error::kNoSpace
                       ? FaultResult::kBus
                       : FaultResult::kNoMemory;
        if (!r.shared()) flags.writable = false;
        mapped = m_space.map_frame(page, frame.value(), flags);
        if (!mapped.ok()) {
            m_space.context().free_frame(frame.value(), FrameUse::kUser);
        } else if (access == Access::kWrite && !r.shared()) {
            return fix_present_page(r, page, access);  // the private copy, now
        }
    } else if (r.kind == RegionKind::kFile) {
        FileBacking& file = *r.file;
        const uint64_t offset = r.file_offset(page);
        // The bytes it names, but no further than the file's end now (a
        // truncated file's pages past its end are gone).
        uint64_t size = file.size;
        if (file.size_now) {
            uint64_t now = file.size_now(&file);
            if (now < size) size = now;
        }
        if (offset >= page_up(size)) return FaultResult::kBus;
        const bool private_write = access == Access::kWrite && !r.shared();
        // Only a page wholly inside the file is lent: the archive's bytes
        // past the file's end (the next entry's header or data) must read
        // as zeros, as map_copy fills them.
        if (!private_write && file.phys && offset <= file.mappable &&
            kPage <= file.mappable - offset && kPage <= size - offset) {
            // The file's own frame, read-only: a write to a private mapping
            // copies it then.
            flags.writable = false;
            mapped = m_space.map_borrowed(page, file.phys + offset, 1, flags);
        } else {
            uint64_t bytes = size - offset < kPage ? size - offset : kPage;
            mapped = m_space.map_copy(page, file.data + offset, bytes, flags);
        }
    } else {
        mapped = m_space.map_anonymous(page, 1, flags);
    }
    if (mapped.ok()) return FaultResult::kHandled;
    // Present after all (the caller could not tell): see what it lacks.
    if (mapped.error() == Error::kExists) return fix_present_page(r, page, access);
    return FaultResult::kNoMemory;
}

FaultResult ProcessMemory::fix_present_page(const Region& r, VirtAddr page, Access access) {
    auto t = m_space.translate(page);
    if (!t.ok()) return fill_page(r, page, access);
    const PageFlags now = t.value().flags;
    if (now.user && (access != Access::kWrite || now.writable) &&
        (access != Access::kExecute || now.executable))
        return FaultResult::kHandled;  // a stale TLB entry: the fault dropped it
    if (access == Access::kWrite && !r.shared()) {
        // Copy-on-write (a page shared after fork, or a file's frame).
        auto made = m_space.break_copy_on_write(page, page_flags(r));
        return made.ok() ? FaultResult::kHandled : FaultResult::kNoMemory;
    }
    // The region allows what the entry does not: bring the entry in line
    // (a shared page is granted write directly).
    m_space.protect_range(page, 1, page_flags(r), r.shared());
    return FaultResult::kHandled;
}

FaultResult ProcessMemory::resolve_fault(VirtAddr address, Access access, bool present) {
    if (address >= kTaskSize) return FaultResult::kSegv;
    const Region* r = m_map.find(address);
    if (!r) r = grow_stack_to(address);
    if (!r || !access_allowed(*r, access)) return FaultResult::kSegv;
    const VirtAddr page = page_down(address);
    if (!present) return fill_page(*r, page, access);
    return fix_present_page(*r, page, access);
}

FaultResult ProcessMemory::prefault(VirtAddr address, Access access) {
    if (address >= kTaskSize || !m_space.root()) return FaultResult::kSegv;
    auto t = m_space.translate(page_down(address));
    if (!t.ok()) return resolve_fault(address, access, false);
    const PageFlags now = t.value().flags;
    if (now.user && (access != Access::kWrite || now.writable)) return FaultResult::kHandled;
    return resolve_fault(address, access, true);
}

// ---- fork ----

uint64_t ProcessMemory::mapped_bytes() const {
    uint64_t total = 0;
    for (size_t i = 0; i < m_map.count(); ++i) total += m_map[i].end - m_map[i].start;
    return total;
}

Result<VirtAddr> ProcessMemory::remap(VirtAddr addr, uint64_t old_length, uint64_t new_length,
                                      uint32_t flags, VirtAddr new_addr) {
    if (!m_map.valid()) return Error::kInvalid;
    // Linux 6.1's mremap checks, in its order.
    if (flags & ~(kMremapMayMove | kMremapFixed | kMremapDontUnmap)) return Error::kInvalid;
    if ((flags & kMremapFixed) && !(flags & kMremapMayMove)) return Error::kInvalid;
    if ((flags & kMremapDontUnmap) && (!(flags & kMremapMayMove) || old_length != new_length))
        return Error::kInvalid;
    if (!page_aligned(addr)) return Error::kInvalid;
    // PAGE_ALIGN, which wraps a length near 2^64 to 0.
    uint64_t old_len = page_up(old_length);
    const uint64_t new_len = page_up(new_length);
    if (new_len == 0) return Error::kInvalid;

    if (flags & (kMremapFixed | kMremapDontUnmap)) {
        if (!page_aligned(new_addr)) return Error::kInvalid;
        if (new_len > kTaskSize || new_addr > kTaskSize - new_len) return Error::kInvalid;
        if (addr + old_len > new_addr && new_addr + new_len > addr) return Error::kInvalid;
        if (flags & kMremapFixed) TRY(unmap(new_addr, new_len));
        if (old_len > new_len) {
            TRY(unmap(addr + new_len, old_len - new_len));
            old_len = new_len;
        }
        const Region& r = *TRY(region_to_resize(addr, old_len, new_len));
        if ((flags & kMremapDontUnmap) && r.shared()) return Error::kInvalid;
        VirtAddr target = new_addr;
        if (flags & kMremapFixed) {
            if (new_addr < kMmapMinAddr) return Error::kPermission;
        } else {
            target = TRY(free_range(new_addr, new_len));
        }
        return move_region(r, addr, old_len, new_len, target, flags & kMremapDontUnmap);
    }

    // Shrinking only unmaps the tail (even of what is not mapped at all).
    if (old_len >= new_len) {
        if (old_len != new_len) TRY(unmap(addr + new_len, old_len - new_len));
        return addr;
    }
    const Region& r = *TRY(region_to_resize(addr, old_len, new_len));
    // Growing in place when the pages after the region are free.
    const uint64_t grow = new_len - old_len;
    if (addr + old_len == r.end && r.end <= kTaskSize - grow &&
        !m_map.intersects(r.end, r.end + grow)) {
        Region tail = r;
        tail.start = r.end;
        tail.end = r.end + grow;
        tail.offset = r.kind == RegionKind::kFile ? r.file_offset(r.end) : 0;
        TRY(add_region(tail));
        return addr;
    }
    if (!(flags & kMremapMayMove)) return Error::kNoMemory;
    const VirtAddr target = TRY(free_range(0, new_len));
    return move_region(r, addr, old_len, new_len, target, false);
}

Result<const Region*> ProcessMemory::region_to_resize(VirtAddr addr, uint64_t old_len,
                                                      uint64_t new_len) const {
    const Region* r = m_map.find(addr);
    if (!r) return Error::kFault;
    // A zero old length asks for a second mapping of a shared one (Linux's
    // "duplicate" case), which this layer cannot make: only the refusal of
    // a private one is Linux's.
    if (old_len == 0) return Error::kInvalid;
    if (old_len > r->end - addr) return Error::kFault;
    if (new_len == old_len) return r;
    if (r->kind == RegionKind::kFile && r->file_offset(addr) + new_len < r->file_offset(addr))
        return Error::kInvalid;
    // The break's heap and the stack change size their own way.
    if (r->kind == RegionKind::kHeap || r->kind == RegionKind::kStack) return Error::kFault;
    return r;
}

Result<void> ProcessMemory::add_region(const Region& region) {
    TRY(m_map.reserve(1));
    VERIFY(m_map.insert(region).ok());
    if (region.kind == RegionKind::kAnonymous && region.shared()) {
        // Filled now, as map fills a shared anonymous mapping.
        const size_t pages = region.length() / kPage;
        auto filled = m_space.map_anonymous(region.start, pages, page_flags(region));
        if (!filled.ok()) {
            VERIFY(m_map.remove(region.start, region.end).ok());
            return filled.error();
        }
        if (!region.readable())
            m_space.protect_range(region.start, pages, page_flags(region), true);
    }
    return {};
}

Result<VirtAddr> ProcessMemory::move_region(const Region& source, VirtAddr addr, uint64_t old_len,
                                            uint64_t new_len, VirtAddr target, bool keep_source) {
    Region moved = source;
    moved.start = target;
    moved.end = target + old_len;
    moved.offset = source.kind == RegionKind::kFile ? source.file_offset(addr) : 0;
    moved.flags &= ~Region::kImage;
    // Room for the new region, its grown tail, and a split of the source.
    TRY(m_map.reserve(3));
    VERIFY(m_map.insert(moved).ok());
    if (new_len > old_len) {
        Region tail = moved;
        tail.start = moved.end;
        tail.end = target + new_len;
        tail.offset = moved.kind == RegionKind::kFile ? moved.file_offset(moved.end) : 0;
        auto grown = add_region(tail);
        if (!grown.ok()) {
            VERIFY(m_map.remove(moved.start, moved.end).ok());
            return grown.error();
        }
    }
    auto pages_moved = m_space.move_range(addr, target, old_len / kPage);
    if (!pages_moved.ok()) {
        m_space.unmap_range(target, new_len / kPage);  // a shared tail's fill
        VERIFY(m_map.remove(target, target + new_len).ok());
        return pages_moved.error();
    }
    if (!keep_source) VERIFY(m_map.remove(addr, addr + old_len).ok());
    return target;
}

Result<ProcessMemory> ProcessMemory::clone_for_fork() {
    if (!m_map.valid()) return Error::kInvalid;
    ProcessMemory child;
    child.m_map = TRY(m_map.clone());
    child.m_space = TRY(AddressSpace::try_create(m_space.context()));
    child.m_brk_start = m_brk_start;
    child.m_brk = m_brk;
    child.m_mmap_base = m_mmap_base;
    child.m_allow_write_execute = m_allow_write_execute;
    child.m_stack_limit = __atomic_load_n(&m_stack_limit, __ATOMIC_RELAXED);
    child.m_arguments_start = m_arguments_start;
    child.m_arguments_length = m_arguments_length;
    child.m_environment_length = m_environment_length;
    bool downgraded = false;
    Result<void> shared;
    for (size_t i = 0; i < m_map.count() && shared.ok(); ++i) {
        const Region& r = m_map[i];
        shared = m_space.share_range_into(child.m_space, r.start, r.end, !r.shared(), downgraded);
    }
    // Before this process runs user code again, on failure too: a stale
    // writable entry would let it write into a frame the child now shares.
    if (downgraded) m_space.flush_tlb();
    if (!shared.ok()) return shared.error();
    return child;
}

}  // namespace nyanos::mm
