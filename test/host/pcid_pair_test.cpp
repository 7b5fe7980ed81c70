// PCID pairs (page-table isolation with PCIDs, mm/pcid.h): the allocator in
// pair mode, the values the entry and exit paths load, AddressSpace's two
// root words, and a model of several CPUs, each with a PCID-tagged TLB,
// switching between spaces and between each space's kernel and user root
// the way the kernel does, showing that no CPU ever uses a stale
// translation under either PCID of a pair (and that, without the user
// PCID's flush, it would).
#include <doctest/doctest.h>

#include <map>
#include <memory>
#include <random>
#include <set>
#include <utility>
#include <vector>

#include "fake_memory_context.h"
#include "host_panic.h"
#include "mm/address_space.h"
#include "mm/pcid.h"
#include "model_tlb.h"

using namespace nyanos::mm;

namespace {

std::unique_ptr<PcidAllocator> pair_allocator() {
    auto a = std::make_unique<PcidAllocator>();
    a->use_pairs();
    return a;
}

}  // namespace

TEST_CASE("pcid pairs: pair mode hands out kernel PCIDs 1..2047, then the shared PCID 0") {
    auto a = pair_allocator();
    CHECK(a->pairs());
    std::set<uint16_t> seen;
    for (int i = 1; i < kPairPcidLimit; ++i) {
        PcidAssignment p = a->allocate();
        REQUIRE_FALSE(p.shared);
        CHECK(p.pcid != kKernelPcid);
        CHECK(p.pcid < kPairPcidLimit);
        CHECK((user_pcid_of(p.pcid) & (kPcidCount - 1)) == (p.pcid | kUserPcidBit));
        CHECK(seen.insert(p.pcid).second);
    }
    CHECK(a->in_use() == size_t(kPairPcidLimit - 1));
    PcidAssignment extra = a->allocate();  // the user halves are not handed out
    CHECK(extra.shared);
    CHECK(extra.pcid == kKernelPcid);
    // A released one comes back, flagged for a flush.
    a->release(uint16_t(5));
    PcidAssignment reused = a->allocate();
    CHECK(reused.pcid == 5);
    CHECK(reused.must_flush);
    CHECK(a->allocate().shared);
}

TEST_CASE("pcid pairs: a user PCID is never in use by itself, and pair mode is chosen before use") {
    auto a = pair_allocator();
    uint16_t p = a->allocate().pcid;
    // The allocator owns the pair through its kernel PCID only: naming the
    // user one where a kernel root's PCID belongs is a broken invariant.
    CHECK_THROWS_AS(a->prepare_load(0, 0x1000 | user_pcid_of(p)), nyanos::test::HostPanic);
    CHECK_THROWS_AS(a->mark_flushed(0, user_pcid_of(p)), nyanos::test::HostPanic);
    CHECK_THROWS_AS(a->release(user_pcid_of(p)), nyanos::test::HostPanic);
    CHECK_THROWS_AS(a->use_pairs(), nyanos::test::HostPanic);  // after an allocation
    auto plain = std::make_unique<PcidAllocator>();
    CHECK_FALSE(plain->pairs());
}

TEST_CASE("pcid pairs: entry_cr3_of sets the no-flush bit only for a pair's PCID") {
    constexpr uint64_t root = 0x123000;
    CHECK(entry_cr3_of(root | 7, true) == (root | 7 | kCr3NoFlush));
    CHECK(entry_cr3_of(root | user_pcid_of(7), true) == (root | 0x807 | kCr3NoFlush));
    CHECK(entry_cr3_of(root, true) == root);             // PCID 0: flushed at every load
    CHECK(entry_cr3_of(root | 7, false) == (root | 7));  // CR4.PCIDE off: bit 63 would #GP
    CHECK(entry_cr3_of(0, true) == 0);                   // no user root
    CHECK(user_pcid_of(kKernelPcid) == kKernelPcid);
}

