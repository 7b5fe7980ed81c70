#include "mm/heap.h"

#include "lib/panic.h"

namespace nyanos::mm {

namespace {

constexpr uint32_t kSlabMagic = 0x51ab51ab;
constexpr uint32_t kChunkLive = 0xa110c8ed;
constexpr uint32_t kChunkFree = 0xf4eef4ee;
constexpr uint32_t kLargeLive = 0x1a46e11e;
constexpr uint32_t kLargeFree = 0x1a46efee;
// Canaries are this XOR the header's own address, so a header copied
// elsewhere (or a stale pointer into another slot) does not validate.
constexpr uint64_t kCanarySeed = 0x6e79616e6f73ca7eull;
constexpr uint8_t kRedZoneByte = 0xfd;  // after a live payload
constexpr uint8_t kPoisonByte = 0xdf;   // a free small slot's payload

constexpr size_t kSlabHeaderSize = 64;
constexpr size_t kChunkHeaderSize = 16;
constexpr size_t kLargeHeaderSize = 32;
constexpr size_t kMinRedZone = 8;

// The first byte of [p, p + n) that is not `value`, or nullptr. Compares a
// word at a time once aligned, and four words per step where it can: the
// poison and red-zone checks run on every allocation and free (a 1,008-byte
// slot is 126 words), so they must be cheap. Four words cost one branch and
// one loop test instead of four of each; a block with a difference falls
// through to the word loop, which finds the exact byte.
const uint8_t* find_mismatch(const uint8_t* p, size_t n, uint8_t value) {
    size_t i = 0;
    for (; i < n && (reinterpret_cast<uintptr_t>(p + i) & 7); ++i)
        if (p[i] != value) return p + i;
    const uint64_t pattern = 0x0101010101010101ull * value;
    for (; i + 32 <= n; i += 32) {
        uint64_t w0, w1, w2, w3;
        __builtin_memcpy(&w0, p + i, 8);
        __builtin_memcpy(&w1, p + i + 8, 8);
        __builtin_memcpy(&w2, p + i + 16, 8);
        __builtin_memcpy(&w3, p + i + 24, 8);
        if ((w0 ^ pattern) | (w1 ^ pattern) | (w2 ^ pattern) | (w3 ^ pattern)) break;
    }
    for (; i + 8 <= n; i += 8) {
        uint64_t word;
        __builtin_memcpy(&word, p + i, sizeof(word));
        if (word != pattern) break;
    }
    for (; i < n; ++i)
        if (p[i] != value) return p + i;
    return nullptr;
}

}  // namespace

struct Heap::SlabHeader {
    uint32_t magic;
    uint16_t cls;
    uint16_t capacity;
    uint16_t in_use;
    bool in_partial_list;
    uint8_t reserved[1];
    ChunkHeader* free_list;
    SlabHeader* prev;
    SlabHeader* next;
    PhysAddr phys;
    uint64_t canary;
    uint64_t reserved2[1];
};

struct Heap::ChunkHeader {
    uint32_t magic;  // kChunkLive or kChunkFree
    uint32_t size;   // requested size while live
    // Live: kCanarySeed ^ this. Free: the next free chunk of the slab.
    uint64_t canary_or_next;
};

struct Heap::LargeHeader {
    uint32_t magic;  // kLargeLive or kLargeFree
    uint32_t frames;
    uint64_t size;
    PhysAddr phys;
    uint64_t canary;  // kCanarySeed ^ this
};

// The slot sizes divide the slab's space exactly.
static_assert([] {
    for (uint32_t s : Heap::kSlotSizes) {
        if (s % Heap::kAlignment || (kFrameSize - kSlabHeaderSize) % s) return false;
    }
    return true;
}());
static_assert(Heap::kMaxSmallSize ==
              Heap::kSlotSizes[Heap::kClassCount - 1] - kChunkHeaderSize - kMinRedZone);

int Heap::class_for(size_t size) {
    // (Here because the header types are private to Heap.)
    static_assert(sizeof(SlabHeader) == kSlabHeaderSize);
    static_assert(sizeof(ChunkHeader) == kChunkHeaderSize);
    static_assert(sizeof(LargeHeader) == kLargeHeaderSize);
    for (size_t c = 0; c < kClassCount; ++c) {
        if (size + kChunkHeaderSize + kMinRedZone <= kSlotSizes[c]) return int(c);
    }
    return -1;
}

uintptr_t Heap::checked(uintptr_t address) const {
    // A heap pointer is never a low (user or identity-mapped) address: the
    // lower half differs between address spaces, so such a pointer would
    // name different memory, or none, depending on which CR3 is live.
    if (address < m_min_address)
        panic("heap: allocation at 0x%lx is below the heap's floor 0x%lx", address, m_min_address);
    return address;
}

void* Heap::allocate(size_t size) {
    sync::Guard guard(m_lock);
    if (size > kMaxSize) return nullptr;
    void* p = size <= kMaxSmallSize ? allocate_small(size) : allocate_large(size);
    if (!p) return nullptr;
    ++m_stats.live_allocations;
    m_stats.live_bytes += size;
    return p;
}

void Heap::link_slab(SlabHeader* slab) {
    SlabHeader*& head = m_partial[slab->cls];
    slab->prev = nullptr;
    slab->next = head;
    if (head) head->prev = slab;
    head = slab;
    slab->in_partial_list = true;
}

void Heap::unlink_slab(SlabHeader* slab) {
    if (slab->prev) {
        slab->prev->next = slab->next;
    } else {
        m_partial[slab->cls] = slab->next;
    }
    if (slab->next) slab->next->prev = slab->prev;
    slab->prev = slab->next = nullptr;
    slab->in_partial_list = false;
}

Heap::SlabHeader* Heap::new_slab(int cls) {
    auto frame = m_frames.allocate_frame(FrameUse::kHeap);
    if (!frame.ok()) return nullptr;
    auto* base = static_cast<uint8_t*>(m_frames.frame_to_virt(frame.value()));
    checked(reinterpret_cast<uintptr_t>(base));
    uint32_t slot = kSlotSizes[cls];
    auto* slab = reinterpret_cast<SlabHeader*>(base);
    *slab = SlabHeader{};
    slab->magic = kSlabMagic;
    slab->cls = uint16_t(cls);
    slab->capacity = uint16_t((kFrameSize - kSlabHeaderSize) / slot);
    slab->phys = frame.value();
    slab->canary = kCanarySeed ^ reinterpret_cast<uintptr_t>(slab);
    // Thread the free list low to high, every payload poisoned.
    __builtin_memset(base + kSlabHeaderSize, kPoisonByte, kFrameSize - kSlabHeaderSize);
    ChunkHeader* next = nullptr;
    for (size_t i = slab->capacity; i > 0; --i) {
        auto* chunk = reinterpret_cast<ChunkHeader*>(base + kSlabHeaderSize + (i - 1) * slot);
        *chunk = ChunkHeader{kChunkFree, 0, reinterpret_cast<uint64_t>(next)};
        next = chunk;
    }
    slab->free_list = next;
    link_slab(slab);
    ++m_empty_slabs[cls];
    ++m_stats.slab_frames;
    return slab;
}

void Heap::release_slab(SlabHeader* slab) {
    VERIFY(slab->in_use == 0);
    if (slab->in_partial_list) unlink_slab(slab);
    --m_empty_slabs[slab->cls];
    --m_stats.slab_frames;
    PhysAddr phys = slab->phys;
    slab->magic = 0;  // a stale pointer into this frame no longer validates
    m_frames.free_frame(phys, FrameUse::kHeap);
}

void* Heap::allocate_small(size_t size) {
    int cls = class_for(size);
    VERIFY(cls >= 0);
    SlabHeader* slab = m_partial[cls];
    if (!slab && !(slab = new_slab(cls))) return nullptr;

    ChunkHeader* chunk = slab->free_list;
    auto* slab_bytes = reinterpret_cast<uint8_t*>(slab);
    uint32_t slot = kSlotSizes[cls];
    // The free list lives in freed memory: check the link before following it.
    uintptr_t offset = reinterpret_cast<uint8_t*>(chunk) - slab_bytes;
    if (offset < kSlabHeaderSize || offset >= kFrameSize || (offset - kSlabHeaderSize) % slot ||
        chunk->magic != kChunkFree)
        panic("heap: free list of slab %p corrupted (chunk %p)", static_cast<void*>(slab),
              static_cast<void*>(chunk));
    auto* payload = reinterpret_cast<uint8_t*>(chunk) + kChunkHeaderSize;
    size_t payload_space = slot - kChunkHeaderSize;
    if (const uint8_t* bad = find_mismatch(payload, payload_space, kPoisonByte))
        panic("heap: use after free: freed chunk %p was written at %p", static_cast<void*>(payload),
              static_cast<const void*>(bad));

    slab->free_list = reinterpret_cast<ChunkHeader*>(chunk->canary_or_next);
    if (slab->in_use++ == 0) --m_empty_slabs[cls];
    if (!slab->free_list) unlink_slab(slab);

    chunk->magic = kChunkLive;
    chunk->size = uint32_t(size);
    chunk->canary_or_next = kCanarySeed ^ reinterpret_cast<uintptr_t>(chunk);
    __builtin_memset(payload + size, kRedZoneByte, payload_space - size);
    return reinterpret_cast<void*>(checked(reinterpret_cast<uintptr_t>(payload)));
}

void* Heap::allocate_large(size_t size) {
    uint64_t frames = (kLargeHeaderSize + size + kMinRedZone + kFrameSize - 1) / kFrameSize;
    auto run = m_frames.allocate_contiguous(frames, FrameUse::kHeap);
    if (!run.ok()) return nullptr;
    auto* base = static_cast<uint8_t*>(m_frames.frame_to_virt(run.value()));
    checked(reinterpret_cast<uintptr_t>(base));
    auto* header = reinterpret_cast<LargeHeader*>(base);
    header->magic = kLargeLive;
    header->frames = uint32_t(frames);
    header->size = size;
    header->phys = run.value();
    header->canary = kCanarySeed ^ reinterpret_cast<uintptr_t>(header);
    uint8_t* payload = base + kLargeHeaderSize;
    __builtin_memset(payload + size, kRedZoneByte, frames * kFrameSize - kLargeHeaderSize - size);
    m_stats.large_frames += frames;
    return payload;
}

Heap::LargeHeader* Heap::large_chunk(void* p, const char* who) {
    auto* header = reinterpret_cast<LargeHeader*>(static_cast<uint8_t*>(p) - kLargeHeaderSize);
    if (header->magic == kLargeFree) panic("%s: double free of %p", who, p);
    if (header->magic != kLargeLive ||
        header->canary != (kCanarySeed ^ reinterpret_cast<uintptr_t>(header)))
        panic("%s: %p is not a live heap allocation (large header corrupted or never allocated)",
              who, p);
    if (m_frames.frame_to_virt(header->phys) != header ||
        !m_frames.is_allocated(header->phys, FrameUse::kHeap))
        panic("%s: large allocation %p has a corrupted header", who, p);
    return header;
}

Heap::ChunkHeader* Heap::small_chunk(void* p, SlabHeader*& slab, const char* who) {
    uintptr_t address = reinterpret_cast<uintptr_t>(p);
    uintptr_t offset = address & (kFrameSize - 1);
    slab = reinterpret_cast<SlabHeader*>(address - offset);
    if (slab->magic != kSlabMagic ||
        slab->canary != (kCanarySeed ^ reinterpret_cast<uintptr_t>(slab)) ||
        slab->cls >= kClassCount)
        panic("%s: %p is not a heap allocation (no slab, or slab header corrupted)", who, p);
    uint32_t slot = kSlotSizes[slab->cls];
    uintptr_t header_offset = offset - kChunkHeaderSize;
    if (offset < kSlabHeaderSize + kChunkHeaderSize || (header_offset - kSlabHeaderSize) % slot ||
        (header_offset - kSlabHeaderSize) / slot >= slab->capacity)
        panic("%s: %p is not the start of a heap allocation", who, p);
    auto* chunk = reinterpret_cast<ChunkHeader*>(address - kChunkHeaderSize);
    if (chunk->magic == kChunkFree) panic("%s: double free of %p", who, p);
    if (chunk->magic != kChunkLive ||
        chunk->canary_or_next != (kCanarySeed ^ reinterpret_cast<uintptr_t>(chunk)) ||
        chunk->size + kChunkHeaderSize + kMinRedZone > slot)
        panic("%s: header of %p corrupted (an underflow, or an overflow of the chunk before it)",
              who, p);
    return chunk;
}

size_t Heap::allocation_size(void* p) {
    sync::Guard guard(m_lock);
    if (reinterpret_cast<uintptr_t>(p) % kAlignment)
        panic("allocation_size: %p is not a heap allocation (misaligned)", p);
    if ((reinterpret_cast<uintptr_t>(p) & (kFrameSize - 1)) == kLargeHeaderSize)
        return large_chunk(p, "allocation_size")->size;
    SlabHeader* slab;
    return small_chunk(p, slab, "allocation_size")->size;
}

void Heap::free(void* p) {
    sync::Guard guard(m_lock);
    if (!p) return;
    uintptr_t address = reinterpret_cast<uintptr_t>(p);
    if (address % kAlignment) panic("kfree: %p is not a heap allocation (misaligned)", p);

    if ((address & (kFrameSize - 1)) == kLargeHeaderSize) {
        LargeHeader* header = large_chunk(p, "kfree");
        uint64_t tail = header->frames * kFrameSize - kLargeHeaderSize - header->size;
        if (const uint8_t* bad =
                find_mismatch(static_cast<uint8_t*>(p) + header->size, tail, kRedZoneByte))
            panic("kfree: buffer overflow: %p (%lu bytes) was written past its end at %p", p,
                  header->size, static_cast<const void*>(bad));
        uint64_t frames = header->frames;
        PhysAddr phys = header->phys;
        --m_stats.live_allocations;
        m_stats.live_bytes -= header->size;
        m_stats.large_frames -= frames;
        header->magic = kLargeFree;
        m_frames.free_contiguous(phys, frames, FrameUse::kHeap);
        return;
    }

    SlabHeader* slab;
    ChunkHeader* chunk = small_chunk(p, slab, "kfree");
    uint32_t slot = kSlotSizes[slab->cls];
    size_t payload_space = slot - kChunkHeaderSize;
    auto* payload = static_cast<uint8_t*>(p);
    if (const uint8_t* bad =
            find_mismatch(payload + chunk->size, payload_space - chunk->size, kRedZoneByte))
        panic("kfree: buffer overflow: %p (%u bytes) was written past its end at %p", p,
              chunk->size, static_cast<const void*>(bad));
    --m_stats.live_allocations;
    m_stats.live_bytes -= chunk->size;

    __builtin_memset(payload, kPoisonByte, payload_space);
    chunk->magic = kChunkFree;
    chunk->size = 0;
    chunk->canary_or_next = reinterpret_cast<uint64_t>(slab->free_list);
    slab->free_list = chunk;
    if (!slab->in_partial_list) link_slab(slab);
    if (--slab->in_use == 0) {
        // Keep one empty slab per class; give any other back at once.
        if (m_empty_slabs[slab->cls] >= 1) {
            ++m_empty_slabs[slab->cls];
            release_slab(slab);
        } else {
            ++m_empty_slabs[slab->cls];
        }
    }
}

void Heap::trim() {
    sync::Guard guard(m_lock);
    for (size_t c = 0; c < kClassCount; ++c) {
        SlabHeader* slab = m_partial[c];
        while (slab) {
            SlabHeader* next = slab->next;
            if (slab->in_use == 0) release_slab(slab);
            slab = next;
        }
    }
}

}  // namespace nyanos::mm
