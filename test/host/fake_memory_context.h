// The AddressSpace's MemoryContext over FakeRam: frames come from a
// FailingFrameAllocator, the "live root" is a variable the test controls.
#pragma once

#include <set>

#include "fake_ram.h"
#include "mm/address_space.h"
#include "mm/pcid.h"

namespace nyanos::test {

class FakeMemoryContext final : public mm::MemoryContext {
public:
    FakeMemoryContext(size_t frames = 512) : ram(frames), allocator(ram) {
        // A kernel PML4 with every kernel-half entry present, as at boot.
        kernel_pml4 = allocator.allocate().release_value();
        auto* pml4 = static_cast<paging::PageTableEntry*>(ram.phys_to_virt(kernel_pml4));
        for (unsigned i = paging::kFirstKernelPml4Index; i < paging::kEntriesPerTable; ++i) {
            paging::PhysAddr pdpt = allocator.allocate().release_value();
            pml4[i] = paging::PageTableEntry::table(pdpt, false);
        }
        baseline = allocator.outstanding();
        live = kernel_pml4;
    }

    ~FakeMemoryContext() {
        for (void* block : metadata) ::free(block);
    }

    Result<paging::PhysAddr> allocate_zeroed_frame(mm::FrameUse) override {
        return allocator.allocate();
    }
    Result<paging::PhysAddr> allocate_frame(mm::FrameUse) override {
        return allocator.allocate(false);
    }
    void free_frame(paging::PhysAddr frame, mm::FrameUse) override { allocator.free(frame); }
    void add_references(const paging::PhysAddr* frames, size_t count) override {
        for (size_t i = 0; i < count; ++i) allocator.add_reference(frames[i]);
    }
    uint32_t reference_count(paging::PhysAddr frame) override {
        uint32_t n = allocator.references(frame);
        if (n == 0) throw HostPanic("FakeMemoryContext: reference_count of a free frame");
        return n;
    }
    void* phys_to_virt(paging::PhysAddr phys) override { return ram.phys_to_virt(phys); }
    void invalidate(paging::VirtAddr va) override { invalidated.push_back(va); }
    void flush_user_tlb(paging::PhysAddr root, uint16_t) override { flushed_roots.push_back(root); }
    // Heap bookkeeping shares the frames' failure countdown, so a test that
    // fails "the Nth allocation" covers both.
    void* allocate_metadata(size_t bytes) override {
        if (allocator.attempt_fails()) return nullptr;
        void* block = aligned_alloc(16, (bytes + 15) / 16 * 16);
        if (block) metadata.insert(block);
        return block;
    }
    void free_metadata(void* block) override {
        if (!block) return;
        if (!metadata.erase(block)) throw HostPanic("FakeMemoryContext: bad free_metadata");
        ::free(block);
    }
    paging::PhysAddr kernel_root() const override { return kernel_pml4; }
    paging::PhysAddr user_root_template() const override { return user_template; }
    // Page-table isolation as the kernel sets it up at boot: a template PML4
    // whose kernel half holds one entry of its own (entry 511, a PDPT), and
    // which every space's user root copies. Counted in the baseline.
    void enable_user_roots() {
        user_template = allocator.allocate().release_value();
        auto* pml4 = static_cast<paging::PageTableEntry*>(ram.phys_to_virt(user_template));
        pml4[511] = paging::PageTableEntry::table(allocator.allocate().release_value(), false);
        baseline = allocator.outstanding();
    }
    paging::PhysAddr live_root() const override { return live; }
    // A second CPU: the root it has loaded (a test sets it to model a CPU
    // that ran a space and has not loaded another root since).
    bool live_on_any_cpu(paging::PhysAddr root) const override {
        return live == root || other_cpu_root == root;
    }
    // PCIDs come from `pcids` when a test sets it (else 0, as with PCIDs off);
    // `cpu` is the CPU index the context runs on.
    uint16_t acquire_pcid() override { return pcids ? pcids->allocate().pcid : 0; }
    void release_pcid(uint16_t pcid) override {
        if (pcids) pcids->release(pcid);
    }
    void invalidate_pcid(uint16_t pcid) override {
        if (pcids) pcids->invalidate(pcid);
    }
    void invalidate_pcid_on_other_cpus(uint16_t pcid) override {
        if (pcids) pcids->invalidate_other_cpus(cpu, pcid);
    }

    // Frames held beyond the kernel's own tables, plus live heap bookkeeping blocks.
    size_t leaked() const { return allocator.outstanding() - baseline + metadata.size(); }

    FakeRam ram;
    FailingFrameAllocator allocator;
    paging::PhysAddr kernel_pml4 = 0;
    paging::PhysAddr user_template = 0;
    paging::PhysAddr live = 0;
    paging::PhysAddr other_cpu_root = 0;
    size_t baseline = 0;
    std::vector<paging::VirtAddr> invalidated;
    std::vector<paging::PhysAddr> flushed_roots;
    std::set<void*> metadata;
    mm::PcidAllocator* pcids = nullptr;
    uint32_t cpu = 0;
};

}  // namespace nyanos::test
