// PcidAllocator: allocation, exhaustion, reuse only after a flush, and a
// model TLB showing that following the allocator's flush rule leaves no
// translation of a dead process visible to the next owner of its PCID.
#include "mm/pcid.h"

#include <doctest/doctest.h>

#include <map>
#include <memory>
#include <set>
#include <utility>
#include <vector>

#include "fake_memory_context.h"
#include "host_panic.h"
#include "mm/address_space.h"

using namespace nyanos::mm;

namespace {

// A TLB tagged by PCID, and the CPU's CR3 load rule: a load without the
// no-flush bit drops the new PCID's entries; with it, they stay.
struct ModelTlb {
    std::map<std::pair<uint16_t, uint64_t>, uint64_t> entries;  // (pcid, va) -> pa
    uint16_t live_pcid = 0;

    void load_cr3(uint64_t cr3) {
        live_pcid = uint16_t(cr3 & (kPcidCount - 1));
        if (!(cr3 & kCr3NoFlush)) flush(live_pcid);
    }
    void flush(uint16_t pcid) {  // INVPCID single-context
        for (auto it = entries.begin(); it != entries.end();)
            it = it->first.first == pcid ? entries.erase(it) : std::next(it);
    }
    void fill(uint64_t va, uint64_t pa) { entries[{live_pcid, va}] = pa; }
    const uint64_t* lookup(uint64_t va) const {
        auto it = entries.find({live_pcid, va});
        return it == entries.end() ? nullptr : &it->second;
    }
};

// What the kernel does on a switch (mm::load_cr3): the value prepare_load
// gives, so every model-TLB case below checks the kernel's own decision.
uint64_t switch_cr3(PcidAllocator& a, ModelTlb& tlb, uint64_t root, uint16_t pcid) {
    uint64_t cr3 = a.prepare_load(cr3_with_pcid(root, pcid, true));
    tlb.load_cr3(cr3);
    return cr3;
}

}  // namespace

TEST_CASE("pcid: fresh PCIDs are distinct, non-zero and need no flush") {
    auto a = std::make_unique<PcidAllocator>();
    std::set<uint16_t> seen;
    for (int i = 0; i < 100; ++i) {
        PcidAssignment p = a->allocate();
        CHECK(p.pcid != kKernelPcid);
        CHECK(p.pcid < kPcidCount);
        CHECK_FALSE(p.must_flush);
        CHECK_FALSE(p.shared);
        CHECK_FALSE(a->needs_flush(p.pcid));
        CHECK(seen.insert(p.pcid).second);
    }
    CHECK(a->in_use() == 100);
}

TEST_CASE("pcid: exhaustion falls back to the shared PCID 0, which always flushes") {
    auto a = std::make_unique<PcidAllocator>();
    for (int i = 0; i < kPcidCount - 1; ++i) REQUIRE(!a->allocate().shared);
    CHECK(a->in_use() == kPcidCount - 1);
    PcidAssignment p = a->allocate();
    CHECK(p.shared);
    CHECK(p.pcid == kKernelPcid);
    CHECK(p.must_flush);
    a->mark_flushed(kKernelPcid);  // ignored: PCID 0 is never trusted
    CHECK(a->needs_flush(kKernelPcid));
    a->release(kKernelPcid);  // harmless
    CHECK(a->in_use() == kPcidCount - 1);
    CHECK(cr3_with_pcid(0x1000, kKernelPcid, true) == 0x1000);
}

TEST_CASE("pcid: a released PCID is reused only with a flush, and clean ones go first") {
    auto a = std::make_unique<PcidAllocator>();
    PcidAssignment first = a->allocate();
    a->release(first.pcid);
    // Clean PCIDs remain: the stale one is not reused yet.
    PcidAssignment second = a->allocate();
    CHECK(second.pcid != first.pcid);
    CHECK_FALSE(second.must_flush);
    // Use up every clean one; then the stale one comes back, flagged.
    for (int i = 0; i < kPcidCount - 3; ++i) REQUIRE(!a->allocate().must_flush);
    PcidAssignment reused = a->allocate();
    CHECK(reused.pcid == first.pcid);
    CHECK(reused.must_flush);
    CHECK(a->needs_flush(reused.pcid));
    a->mark_flushed(reused.pcid);
    CHECK_FALSE(a->needs_flush(reused.pcid));
    CHECK(a->allocate().shared);  // all taken again
}

