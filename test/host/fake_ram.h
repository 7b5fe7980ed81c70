// A fake physical memory for host tests: an aligned arena whose "physical"
// addresses start at kBase, and a frame allocator over it that can be told
// to fail its Nth allocation. Used to run portable kernel code (page tables,
// AddressSpace, the ELF loader) and check that every failure path frees what
// it took.
#pragma once

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <map>
#include <set>
#include <vector>

#include "host_panic.h"
#include "mm/direct_map.h"
#include "nyanos/lib/result.h"
#include "nyanos/paging/pte.h"

namespace nyanos::test {

// Its direct map is the arena, and it refuses any address outside it.
class FakeRam final : public mm::DirectMap {
public:
    static constexpr paging::PhysAddr kBase = 0x100000;  // never hand out frame 0

    explicit FakeRam(size_t frames) : m_frames(frames) {
        m_memory =
            static_cast<uint8_t*>(aligned_alloc(paging::kPageSize, frames * paging::kPageSize));
        memset(m_memory, 0xcc, frames * paging::kPageSize);  // garbage, as real RAM
    }
    ~FakeRam() { free(m_memory); }
    FakeRam(const FakeRam&) = delete;
    FakeRam& operator=(const FakeRam&) = delete;

    size_t frames() const { return m_frames; }
    paging::PhysAddr end() const { return kBase + m_frames * paging::kPageSize; }
    bool contains(paging::PhysAddr phys) const { return phys >= kBase && phys < end(); }

    void* phys_to_virt(paging::PhysAddr phys) override {
        if (!contains(phys)) throw HostPanic("FakeRam: physical address outside the arena");
        return m_memory + (phys - kBase);
    }

private:
    size_t m_frames;
    uint8_t* m_memory;
};

// Hands out the arena's frames one at a time. fail_at(n) makes the nth
// allocation from now (1-based) fail, and every one after it while
// fail_all_after is set; outstanding() counts frames not yet returned.
// Frames are reference counted like the kernel's user frames: a frame
// starts with one reference, add_reference() adds one, and free() drops one
// and returns the frame with the last.
class FailingFrameAllocator {
public:
    explicit FailingFrameAllocator(FakeRam& ram) : m_ram(ram) {
        for (size_t i = ram.frames(); i > 0; --i)
            m_free.push_back(FakeRam::kBase + (i - 1) * paging::kPageSize);
    }

    void fail_at(size_t nth, bool and_after = false) {
        m_countdown = nth;
        m_fail_all_after = and_after;
    }
    void never_fail() { m_countdown = 0, m_fail_all_after = false, m_failing = false; }

    // One allocation attempt of any kind (a frame, or heap bookkeeping that
    // shares the countdown): true if it must fail.
    bool attempt_fails() {
        ++m_attempts;
        if (m_failing || (m_countdown && --m_countdown == 0)) {
            m_failing = m_fail_all_after;
            return true;
        }
        return false;
    }

    // `zero`: the frame comes zeroed; else it holds garbage (0xaa), as a
    // frame whose contents do not matter may.
    Result<paging::PhysAddr> allocate(bool zero = true) {
        if (attempt_fails()) return Error::kNoMemory;
        if (m_free.empty()) return Error::kNoMemory;
        paging::PhysAddr frame = m_free.back();
        m_free.pop_back();
        m_refs[frame] = 1;
        memset(m_ram.phys_to_virt(frame), zero ? 0 : 0xaa, paging::kPageSize);
        return frame;
    }

    void free(paging::PhysAddr frame) {
        auto it = m_refs.find(frame);
        if (it == m_refs.end())
            throw HostPanic("FailingFrameAllocator: free of a frame not in use");
        if (--it->second > 0) return;
        m_refs.erase(it);
        memset(m_ram.phys_to_virt(frame), 0xdd, paging::kPageSize);  // poison
        m_free.push_back(frame);
    }

    void add_reference(paging::PhysAddr frame) {
        auto it = m_refs.find(frame);
        if (it == m_refs.end())
            throw HostPanic("FailingFrameAllocator: reference to a frame not in use");
        ++it->second;
    }
    // 0 for a free frame.
    uint32_t references(paging::PhysAddr frame) const {
        auto it = m_refs.find(frame);
        return it == m_refs.end() ? 0 : it->second;
    }

    size_t outstanding() const { return m_refs.size(); }
    size_t attempts() const { return m_attempts; }
    bool in_use(paging::PhysAddr frame) const { return m_refs.count(frame) != 0; }

private:
    FakeRam& m_ram;
    std::vector<paging::PhysAddr> m_free;
    std::map<paging::PhysAddr, uint32_t> m_refs;  // frames in use, with their reference counts
    size_t m_countdown = 0;
    bool m_fail_all_after = false;
    bool m_failing = false;
    size_t m_attempts = 0;
};

// The page-table environment over the fake RAM.
struct FakePagingEnv {
    FakeRam& ram;
    FailingFrameAllocator& frames;
    std::vector<paging::VirtAddr> invalidated;

    Result<paging::PhysAddr> allocate_table() { return frames.allocate(); }
    void free_table(paging::PhysAddr table) { frames.free(table); }
    void* phys_to_virt(paging::PhysAddr phys) { return ram.phys_to_virt(phys); }
    void invalidate(paging::VirtAddr va) { invalidated.push_back(va); }
};

}  // namespace nyanos::test
