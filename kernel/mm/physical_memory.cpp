#include "mm/physical_memory.h"

#include "lib/panic.h"

namespace nyanos::mm {

namespace {

using paging::align_down;
using paging::align_up;

// The usable part of [base, base + length): whole frames only, never frame 0.
// Returns false when nothing is left.
bool clip_to_frames(PhysAddr base, uint64_t length, PhysAddr& first, PhysAddr& end) {
    if (length == 0 || base + length < base) return false;
    first = align_up(base, kFrameSize);
    end = align_down(base + length, kFrameSize);
    if (first == 0) first = kFrameSize;
    return first < end;
}

}  // namespace

Result<PhysicalMemory> PhysicalMemory::try_create(const PhysRange* usable, size_t count,
                                                  PhysRange span, DirectMap& map) {
    if (count && !usable) return Error::kInvalid;

    // The span: as given, or the hull of the usable ranges.
    PhysAddr span_first = 0, span_end = 0;
    if (span.length) {
        if (span.base + span.length < span.base) return Error::kInvalid;
        span_first = align_down(span.base, kFrameSize);
        span_end = align_up(span.base + span.length, kFrameSize);
    } else {
        bool any = false;
        for (size_t i = 0; i < count; ++i) {
            PhysAddr first, end;
            if (!clip_to_frames(usable[i].base, usable[i].length, first, end)) continue;
            span_first = any && span_first < first ? span_first : first;
            span_end = any && span_end > end ? span_end : end;
            any = true;
        }
        if (!any) return Error::kNoMemory;
    }
    uint64_t span_frames = (span_end - span_first) / kFrameSize;
    if (span_frames == 0) return Error::kNoMemory;
    // Frame indices are 32-bit: 16 TiB of span.
    if (span_frames > 0xffffffffull) return Error::kRange;

    // Every range inside the span, and no two overlapping (O(n^2), n is small).
    for (size_t i = 0; i < count; ++i) {
        PhysAddr first, end;
        if (!clip_to_frames(usable[i].base, usable[i].length, first, end)) continue;
        if (first < span_first || end > span_end) return Error::kInvalid;
        for (size_t j = i + 1; j < count; ++j) {
            PhysAddr first2, end2;
            if (!clip_to_frames(usable[j].base, usable[j].length, first2, end2)) continue;
            if (first < end2 && first2 < end) return Error::kInvalid;
        }
    }

    // Bookkeeping: states, then (4-byte aligned) the free stack and positions.
    uint64_t state_bytes = align_up(span_frames, 4);
    uint64_t meta_bytes = state_bytes + 2 * span_frames * sizeof(uint32_t);
    uint64_t meta_frames = align_up(meta_bytes, kFrameSize) / kFrameSize;
    PhysAddr meta = 0;
    for (size_t i = 0; i < count && !meta; ++i) {
        PhysAddr first, end;
        if (!clip_to_frames(usable[i].base, usable[i].length, first, end)) continue;
        if ((end - first) / kFrameSize >= meta_frames) meta = first;
    }
    if (!meta) return Error::kNoMemory;

    PhysicalMemory pm;
    pm.m_map = &map;
    pm.m_span_base = span_first;
    pm.m_span_frames = span_frames;
    // Nobody else can see pm yet; the lock is for the analysis's sake.
    sync::Guard guard(pm.m_lock);
    // The bookkeeping is contiguous in physical memory, hence in the direct map.
    auto* bytes = static_cast<uint8_t*>(map.phys_to_virt(meta));
    pm.m_state = bytes;
    pm.m_free_stack = reinterpret_cast<uint32_t*>(bytes + state_bytes);
    pm.m_stack_pos = pm.m_free_stack + span_frames;
    __builtin_memset(pm.m_state, kUnmanaged, span_frames);

    // Mark the usable frames, then the carved bookkeeping, then push the free
    // ones from the highest address down so the lowest comes out first:
    // deterministic, and long runs stay at the top of memory.
    for (size_t i = 0; i < count; ++i) {
        PhysAddr first, end;
        if (!clip_to_frames(usable[i].base, usable[i].length, first, end)) continue;
        for (PhysAddr f = first; f < end; f += kFrameSize)
            pm.m_state[(f - span_first) / kFrameSize] = kFree;
    }
    uint64_t meta_first_index = (meta - span_first) / kFrameSize;
    for (uint64_t k = 0; k < meta_frames; ++k) pm.m_state[meta_first_index + k] = kMetadata;
    pm.m_metadata = meta_frames;
    pm.m_total = meta_frames;
    for (uint64_t i = span_frames; i > 0; --i) {
        if (pm.m_state[i - 1] != kFree) continue;
        pm.push_free(i - 1);
        ++pm.m_total;
    }
    return static_cast<PhysicalMemory&&>(pm);
}

void PhysicalMemory::take(PhysicalMemory& other) {
    m_map = other.m_map;
    m_span_base = other.m_span_base;
    m_span_frames = other.m_span_frames;
    m_state = other.m_state;
    m_free_stack = other.m_free_stack;
    m_stack_pos = other.m_stack_pos;
    m_free_count = other.m_free_count;
    m_total = other.m_total;
    m_metadata = other.m_metadata;
    for (size_t i = 0; i < kFrameUseCount; ++i) m_used[i] = other.m_used[i];
    m_search_hint = other.m_search_hint;

    other.m_span_frames = 0;
    other.m_state = nullptr;
    other.m_free_stack = nullptr;
    other.m_stack_pos = nullptr;
    other.m_free_count = 0;
    other.m_total = 0;
    other.m_metadata = 0;
    for (size_t i = 0; i < kFrameUseCount; ++i) other.m_used[i] = 0;
    other.m_search_hint = 0;
}

void PhysicalMemory::push_free(uint64_t index) {
    m_stack_pos[index] = uint32_t(m_free_count);
    m_free_stack[m_free_count++] = uint32_t(index);
}

void PhysicalMemory::remove_free(uint64_t index) {
    uint32_t pos = m_stack_pos[index];
    VERIFY(pos < m_free_count && m_free_stack[pos] == index);
    uint32_t last = m_free_stack[--m_free_count];
    m_free_stack[pos] = last;
    m_stack_pos[last] = pos;
}

void PhysicalMemory::mark_allocated(uint64_t index, FrameUse use) {
    m_state[index] = uint8_t((kFirstUse + uint8_t(use)) | kEverAllocated);
    m_stack_pos[index] = 1;  // no longer in the stack: the slot is the reference count
    ++m_used[uint8_t(use)];
}

Result<PhysAddr> PhysicalMemory::allocate_frame(FrameUse use) {
    sync::Guard guard(m_lock);
    if (uint8_t(use) >= kFrameUseCount) return Error::kInvalid;
    if (m_free_count == 0) return Error::kNoMemory;
    uint64_t index = m_free_stack[--m_free_count];
    VERIFY(state_of(index) == kFree);
    mark_allocated(index, use);
    return m_span_base + index * kFrameSize;
}

Result<PhysAddr> PhysicalMemory::allocate_zeroed_frame(FrameUse use) {
    PhysAddr frame = TRY(allocate_frame(use));
    __builtin_memset(frame_to_virt(frame), 0, kFrameSize);
    return frame;
}

Result<PhysAddr> PhysicalMemory::allocate_contiguous(size_t count, FrameUse use) {
    sync::Guard guard(m_lock);
    if (count == 0 || uint8_t(use) >= kFrameUseCount) return Error::kInvalid;
    if (count > m_free_count) return Error::kNoMemory;
    // First fit, starting at the hint and wrapping once: a run never wraps.
    uint64_t start = m_search_hint < m_span_frames ? m_search_hint : 0;
    for (int pass = 0; pass < 2; ++pass) {
        uint64_t from = pass == 0 ? start : 0;
        // The second pass also covers runs that straddle the hint.
        uint64_t to = m_span_frames;
        if (pass == 1) to = start + count - 1 < m_span_frames ? start + count - 1 : m_span_frames;
        uint64_t run = 0;
        for (uint64_t i = from; i < to; ++i) {
            run = state_of(i) == kFree ? run + 1 : 0;
            if (run < count) continue;
            uint64_t first = i + 1 - count;
            for (uint64_t k = first; k <= i; ++k) {
                remove_free(k);
                mark_allocated(k, use);
            }
            m_search_hint = i + 1;
            return m_span_base + first * kFrameSize;
        }
    }
    return Error::kNoMemory;
}

// The cold half of check_freeable: says what is wrong with a frame that
// failed the fast test, and panics.
[[gnu::cold, gnu::noinline]] void PhysicalMemory::refuse_free(PhysAddr frame, FrameUse use,
                                                              const char* who) const {
    if (frame & (kFrameSize - 1)) panic("%s: 0x%lx is not frame aligned", who, frame);
    if (uint8_t(use) >= kFrameUseCount)
        panic("%s: frame 0x%lx: bad use %u", who, frame, unsigned(use));
    if (frame < m_span_base || (frame - m_span_base) / kFrameSize >= m_span_frames)
        panic("%s: frame 0x%lx is not managed memory (never allocated)", who, frame);
    uint64_t index = (frame - m_span_base) / kFrameSize;
    uint8_t state = state_of(index);
    if (state == kUnmanaged)
        panic("%s: frame 0x%lx is not managed memory (never allocated)", who, frame);
    if (state == kMetadata)
        panic("%s: frame 0x%lx holds the frame allocator's bookkeeping (never allocated)", who,
              frame);
    if (state == kFree) {
        if (m_state[index] & kEverAllocated)
            panic("%s: double free of frame 0x%lx (%s)", who, frame, frame_use_name(use));
        panic("%s: free of never-allocated frame 0x%lx", who, frame);
    }
    panic("%s: frame 0x%lx was allocated as %s, freed as %s", who, frame,
          frame_use_name(FrameUse(state - kFirstUse)), frame_use_name(use));
}

[[gnu::always_inline]] inline uint64_t PhysicalMemory::check_freeable(PhysAddr frame, FrameUse use,
                                                                      const char* who) const {
    uint64_t index = arrays().held_index(frame, use);
    if (index == FrameArrays::kNotHeld) [[unlikely]]
        refuse_free(frame, use, who);
    return index;
}

// Inlined into the free paths: once per frame of every exiting process.
[[gnu::always_inline]] inline void PhysicalMemory::release(uint64_t index, FrameUse use) {
    --m_used[uint8_t(use)];
    set_state(index, kFree);
    push_free(index);
}

[[gnu::always_inline]] inline void PhysicalMemory::drop_reference(uint64_t index, FrameUse use) {
    if (--m_stack_pos[index] == 0) release(index, use);
}

void PhysicalMemory::free_frame(PhysAddr frame, FrameUse use) {
    sync::Guard guard(m_lock);
    uint64_t index = check_freeable(frame, use, "free_frame");
    drop_reference(index, use);
}

void PhysicalMemory::free_frames(const PhysAddr* frames, size_t count, FrameUse use) {
    sync::Guard guard(m_lock);
    const FrameArrays frame_arrays = arrays();
    for (size_t i = 0; i < count; ++i) {
        uint64_t index = frame_arrays.held_index(frames[i], use);
        if (index == FrameArrays::kNotHeld) [[unlikely]]
            refuse_free(frames[i], use, "free_frames");
        if (--frame_arrays.refs[index] == 0) release(index, use);
    }
}

[[gnu::cold, gnu::noinline]] void PhysicalMemory::refuse_share(PhysAddr frame,
                                                               const char* who) const {
    check_freeable(frame, FrameUse::kUser, who);
    panic("%s: frame 0x%lx has too many references", who, frame);
}

void PhysicalMemory::add_reference(PhysAddr frame) {
    add_references(&frame, 1);
}

void PhysicalMemory::add_references(const PhysAddr* frames, size_t count) {
    sync::Guard guard(m_lock);
    const FrameArrays frame_arrays = arrays();
    for (size_t i = 0; i < count; ++i) {
        uint64_t index = frame_arrays.held_index(frames[i], FrameUse::kUser);
        if (index == FrameArrays::kNotHeld || frame_arrays.refs[index] == 0xffffffffu) [[unlikely]]
            refuse_share(frames[i], "add_references");
        ++frame_arrays.refs[index];
    }
}

uint32_t PhysicalMemory::reference_count(PhysAddr frame) const {
    sync::Guard guard(m_lock);
    if (frame & (kFrameSize - 1) || frame < m_span_base ||
        (frame - m_span_base) / kFrameSize >= m_span_frames)
        panic("reference_count: 0x%lx is not a managed frame", frame);
    uint64_t index = (frame - m_span_base) / kFrameSize;
    if (state_of(index) < kFirstUse) panic("reference_count: frame 0x%lx is not allocated", frame);
    return m_stack_pos[index];
}

void PhysicalMemory::free_contiguous(PhysAddr first, size_t count, FrameUse use) {
    sync::Guard guard(m_lock);
    if (count == 0) panic("free_contiguous: zero frames at 0x%lx", first);
    if (first + count * kFrameSize < first)
        panic("free_contiguous: run at 0x%lx of %zu frames wraps", first, count);
    for (size_t k = 0; k < count; ++k) {
        uint64_t i = check_freeable(first + k * kFrameSize, use, "free_contiguous");
        if (m_stack_pos[i] != 1)
            panic("free_contiguous: frame 0x%lx is shared (%u references)", first + k * kFrameSize,
                  m_stack_pos[i]);
    }
    // Pushed highest first so the run comes back out low to high.
    uint64_t index = (first - m_span_base) / kFrameSize;
    for (size_t k = count; k > 0; --k) release(index + k - 1, use);
}

size_t PhysicalMemory::add_free_range(PhysAddr base, uint64_t length) {
    sync::Guard guard(m_lock);
    PhysAddr first, end;
    if (!clip_to_frames(base, length, first, end)) return 0;
    if (!m_state)
        panic("add_free_range: [0x%lx, 0x%lx) given to an empty frame allocator", first, end);
    if (first < m_span_base || (end - m_span_base) / kFrameSize > m_span_frames)
        panic("add_free_range: [0x%lx, 0x%lx) is outside the span [0x%lx, 0x%lx) set at creation",
              first, end, m_span_base, m_span_base + m_span_frames * kFrameSize);
    uint64_t first_index = (first - m_span_base) / kFrameSize;
    uint64_t end_index = (end - m_span_base) / kFrameSize;
    for (uint64_t i = first_index; i < end_index; ++i) {
        if (state_of(i) != kUnmanaged)
            panic("add_free_range: frame 0x%lx is already managed", m_span_base + i * kFrameSize);
    }
    for (uint64_t i = end_index; i > first_index; --i) {
        m_state[i - 1] = kFree;
        push_free(i - 1);
    }
    m_total += end_index - first_index;
    return end_index - first_index;
}

MemoryStats PhysicalMemory::stats() const {
    sync::Guard guard(m_lock);
    return MemoryStats{
        .total_frames = m_total,
        .free_frames = m_free_count,
        .page_table_frames = m_used[uint8_t(FrameUse::kPageTable)],
        .heap_frames = m_used[uint8_t(FrameUse::kHeap)],
        .kernel_stack_frames = m_used[uint8_t(FrameUse::kKernelStack)],
        .user_frames = m_used[uint8_t(FrameUse::kUser)],
        .general_frames = m_used[uint8_t(FrameUse::kGeneral)],
        .dma_frames = m_used[uint8_t(FrameUse::kDma)],
        .metadata_frames = m_metadata,
    };
}

bool PhysicalMemory::is_allocated(PhysAddr frame, FrameUse use) const {
    sync::Guard guard(m_lock);
    if (frame & (kFrameSize - 1) || frame < m_span_base) return false;
    uint64_t index = (frame - m_span_base) / kFrameSize;
    return index < m_span_frames && state_of(index) == kFirstUse + uint8_t(use);
}

}  // namespace nyanos::mm