TEST_CASE("pcid: bad releases are broken invariants") {
    auto a = std::make_unique<PcidAllocator>();
    CHECK_THROWS_AS(a->release(7), nyanos::test::HostPanic);  // never allocated
    PcidAssignment p = a->allocate();
    a->release(p.pcid);
    CHECK_THROWS_AS(a->release(p.pcid), nyanos::test::HostPanic);  // double release
    CHECK_THROWS_AS(a->release(kPcidCount), nyanos::test::HostPanic);
    CHECK_THROWS_AS(a->mark_flushed(p.pcid), nyanos::test::HostPanic);  // not in use
}

TEST_CASE("pcid: no stale translation crosses processes through a reused PCID") {
    auto a = std::make_unique<PcidAllocator>();
    ModelTlb tlb;
    // Take every clean PCID so the next release is reused at once.
    std::vector<uint16_t> held;
    for (int i = 0; i < kPcidCount - 2; ++i) held.push_back(a->allocate().pcid);

    // Process A runs, caches 0x400000 -> its frame, is switched away and back
    // (no-flush loads keep its entries: the point of PCIDs), then dies.
    PcidAssignment pa = a->allocate();
    switch_cr3(*a, tlb, 0xA000, pa.pcid);
    tlb.fill(0x400000, 0xAAAA000);
    switch_cr3(*a, tlb, 0x9000, held[0]);
    uint64_t cr3 = switch_cr3(*a, tlb, 0xA000, pa.pcid);
    CHECK((cr3 & kCr3NoFlush) != 0);
    REQUIRE(tlb.lookup(0x400000));
    CHECK(*tlb.lookup(0x400000) == 0xAAAA000);
    switch_cr3(*a, tlb, 0x9000, held[0]);
    a->release(pa.pcid);

    // Process B gets the same PCID; its first load flushes.
    PcidAssignment pb = a->allocate();
    REQUIRE(pb.pcid == pa.pcid);
    cr3 = switch_cr3(*a, tlb, 0xB000, pb.pcid);
    CHECK((cr3 & kCr3NoFlush) == 0);
    CHECK(tlb.lookup(0x400000) == nullptr);  // A's translation is gone
    tlb.fill(0x400000, 0xBBBB000);
    switch_cr3(*a, tlb, 0x9000, held[0]);
    cr3 = switch_cr3(*a, tlb, 0xB000, pb.pcid);
    CHECK((cr3 & kCr3NoFlush) != 0);  // later loads keep B's own entries
    CHECK(*tlb.lookup(0x400000) == 0xBBBB000);

    // The model would catch a kernel that skipped the flush.
    ModelTlb careless;
    careless.load_cr3(cr3_with_pcid(0xA000, 5, true));
    careless.fill(0x400000, 0xAAAA000);
    careless.load_cr3(cr3_with_pcid(0xB000, 5, false));
    CHECK(careless.lookup(0x400000) != nullptr);
}

TEST_CASE("pcid: an in-use PCID whose space changed while not live is flushed at its next load") {
    PcidAllocator a;
    ModelTlb tlb;
    uint16_t p = a.allocate().pcid;
    switch_cr3(a, tlb, 0x1000, p);
    tlb.fill(0x400000, 0xa000);
    CHECK_FALSE(a.needs_flush(p));
    // Switched away; the kernel unmaps the page in that space meanwhile.
    switch_cr3(a, tlb, 0x9000, kKernelPcid);
    a.invalidate(p);
    CHECK(a.needs_flush(p));
    uint64_t cr3 = switch_cr3(a, tlb, 0x1000, p);
    CHECK((cr3 & kCr3NoFlush) == 0);
    CHECK(tlb.lookup(0x400000) == nullptr);
    CHECK_FALSE(a.needs_flush(p));
    a.invalidate(kKernelPcid);  // ignored: PCID 0 always flushes
    CHECK(a.needs_flush(kKernelPcid));
    a.release(p);
    CHECK_THROWS_AS(a.invalidate(p), nyanos::test::HostPanic);  // not in use any more
}

