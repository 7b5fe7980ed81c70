#include "mm/kernel_memory_context.h"

#include "arch/x86_64/io.h"
#include "boot_info.h"
#include "mm/kpti.h"
#include "mm/pcid.h"
#include "mm/tlb_shootdown.h"
#include "mm/vmm.h"

namespace nyanos::mm {

namespace {

class KernelMemoryContext final : public MemoryContext {
public:
    Result<PhysAddr> allocate_zeroed_frame(FrameUse use) override {
        return physical_memory().allocate_zeroed_frame(use);
    }
    Result<PhysAddr> allocate_frame(FrameUse use) override {
        return physical_memory().allocate_frame(use);
    }
    void add_references(const PhysAddr* frames, size_t count) override {
        physical_memory().add_references(frames, count);
    }
    uint32_t reference_count(PhysAddr frame) override {
        return physical_memory().reference_count(frame);
    }
    // Without PCIDs a CR3 load drops every non-global translation; with
    // them, the PCID marked stale makes load_cr3 flush it here, and every
    // other CPU at its next load. The CPUs that have the space live right
    // now (its other threads) get a shootdown.
    void flush_user_tlb(PhysAddr root, uint16_t pcid) override {
        mm::invalidate_pcid(pcid);
        if (live_root() == root) mm::load_cr3(root | pcid);
        shootdown_user_root(root);
    }
    void shootdown_user(PhysAddr root) override { shootdown_user_root(root); }
    void free_frame(PhysAddr frame, FrameUse use) override {
        physical_memory().free_frame(frame, use);
    }
    void free_frames(const PhysAddr* frames, size_t count, FrameUse use) override {
        physical_memory().free_frames(frames, count, use);
    }
    void* phys_to_virt(PhysAddr phys) override { return nyanos::phys_to_virt(phys); }
    // invlpg, and with PCID pairs the user root's PCID as well.
    void invalidate(VirtAddr va) override { invalidate_user_page(va); }
    PhysAddr kernel_root() const override { return mm::kernel_root(); }
    PhysAddr user_root_template() const override { return mm::user_root_template(); }
    PhysAddr live_root() const override {
        return arch::read_cr3() & paging::PageTableEntry::kAddressMask;
    }
    bool live_on_any_cpu(PhysAddr root) const override { return root_live_on_any_cpu(root); }
    uint16_t acquire_pcid() override { return mm::acquire_pcid(); }
    void release_pcid(uint16_t pcid) override { mm::release_pcid(pcid); }
    void invalidate_pcid(uint16_t pcid) override { mm::invalidate_pcid(pcid); }
    void invalidate_pcid_on_other_cpus(uint16_t pcid) override {
        mm::invalidate_pcid_on_other_cpus(pcid);
    }
};

KernelMemoryContext g_context;

}  // namespace

MemoryContext& kernel_memory_context() {
    return g_context;
}

}  // namespace nyanos::mm