TEST_CASE("pcid pairs: a flushing load names the user PCID to flush, a kept one none") {
    auto a = pair_allocator();
    uint16_t p = a->allocate().pcid;
    uint64_t first = a->prepare_load(0, 0x5000 | p);
    CHECK_FALSE(flushed(first));  // clean: nothing cached anywhere
    CHECK(a->user_pcid_to_flush(first) == 0);
    a->invalidate(p);
    uint64_t again = a->prepare_load(0, 0x5000 | p);
    CHECK(flushed(again));
    CHECK(a->user_pcid_to_flush(again) == user_pcid_of(p));
    CHECK(a->user_pcid_to_flush(0x9000) == 0);  // PCID 0: its loads flush both roots
    // Without pairs there is no user PCID.
    auto plain = std::make_unique<PcidAllocator>();
    uint16_t q = plain->allocate().pcid;
    plain->invalidate(q);
    uint64_t v = plain->prepare_load(0, 0x5000 | q);
    CHECK(flushed(v));
    CHECK(plain->user_pcid_to_flush(v) == 0);
}

TEST_CASE("pcid pairs: AddressSpace's two root words carry the pair") {
    nyanos::test::FakeMemoryContext context;
    context.enable_user_roots();
    auto pcids = pair_allocator();
    context.pcids = pcids.get();
    {
        auto space = AddressSpace::try_create(context).release_value();
        uint16_t p = space.pcid();
        CHECK(p != kKernelPcid);
        CHECK(p < kPairPcidLimit);
        CHECK(space.cr3() == (space.root() | p));
        CHECK(space.user_cr3() == (space.user_root() | p | kUserPcidBit));
        CHECK(pcids->in_use() == 1);
    }
    CHECK(pcids->in_use() == 0);
    CHECK(context.leaked() == 0);
    // With isolation but no PCIDs, the user root word is the root alone.
    context.pcids = nullptr;
    auto plain = AddressSpace::try_create(context).release_value();
    CHECK(plain.user_cr3() == plain.user_root());
}

TEST_CASE("pcid pairs: a failing allocation at every N leaks no frame and no PCID") {
    // N = 1, 2 fail the creation (the root, the user root); later N fail a
    // mapping of the new space, which is then destroyed with its pair.
    nyanos::test::FakeMemoryContext context;
    context.enable_user_roots();
    auto pcids = pair_allocator();
    context.pcids = pcids.get();
    int failed_creations = 0, failed_maps = 0;
    for (size_t n = 1; n <= 10; ++n) {
        CAPTURE(n);
        context.allocator.fail_at(n);
        {
            auto space = AddressSpace::try_create(context);
            if (!space.ok()) {
                ++failed_creations;
                CHECK(pcids->in_use() == 0);  // the PCID is taken last, after every frame
            } else {
                CHECK(space.value().user_cr3() ==
                      (space.value().user_root() | user_pcid_of(space.value().pcid())));
                if (!space.value().map_anonymous(0x400000, 3, PageFlags{.writable = true}).ok())
                    ++failed_maps;
            }
            context.allocator.never_fail();
        }
        CHECK(pcids->in_use() == 0);
        CHECK(context.leaked() == 0);
    }
    CHECK(failed_creations == 2);
    CHECK(failed_maps > 0);
    // Every pair came back: the next allocations still find clean PCIDs.
    CHECK_FALSE(pcids->allocate().must_flush);
}

namespace {

// Several CPUs running spaces with PCID pairs, as the kernel does:
//  - a switch (kernel mode) loads a space's kernel root through
//    prepare_load, and flushes the user PCID when user_pcid_to_flush says;
//  - entry and exit load the entry-area root words (entry_cr3_of);
//  - user mode touches the user half under the user PCID, kernel mode
//    (copy to or from user) under the kernel PCID;
//  - a change to a space's user half, made in kernel mode, invlpg's and
//    INVPCIDs the user PCID where live (invalidate_user_page), marks the
//    other CPUs (invalidate_other_cpus) or all (invalidate), and shoots
//    down the CPUs that have the space loaded: their handler reloads CR3,
//    flushes the user PCID (flush_user_pcid_here) and calls mark_flushed.
// After every step no CPU's TLB holds, under its live PCID, a translation
// its live space's table does not have. `skip_user_flush` leaves out the
// user PCID's flushes, to show that the check then finds stale entries.
class PairModel {
public:
    static constexpr uint32_t kCpus = 4;
    static constexpr int kSpaceLimit = 8;
    static constexpr int kFreePcids = 5;