TEST_CASE("pcid: AddressSpace takes a PCID, loads it in cr3(), and releases it when destroyed") {
    nyanos::test::FakeMemoryContext context;
    auto pcids = std::make_unique<PcidAllocator>();
    context.pcids = pcids.get();
    uint16_t first;
    {
        auto space = AddressSpace::try_create(context).release_value();
        first = space.pcid();
        CHECK(first != kKernelPcid);
        CHECK(space.cr3() == (space.root() | first));
        CHECK(pcids->in_use() == 1);
        // A change while not live (the kernel's root is live) leaves the
        // live TLB alone and marks the PCID for a flush.
        REQUIRE(space.map_anonymous(0x400000, 1, PageFlags{.writable = true}).ok());
        space.unmap_range(0x400000, 1);
        CHECK(context.invalidated.empty());
        CHECK(pcids->needs_flush(first));
        // While live, invlpg does it.
        pcids->mark_flushed(first);
        context.live = space.root();
        REQUIRE(space.map_anonymous(0x400000, 1, PageFlags{.writable = true}).ok());
        space.unmap_range(0x400000, 1);
        CHECK(context.invalidated.size() == 1);
        CHECK_FALSE(pcids->needs_flush(first));
        context.live = context.kernel_pml4;
        // Moving a space moves its PCID; the moved-from one releases nothing.
        AddressSpace moved = static_cast<AddressSpace&&>(space);
        CHECK(moved.pcid() == first);
        CHECK(space.pcid() == 0);
    }
    CHECK(pcids->in_use() == 0);
    CHECK(pcids->needs_flush(first));  // stale until its next owner flushes
    CHECK(context.leaked() == 0);
}

TEST_CASE("pcid: the PCID of an exited process is reused only with a flush") {
    // Every other PCID held, so the one released is the only one left.
    nyanos::test::FakeMemoryContext context(kPcidCount + 512);
    auto pcids = std::make_unique<PcidAllocator>();
    context.pcids = pcids.get();
    std::vector<AddressSpace> spaces;
    for (size_t i = 1; i < kPcidCount; ++i)
        spaces.push_back(AddressSpace::try_create(context).release_value());
    std::set<uint16_t> distinct;
    for (auto& s : spaces) distinct.insert(s.pcid());
    CHECK(distinct.size() == kPcidCount - 1);
    CHECK(distinct.count(kKernelPcid) == 0);
    // Exhausted: the next space shares PCID 0, flushed on every load.
    {
        auto shared = AddressSpace::try_create(context).release_value();
        CHECK(shared.pcid() == kKernelPcid);
        CHECK(pcids->needs_flush(shared.pcid()));
    }
    uint16_t dead = spaces[100].pcid();
    spaces.erase(spaces.begin() + 100);  // its process exited
    auto next = AddressSpace::try_create(context).release_value();
    CHECK(next.pcid() == dead);
    CHECK(pcids->needs_flush(dead));
    spaces.clear();
}

TEST_CASE("pcid: prepare_load (the kernel's load_cr3) flushes exactly when the PCID may be stale") {
    PcidAllocator a;
    ModelTlb tlb;
    auto load = [&](uint64_t root, uint16_t pcid) {
        uint64_t value = a.prepare_load(root | pcid);
        CHECK((value & ~kCr3NoFlush) == (root | pcid));
        tlb.load_cr3(value);
        return (value & kCr3NoFlush) == 0;  // flushed?
    };
    uint16_t p = a.allocate().pcid;
    CHECK_FALSE(load(0x1000, p));  // a clean PCID: nothing to flush
    tlb.fill(0x400000, 0xa000);
    CHECK(load(0x9000, kKernelPcid));  // the kernel's PCID 0 always flushes
    CHECK_FALSE(load(0x1000, p));      // back: its entries are kept
    CHECK(tlb.lookup(0x400000) != nullptr);
    load(0x9000, kKernelPcid);
    a.release(p);  // the process exits
    uint16_t q = a.allocate().pcid;
    while (q != p) {  // clean PCIDs go first; take them until p comes back
        q = a.allocate().pcid;
        REQUIRE(q != kKernelPcid);
    }
    CHECK(load(0x2000, p));  // its next owner's first load flushes
    CHECK(tlb.lookup(0x400000) == nullptr);
    CHECK_FALSE(load(0x2000, p));  // and only the first
}
