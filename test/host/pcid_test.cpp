// PcidAllocator: allocation, exhaustion, reuse only after a flush, and model
// TLBs (one per CPU) showing that following the allocator's flush rule
// leaves no translation of a dead process, or of a changed mapping, visible
// on any CPU.
#include "mm/pcid.h"

#include <doctest/doctest.h>

#include <atomic>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <thread>
#include <utility>
#include <vector>

#include "fake_memory_context.h"
#include "host_panic.h"
#include "mm/address_space.h"
#include "model_tlb.h"

using namespace nyanos::mm;

namespace {

// What the kernel does on a switch on CPU `cpu` (mm::load_cr3): the value
// prepare_load gives, so every model-TLB case below checks the kernel's own
// decision. `tlb` is that CPU's.
uint64_t switch_cr3(PcidAllocator& a, uint32_t cpu, ModelTlb& tlb, uint64_t root, uint16_t pcid) {
    uint64_t cr3 = a.prepare_load(cpu, cr3_with_pcid(root, pcid, true));
    tlb.load_cr3(cr3);
    return cr3;
}
uint64_t switch_cr3(PcidAllocator& a, ModelTlb& tlb, uint64_t root, uint16_t pcid) {
    return switch_cr3(a, 0, tlb, root, pcid);
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
        CHECK_FALSE(a->needs_flush(0, p.pcid));  // on every CPU: none ever ran it
        CHECK_FALSE(a->needs_flush(kPcidMaxCpus - 1, p.pcid));
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
    a->mark_flushed(0, kKernelPcid);  // ignored: PCID 0 is never trusted
    CHECK(a->needs_flush(0, kKernelPcid));
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
    CHECK(a->needs_flush(0, reused.pcid));
    a->mark_flushed(0, reused.pcid);
    CHECK_FALSE(a->needs_flush(0, reused.pcid));
    CHECK(a->needs_flush(1, reused.pcid));  // CPU 0's flush is not CPU 1's
    CHECK(a->allocate().shared);            // all taken again
}

TEST_CASE("pcid: bad releases are broken invariants") {
    auto a = std::make_unique<PcidAllocator>();
    CHECK_THROWS_AS(a->release(7), nyanos::test::HostPanic);  // never allocated
    PcidAssignment p = a->allocate();
    a->release(p.pcid);
    CHECK_THROWS_AS(a->release(p.pcid), nyanos::test::HostPanic);  // double release
    CHECK_THROWS_AS(a->release(kPcidCount), nyanos::test::HostPanic);
    CHECK_THROWS_AS(a->mark_flushed(0, p.pcid), nyanos::test::HostPanic);  // not in use
    CHECK_THROWS_AS(a->prepare_load(0, 0x1000 | p.pcid), nyanos::test::HostPanic);
}

TEST_CASE("pcid: a CPU index beyond the tracked ones is a broken invariant") {
    auto a = std::make_unique<PcidAllocator>();
    uint16_t p = a->allocate().pcid;
    CHECK_THROWS_AS(a->mark_flushed(kPcidMaxCpus, p), nyanos::test::HostPanic);
    CHECK_THROWS_AS(a->needs_flush(kPcidMaxCpus, p), nyanos::test::HostPanic);
    CHECK_THROWS_AS(a->prepare_load(kPcidMaxCpus, 0x1000 | p), nyanos::test::HostPanic);
    CHECK_THROWS_AS(a->invalidate_other_cpus(kPcidMaxCpus, p), nyanos::test::HostPanic);
    // The last tracked index works like any other.
    CHECK_FALSE(flushed(a->prepare_load(kPcidMaxCpus - 1, 0x1000 | p)));
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
    CHECK_FALSE(a.needs_flush(0, p));
    // Switched away; the kernel unmaps the page in that space meanwhile.
    switch_cr3(a, tlb, 0x9000, kKernelPcid);
    a.invalidate(p);
    CHECK(a.needs_flush(0, p));
    uint64_t cr3 = switch_cr3(a, tlb, 0x1000, p);
    CHECK((cr3 & kCr3NoFlush) == 0);
    CHECK(tlb.lookup(0x400000) == nullptr);
    CHECK_FALSE(a.needs_flush(0, p));
    a.invalidate(kKernelPcid);  // ignored: PCID 0 always flushes
    CHECK(a.needs_flush(0, kKernelPcid));
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
        CHECK(pcids->needs_flush(0, first));
        // While live, invlpg does it.
        pcids->mark_flushed(0, first);
        context.live = space.root();
        REQUIRE(space.map_anonymous(0x400000, 1, PageFlags{.writable = true}).ok());
        space.unmap_range(0x400000, 1);
        CHECK(context.invalidated.size() == 1);
        CHECK_FALSE(pcids->needs_flush(0, first));
        context.live = context.kernel_pml4;
        // Moving a space moves its PCID; the moved-from one releases nothing.
        AddressSpace moved = static_cast<AddressSpace&&>(space);
        CHECK(moved.pcid() == first);
        CHECK(space.pcid() == 0);
    }
    CHECK(pcids->in_use() == 0);
    CHECK(pcids->needs_flush(0, first));  // stale until its next owner flushes
    CHECK(context.leaked() == 0);
}