    PairModel(uint32_t seed, bool skip_user_flush)
        : m_random(seed), m_pcids(pair_allocator()), m_skip_user_flush(skip_user_flush) {
        // Hold all but kFreePcids, so pairs are reused and run out often.
        for (int i = 0; i < kPairPcidLimit - 1 - kFreePcids; ++i)
            REQUIRE(!m_pcids->allocate().shared);
        for (auto& cpu : m_cpus) cpu.tlb.load_cr3(kKernelRoot);
    }

    void step() {
        unsigned r = pick(100);
        uint32_t c = pick(kCpus);
        if (r < 20)
            switch_space(c);
        else if (r < 35)
            m_cpus[c].user ? enter(c) : exit_to_user(c);
        else if (r < 70)
            access(c);
        else if (r < 82)
            change(c);
        else if (r < 91)
            create();
        else
            destroy();
        check_tlbs();
    }

    int stale = 0;  // translations found stale under a live PCID
    // Counts showing the schedule reached every path.
    int reused = 0, shared = 0, user_flushes = 0, kept_switches = 0, quiet_entries = 0,
        shootdowns = 0, live_changes = 0, remote_changes = 0, user_hits = 0, kernel_hits = 0;

private:
    static constexpr uint64_t kKernelRoot = 0x9000;
    static constexpr int kKernel = -1;

    struct Space {
        uint64_t root, user_root;
        uint16_t pcid;
        bool alive;
        std::map<uint64_t, uint64_t> pages;  // the user half: va -> pa
        uint64_t cr3() const { return root | pcid; }
        uint64_t user_cr3() const { return user_root | user_pcid_of(pcid); }
    };
    struct Cpu {
        ModelTlb tlb;
        int live = kKernel;  // the space whose kernel root was last loaded
        bool user = false;   // on its user root (user mode)
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
    bool loaded_anywhere(int s) const {
        for (auto& cpu : m_cpus)
            if (cpu.live == s) return true;
        return false;
    }

    void create() {
        if (int(alive_spaces().size()) >= kSpaceLimit) return;
        PcidAssignment p = m_pcids->allocate();
        if (p.shared) ++shared;
        if (p.must_flush && !p.shared) ++reused;
        uint64_t n = m_spaces.size();
        m_spaces.push_back({0x100000 + n * 0x2000, 0x101000 + n * 0x2000, p.pcid, true, {}});
    }

    void destroy() {
        std::vector<int> candidates;
        for (int s : alive_spaces())
            if (!loaded_anywhere(s)) candidates.push_back(s);
        if (candidates.empty()) return;
        Space& space = m_spaces[candidates[pick(unsigned(candidates.size()))]];
        m_pcids->release(space.pcid);
        space.alive = false;
    }

    // The scheduler's switch, always in kernel mode.
    void switch_space(uint32_t c) {
        Cpu& cpu = m_cpus[c];
        if (cpu.user) enter(c);  // the timer interrupt that leads to it
        auto spaces = alive_spaces();
        int s = spaces.empty() || pick(4) == 0 ? kKernel : spaces[pick(unsigned(spaces.size()))];
        uint64_t cr3 = s == kKernel ? kKernelRoot : m_spaces[s].cr3();
        uint64_t loaded = m_pcids->prepare_load(c, cr3);
        CHECK((loaded & ~kCr3NoFlush) == cr3);
        cpu.tlb.load_cr3(loaded);
        if (uint16_t u = m_pcids->user_pcid_to_flush(loaded)) {
            ++user_flushes;
            if (!m_skip_user_flush) cpu.tlb.flush(u);
        }
        if (!flushed(loaded)) ++kept_switches;
        cpu.live = s;
    }

    void enter(uint32_t c) {
        Cpu& cpu = m_cpus[c];
        if (!cpu.user) return;
        uint64_t value = entry_cr3_of(m_spaces[cpu.live].cr3(), true);
        if (m_spaces[cpu.live].pcid != kKernelPcid) {
            CHECK_FALSE(flushed(value));  // the point of the pair
            ++quiet_entries;
        }
        cpu.tlb.load_cr3(value);
        cpu.user = false;
    }

    void exit_to_user(uint32_t c) {
        Cpu& cpu = m_cpus[c];
        if (cpu.user || cpu.live == kKernel) return;
        uint64_t value = entry_cr3_of(m_spaces[cpu.live].user_cr3(), true);
        if (m_spaces[cpu.live].pcid != kKernelPcid) CHECK_FALSE(flushed(value));
        cpu.tlb.load_cr3(value);
        cpu.user = true;
    }