TEST_CASE(
    "pcid: AddressSpace changed while live on one CPU makes the CPUs it ran on before flush") {
    nyanos::test::FakeMemoryContext context;
    auto pcids = std::make_unique<PcidAllocator>();
    context.pcids = pcids.get();
    {
        auto space = AddressSpace::try_create(context).release_value();
        uint16_t p = space.pcid();
        REQUIRE(space.map_anonymous(0x400000, 2, PageFlags{.writable = true}).ok());
        // It ran on CPU 1 (which may still cache its pages), then moved to
        // CPU 0, where it is live; neither load had anything to flush.
        CHECK_FALSE(flushed(pcids->prepare_load(1, space.cr3())));
        CHECK_FALSE(flushed(pcids->prepare_load(0, space.cr3())));
        context.cpu = 0;
        context.live = space.root();
        space.unmap_range(0x400000, 1);
        // CPU 0 invlpg'd the page and keeps trusting the rest of its TLB;
        // CPU 1 must not run the space on its old translations.
        CHECK(context.invalidated == std::vector<uint64_t>{0x400000});
        CHECK_FALSE(pcids->needs_flush(0, p));
        CHECK(pcids->needs_flush(1, p));
        CHECK(flushed(pcids->prepare_load(1, space.cr3())));
        CHECK_FALSE(flushed(pcids->prepare_load(0, space.cr3())));
        context.live = context.kernel_pml4;
    }
    CHECK(pcids->in_use() == 0);
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
        CHECK(pcids->needs_flush(0, shared.pcid()));
    }
    uint16_t dead = spaces[100].pcid();
    spaces.erase(spaces.begin() + 100);  // its process exited
    auto next = AddressSpace::try_create(context).release_value();
    CHECK(next.pcid() == dead);
    CHECK(pcids->needs_flush(0, dead));
    spaces.clear();
}

TEST_CASE("pcid: prepare_load (the kernel's load_cr3) flushes exactly when the PCID may be stale") {
    PcidAllocator a;
    ModelTlb tlb;
    auto load = [&](uint64_t root, uint16_t pcid) {
        uint64_t value = a.prepare_load(0, root | pcid);
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

// Several CPUs, each with its own TLB: a PCID's staleness is per CPU.

TEST_CASE("pcid: a reused PCID is flushed by every CPU that loads it, not only the first") {
    auto a = std::make_unique<PcidAllocator>();
    ModelTlb cpu0, cpu1;
    // Every clean PCID taken, so the next release is reused at once.
    for (int i = 0; i < kPcidCount - 2; ++i) REQUIRE(!a->allocate().shared);
    // Space S runs on both CPUs and caches a translation on each.
    uint16_t s = a->allocate().pcid;
    CHECK_FALSE(flushed(switch_cr3(*a, 0, cpu0, 0xA000, s)));
    cpu0.fill(0x400000, 0xAAAA000);
    CHECK_FALSE(flushed(switch_cr3(*a, 1, cpu1, 0xA000, s)));
    cpu1.fill(0x400000, 0xAAAA000);
    // S exits (both CPUs on the kernel's root); S' gets its PCID.
    switch_cr3(*a, 0, cpu0, 0x9000, kKernelPcid);
    switch_cr3(*a, 1, cpu1, 0x9000, kKernelPcid);
    a->release(s);
    PcidAssignment next = a->allocate();
    REQUIRE(next.pcid == s);
    CHECK(next.must_flush);
    // CPU 0 loads S' first: it flushes, and only CPU 0 is clean afterwards.
    CHECK(flushed(switch_cr3(*a, 0, cpu0, 0xB000, s)));
    CHECK(cpu0.lookup(0x400000) == nullptr);
    CHECK_FALSE(a->needs_flush(0, s));
    CHECK(a->needs_flush(1, s));
    // Had CPU 1 trusted CPU 0's flush, it would run S' on S's translation.
    ModelTlb careless = cpu1;
    careless.load_cr3(cr3_with_pcid(0xB000, s, false));
    CHECK(careless.lookup(0x400000) != nullptr);
    // CPU 1 flushes on its own first load, and trusts its entries after.
    CHECK(flushed(switch_cr3(*a, 1, cpu1, 0xB000, s)));
    CHECK(cpu1.lookup(0x400000) == nullptr);
    cpu1.fill(0x400000, 0xBBBB000);
    switch_cr3(*a, 1, cpu1, 0x9000, kKernelPcid);
    CHECK_FALSE(flushed(switch_cr3(*a, 1, cpu1, 0xB000, s)));
    CHECK(cpu1.cached_pa(0x400000) == 0xBBBB000);
}

TEST_CASE("pcid: a PCID flushed on CPU 0 stays stale on CPU 1") {
    auto a = std::make_unique<PcidAllocator>();
    uint16_t p = a->allocate().pcid;
    a->invalidate(p);
    for (uint32_t cpu = 0; cpu < kPcidMaxCpus; ++cpu) CHECK(a->needs_flush(cpu, p));
    a->mark_flushed(0, p);
    CHECK_FALSE(a->needs_flush(0, p));
    CHECK(a->needs_flush(1, p));
    CHECK(a->needs_flush(kPcidMaxCpus - 1, p));
    // A flushing load on CPU 3 cleans CPU 3 alone.
    CHECK(flushed(a->prepare_load(3, 0x1000 | p)));
    CHECK_FALSE(flushed(a->prepare_load(3, 0x1000 | p)));
    CHECK(a->needs_flush(1, p));
    CHECK(flushed(a->prepare_load(1, 0x1000 | p)));
    // Another change makes them all stale again.
    a->invalidate(p);
    CHECK(a->needs_flush(0, p));
    CHECK(a->needs_flush(1, p));
    CHECK(a->needs_flush(3, p));
}

TEST_CASE("pcid: a change while live on one CPU and cached on another") {
    auto a = std::make_unique<PcidAllocator>();
    ModelTlb cpu0, cpu1;
    uint16_t p = a->allocate().pcid;
    uint16_t other = a->allocate().pcid;
    // The space ran on CPU 1 (cached 0x400000 and 0x401000), then moved to
    // CPU 0, where it is live with the same two translations cached.
    switch_cr3(*a, 1, cpu1, 0x1000, p);
    cpu1.fill(0x400000, 0xa000);
    cpu1.fill(0x401000, 0xb000);
    switch_cr3(*a, 1, cpu1, 0x2000, other);
    switch_cr3(*a, 0, cpu0, 0x1000, p);
    cpu0.fill(0x400000, 0xa000);
    cpu0.fill(0x401000, 0xb000);

    SUBCASE("changed on the CPU where it is live: invlpg there, the other CPUs flush") {
        // 0x400000 is unmapped on CPU 0: invlpg, then every other CPU is told.
        cpu0.invlpg(0x400000);
        a->invalidate_other_cpus(0, p);
        CHECK_FALSE(a->needs_flush(0, p));  // its own TLB is current
        CHECK(a->needs_flush(1, p));
        // CPU 0 keeps its other translation across a switch away and back.
        switch_cr3(*a, 0, cpu0, 0x2000, other);
        CHECK_FALSE(flushed(switch_cr3(*a, 0, cpu0, 0x1000, p)));
        CHECK(cpu0.lookup(0x400000) == nullptr);
        CHECK(cpu0.cached_pa(0x401000) == 0xb000);
        // CPU 1 flushes when the space comes back to it: no stale 0x400000.
        CHECK(flushed(switch_cr3(*a, 1, cpu1, 0x1000, p)));
        CHECK(cpu1.lookup(0x400000) == nullptr);
    }
    SUBCASE("changed from a CPU where it is not live: the live CPU's shootdown, the others flush") {
        // CPU 2 unmaps 0x400000 while the space is live on CPU 0 only.
        a->invalidate(p);
        CHECK(a->needs_flush(0, p));
        CHECK(a->needs_flush(1, p));
        CHECK(a->needs_flush(2, p));
        // CPU 0's shootdown handler drops the page, then says so.
        cpu0.invlpg(0x400000);
        a->mark_flushed(0, p);
        switch_cr3(*a, 0, cpu0, 0x2000, other);
        CHECK_FALSE(flushed(switch_cr3(*a, 0, cpu0, 0x1000, p)));
        CHECK(cpu0.lookup(0x400000) == nullptr);
        CHECK(cpu0.cached_pa(0x401000) == 0xb000);
        CHECK(flushed(switch_cr3(*a, 1, cpu1, 0x1000, p)));
        CHECK(cpu1.lookup(0x400000) == nullptr);
    }
    SUBCASE("a change on the live CPU never raises that CPU's own trust") {
        // CPU 2 changed the space (CPU 0 awaits its shootdown), then CPU 0
        // changes it too: CPU 0 stays stale until the shootdown says otherwise.
        a->invalidate(p);
        a->invalidate_other_cpus(0, p);
        CHECK(a->needs_flush(0, p));
        a->invalidate_other_cpus(0, kKernelPcid);  // ignored: PCID 0 always flushes
        CHECK(a->needs_flush(0, kKernelPcid));
    }
}

namespace {

// A random schedule of allocate, release, invalidate and loads on kCpus
// CPUs, each with its own model TLB, against ground truth: every space's
// page table is a map, and each CPU's TLB may only ever hold, for the PCID
// it runs on, translations that the live space's table has now. Each load's
// flush decision is also checked against the rule stated from the events
// (a CPU trusts a PCID from its own flush or shootdown until the PCID is
// released or its space changes), so there is no needless flush either.
class SmpModel {
public:
    static constexpr uint32_t kCpus = 4;
    static constexpr int kSpaceLimit = 8;
    static constexpr int kFreePcids = 6;  // fewer than kSpaceLimit: reuse and exhaustion

    explicit SmpModel(uint32_t seed) : m_random(seed), m_pcids(std::make_unique<PcidAllocator>()) {
        // Hold all but kFreePcids forever, so PCIDs are reused within a few steps.
        for (int i = 0; i < kPcidCount - 1 - kFreePcids; ++i) REQUIRE(!m_pcids->allocate().shared);
        for (auto& cpu : m_cpus) cpu.tlb.load_cr3(cr3_with_pcid(kKernelRoot, kKernelPcid, true));
        // Never-used PCIDs are trusted everywhere (no CPU has run them).
        for (auto& cpu : m_trusted)
            for (bool& t : cpu) t = true;
    }

    void step() {
        unsigned r = pick(100);
        if (r < 35) {
            load(pick(kCpus));
        } else if (r < 65) {
            access(pick(kCpus));
        } else if (r < 80) {
            change(pick(kCpus));
        } else if (r < 90) {
            create();
        } else {
            destroy();
        }
        check_tlbs();
        check_trust();
    }

    // Counts showing the schedule reached every path.
    int reused = 0, shared = 0, flushing_loads = 0, kept_loads = 0, shootdowns = 0,
        live_changes = 0, remote_changes = 0, hits = 0;

private:
    static constexpr uint64_t kKernelRoot = 0x9000;
    static constexpr int kKernel = -1;  // "space" index of the kernel's root

    struct Space {
        uint64_t root;
        uint16_t pcid;
        bool alive;
        std::map<uint64_t, uint64_t> pages;  // va -> pa: the page table
    };
    struct Cpu {
        ModelTlb tlb;
        int live = kKernel;
    };

    unsigned pick(unsigned n) {
        return std::uniform_int_distribution<unsigned>(0, n - 1)(m_random);
    }

    std::vector<int> alive_spaces() const {
        std::vector<int> out;
        for (int i = 0; i < int(m_spaces.size()); ++i)
            if (m_spaces[i].alive) out.push_back(i);
        return out;
    }
    bool live_anywhere(int s) const {
        for (auto& cpu : m_cpus)
            if (cpu.live == s) return true;
        return false;
    }
    // The model's rule: which CPUs trust which PCID.
    bool& trusted(uint32_t cpu, uint16_t pcid) { return m_trusted[cpu][pcid]; }
    void distrust_all(uint16_t pcid) {
        for (uint32_t c = 0; c < kCpus; ++c) m_trusted[c][pcid] = false;
    }

    void create() {
        if (int(alive_spaces().size()) >= kSpaceLimit) return;
        PcidAssignment p = m_pcids->allocate();
        if (p.shared) {
            ++shared;
        } else if (p.must_flush) {
            ++reused;
            for (uint32_t c = 0; c < kCpus; ++c) CHECK_FALSE(trusted(c, p.pcid));
        }
        m_spaces.push_back({0x100000 + m_spaces.size() * 0x1000, p.pcid, true, {}});
    }

    void destroy() {
        std::vector<int> candidates;
        for (int s : alive_spaces())
            if (!live_anywhere(s)) candidates.push_back(s);
        if (candidates.empty()) return;
        Space& space = m_spaces[candidates[pick(unsigned(candidates.size()))]];
        m_pcids->release(space.pcid);
        if (space.pcid != kKernelPcid) distrust_all(space.pcid);
        space.alive = false;
    }

    void load(uint32_t c) {
        auto spaces = alive_spaces();
        int s = spaces.empty() || pick(4) == 0 ? kKernel : spaces[pick(unsigned(spaces.size()))];
        uint64_t root = s == kKernel ? kKernelRoot : m_spaces[s].root;
        uint16_t pcid = s == kKernel ? kKernelPcid : m_spaces[s].pcid;
        uint64_t cr3 = m_pcids->prepare_load(c, cr3_with_pcid(root, pcid, true));
        CHECK((cr3 & ~kCr3NoFlush) == (root | pcid));
        bool expect_flush = pcid == kKernelPcid || !trusted(c, pcid);
        CHECK(flushed(cr3) == expect_flush);
        if (pcid != kKernelPcid) trusted(c, pcid) = true;
        ++(flushed(cr3) ? flushing_loads : kept_loads);
        m_cpus[c].tlb.load_cr3(cr3);
        m_cpus[c].live = s;
    }

    // The CPU touches a page of its live space: a TLB hit must agree with the
    // table (checked again for every entry in check_tlbs), a miss fills it.
    void access(uint32_t c) {
        Cpu& cpu = m_cpus[c];
        if (cpu.live == kKernel) return;
        const Space& space = m_spaces[cpu.live];
        uint64_t va = 0x400000 + pick(4) * 0x1000;
        auto page = space.pages.find(va);
        if (const uint64_t* hit = cpu.tlb.lookup(va)) {
            ++hits;
            CHECK((page != space.pages.end() && page->second == *hit));
        } else if (page != space.pages.end()) {
            cpu.tlb.fill(va, page->second);
        }
    }

    // CPU `c` maps, remaps or unmaps a page of some space, and invalidates
    // as the kernel does: invlpg plus invalidate_other_cpus where it is live,
    // invalidate elsewhere, then a shootdown to every other CPU running it.
    void change(uint32_t c) {
        auto spaces = alive_spaces();
        if (spaces.empty()) return;
        int s = spaces[pick(unsigned(spaces.size()))];
        Space& space = m_spaces[s];
        uint64_t va = 0x400000 + pick(4) * 0x1000;
        if (pick(3) == 0)
            space.pages.erase(va);
        else
            space.pages[va] = m_next_frame += 0x1000;
        if (m_cpus[c].live == s) {
            ++live_changes;
            m_cpus[c].tlb.invlpg(va);
            m_pcids->invalidate_other_cpus(c, space.pcid);
            if (space.pcid != kKernelPcid)
                for (uint32_t o = 0; o < kCpus; ++o)
                    if (o != c) trusted(o, space.pcid) = false;
        } else {
            ++remote_changes;
            m_pcids->invalidate(space.pcid);
            if (space.pcid != kKernelPcid) distrust_all(space.pcid);
        }
        for (uint32_t o = 0; o < kCpus; ++o) {
            if (o == c || m_cpus[o].live != s) continue;
            ++shootdowns;
            m_cpus[o].tlb.invlpg(va);
            m_pcids->mark_flushed(o, space.pcid);
            if (space.pcid != kKernelPcid) trusted(o, space.pcid) = true;
        }
    }

    // No CPU holds, for the PCID it runs on, a translation its live space's
    // table does not have: nothing stale is usable anywhere.
    void check_tlbs() {
        for (auto& cpu : m_cpus) {
            for (auto& [key, pa] : cpu.tlb.entries) {
                if (key.first != cpu.tlb.live_pcid) continue;
                REQUIRE(cpu.live != kKernel);  // nothing is ever filled under the kernel's root
                const auto& pages = m_spaces[cpu.live].pages;
                auto page = pages.find(key.second);
                CHECK((page != pages.end() && page->second == pa));
            }
        }
    }

    // The allocator's answer for every (CPU, PCID in use) is the model's.
    void check_trust() {
        for (int s : alive_spaces()) {
            uint16_t pcid = m_spaces[s].pcid;
            for (uint32_t c = 0; c < kCpus; ++c)
                CHECK(m_pcids->needs_flush(c, pcid) == (pcid == kKernelPcid || !trusted(c, pcid)));
        }
    }

    std::mt19937 m_random;
    std::unique_ptr<PcidAllocator> m_pcids;
    Cpu m_cpus[kCpus];
    std::vector<Space> m_spaces;
    uint64_t m_next_frame = 0x10000000;
    bool m_trusted[kCpus][kPcidCount];  // the model's rule, per (CPU, PCID)
};

}  // namespace

TEST_CASE("pcid: random allocate/release/invalidate/load on 4 CPUs never uses a stale entry") {
    for (uint32_t seed : {1u, 2u, 3u, 4u, 5u}) {
        CAPTURE(seed);
        SmpModel model(seed);
        for (int i = 0; i < 4000; ++i) model.step();
        // The schedule reached every path it is meant to check.
        CHECK(model.reused > 0);
        CHECK(model.shared > 0);
        CHECK(model.flushing_loads > 0);
        CHECK(model.kept_loads > 0);
        CHECK(model.shootdowns > 0);
        CHECK(model.live_changes > 0);
        CHECK(model.remote_changes > 0);
        CHECK(model.hits > 0);
    }
}

TEST_CASE("pcid: four threads (four CPUs) using the allocator at once") {
    // Each thread is a CPU: it allocates, loads, invalidates and releases its
    // own PCIDs while the others do the same, all through the allocator's
    // lock. Every run checks that the locked code works from several threads
    // at once (no recursive-lock panic; each thread's load decisions follow
    // its own invalidations, which no other thread's work disturbs; no PCID
    // lost). Were the lock missing, racing updates of the free stacks would
    // show up as a PCID handed to two threads, a lost PCID or a panic; that
    // part is a stress test, which catches a missing lock in some runs only.
    auto a = std::make_unique<PcidAllocator>();
    constexpr uint32_t kThreads = 4;
    constexpr int kRounds = 50000;
    std::vector<std::atomic<uint32_t>> owner(kPcidCount);  // 0: free, else thread + 1
    std::atomic<int> double_owned{0}, wrong_decision{0}, exhausted{0}, panicked{0};
    std::atomic<uint32_t> ready{0};

    auto run_cpu = [&](uint32_t cpu) {
        std::mt19937 random(cpu + 1);
        std::vector<uint16_t> held;
        auto release = [&](uint16_t p) {
            owner[p].store(0);  // before the allocator can hand it out again
            a->release(p);
        };
        // Start together, so the threads overlap as much as they can.
        ++ready;
        while (ready < kThreads) std::this_thread::yield();
        for (int i = 0; i < kRounds; ++i) {
            // Mostly allocations and releases, which share the free stacks.
            unsigned r = random() % 8;
            if (held.empty() || ((r == 0 || r == 7) && held.size() < 64)) {
                PcidAssignment p = a->allocate();
                if (p.shared) {  // at most 256 held: only lost PCIDs could exhaust
                    ++exhausted;
                    continue;
                }
                if (owner[p.pcid].exchange(cpu + 1) != 0) ++double_owned;
                held.push_back(p.pcid);
                continue;
            }
            size_t k = random() % held.size();
            uint16_t p = held[k];
            uint64_t cr3 = cr3_with_pcid(0x1000, p, true);
            switch (r) {
                case 1:
                case 6:
                    release(p);
                    held.erase(held.begin() + k);
                    break;
                case 2:  // changed while not live here: this CPU's next load flushes
                    a->invalidate(p);
                    if (!flushed(a->prepare_load(cpu, cr3))) ++wrong_decision;
                    break;
                case 3:  // changed while live here: this CPU's trust is untouched
                    a->prepare_load(cpu, cr3);
                    a->invalidate_other_cpus(cpu, p);
                    if (flushed(a->prepare_load(cpu, cr3))) ++wrong_decision;
                    break;
                case 4:  // changed elsewhere, then this CPU's shootdown
                    a->invalidate(p);
                    a->mark_flushed(cpu, p);
                    if (a->needs_flush(cpu, p)) ++wrong_decision;
                    break;
                default:  // loaded twice: the second load never flushes
                    a->prepare_load(cpu, cr3);
                    if (flushed(a->prepare_load(cpu, cr3))) ++wrong_decision;
                    break;
            }
        }
        for (uint16_t p : held) release(p);
    };

    std::vector<std::thread> threads;
    for (uint32_t t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            try {
                run_cpu(t);
            } catch (const nyanos::test::HostPanic&) {  // doctest cannot catch it in a thread
                ++panicked;
            }
        });
    }
    for (auto& thread : threads) thread.join();
    CHECK(panicked == 0);
    CHECK(double_owned == 0);
    CHECK(wrong_decision == 0);
    CHECK(exhausted == 0);
    CHECK(a->in_use() == 0);
    // Every PCID came back exactly once: all 4095 can be taken again, distinct.
    std::set<uint16_t> all;
    for (int i = 1; i < kPcidCount; ++i) {
        PcidAssignment p = a->allocate();
        REQUIRE_FALSE(p.shared);
        all.insert(p.pcid);
    }
    CHECK(all.size() == kPcidCount - 1);
    CHECK(all.count(kKernelPcid) == 0);
    CHECK(a->allocate().shared);
}