    // A touch of a user page: a hit must agree with the table (check_tlbs
    // checks every entry again), a miss fills from it.
    void access(uint32_t c) {
        Cpu& cpu = m_cpus[c];
        if (cpu.live == kKernel) return;
        const Space& space = m_spaces[cpu.live];
        uint64_t va = 0x400000 + pick(4) * 0x1000;
        auto page = space.pages.find(va);
        if (cpu.tlb.lookup(va)) {
            ++(cpu.user ? user_hits : kernel_hits);
        } else if (page != space.pages.end()) {
            cpu.tlb.fill(va, page->second);
        }
    }

    void change(uint32_t c) {
        auto spaces = alive_spaces();
        if (spaces.empty()) return;
        Cpu& cpu = m_cpus[c];
        if (cpu.user) enter(c);  // the system call that changes memory
        int s = spaces[pick(unsigned(spaces.size()))];
        Space& space = m_spaces[s];
        uint64_t va = 0x400000 + pick(4) * 0x1000;
        if (pick(3) == 0)
            space.pages.erase(va);
        else
            space.pages[va] = m_next_frame += 0x1000;
        if (cpu.live == s) {
            ++live_changes;
            cpu.tlb.invlpg(va);  // invalidate_user_page
            if (!m_skip_user_flush && space.pcid != kKernelPcid)
                cpu.tlb.invpcid_address(user_pcid_of(space.pcid), va);
            m_pcids->invalidate_other_cpus(c, space.pcid);
        } else {
            ++remote_changes;
            m_pcids->invalidate(space.pcid);
        }
        for (uint32_t o = 0; o < kCpus; ++o) {
            if (o == c || m_cpus[o].live != s) continue;
            ++shootdowns;
            Cpu& other = m_cpus[o];
            bool was_user = other.user;
            enter(o);                         // the IPI from user mode enters the kernel
            other.tlb.load_cr3(space.cr3());  // the handler's reload, without no-flush
            if (!m_skip_user_flush && space.pcid != kKernelPcid)
                other.tlb.flush(user_pcid_of(space.pcid));  // flush_user_pcid_here
            m_pcids->mark_flushed(o, space.pcid);
            if (was_user) exit_to_user(o);
        }
    }

    void check_tlbs() {
        for (auto& cpu : m_cpus) {
            for (auto& [key, pa] : cpu.tlb.entries) {
                if (key.first != cpu.tlb.live_pcid) continue;
                if (cpu.live == kKernel) {
                    ++stale;  // nothing is filled under the kernel's root
                    continue;
                }
                const auto& pages = m_spaces[cpu.live].pages;
                auto page = pages.find(key.second);
                if (page == pages.end() || page->second != pa) ++stale;
            }
        }
    }

    std::mt19937 m_random;
    std::unique_ptr<PcidAllocator> m_pcids;
    bool m_skip_user_flush;
    Cpu m_cpus[kCpus];
    std::vector<Space> m_spaces;
    uint64_t m_next_frame = 0x10000000;
};

}  // namespace

TEST_CASE("pcid pairs: 4 model CPUs switching spaces and roots never use a stale entry") {
    for (uint32_t seed : {1u, 2u, 3u, 4u, 5u, 6u}) {
        CAPTURE(seed);
        PairModel model(seed, false);
        for (int i = 0; i < 5000; ++i) model.step();
        CHECK(model.stale == 0);
        // The schedule reached every path it is meant to check.
        CHECK(model.reused > 0);
        CHECK(model.shared > 0);
        CHECK(model.user_flushes > 0);
        CHECK(model.kept_switches > 0);
        CHECK(model.quiet_entries > 0);
        CHECK(model.shootdowns > 0);
        CHECK(model.live_changes > 0);
        CHECK(model.remote_changes > 0);
        CHECK(model.user_hits > 0);
        CHECK(model.kernel_hits > 0);
    }
}

TEST_CASE("pcid pairs: without the user PCID's flushes the model finds stale entries") {
    // The same schedules with the user half of each flush left out: the
    // check above has teeth.
    int stale = 0;
    for (uint32_t seed : {1u, 2u, 3u, 4u, 5u, 6u}) {
        PairModel model(seed, true);
        for (int i = 0; i < 5000; ++i) model.step();
        stale += model.stale;
    }
    CHECK(stale > 0);
}
