// MappedExtents: the few ranges an AddressSpace's destructor walks. Merging
// of overlapping and touching ranges, the order they arrive in, the closest
// pair merged when a fifth range does not fit, and a randomized run against
// a page bitmap: the ranges must always cover every page ever added, and
// never more than the model (which fills the smallest gap when full).
#include <doctest/doctest.h>

#include <random>
#include <utility>
#include <vector>

#include "mm/mapped_extents.h"

using namespace nyanos;
// Four ranges, the size these cases were written for; the kernel uses
// BasicMappedExtents<3> (MappedExtents), whose merging logic is the same.
using MappedExtents = nyanos::mm::BasicMappedExtents<4>;

namespace {

constexpr uint64_t kPage = 0x1000;

using Ranges = std::vector<std::pair<uint64_t, uint64_t>>;

Ranges ranges_of(const MappedExtents& e) {
    Ranges out;
    for (size_t i = 0; i < e.count(); ++i) out.emplace_back(e.ranges()[i].lo, e.ranges()[i].hi);
    return out;
}

// Sorted, non-empty, disjoint and not touching, at most kMaxRanges.
void check_well_formed(const MappedExtents& e) {
    REQUIRE(e.count() <= MappedExtents::kMaxRanges);
    for (size_t i = 0; i < e.count(); ++i) {
        CHECK(e.ranges()[i].lo < e.ranges()[i].hi);
        if (i + 1 < e.count()) CHECK(e.ranges()[i].hi < e.ranges()[i + 1].lo);
    }
}

// Adds page ranges [lo, hi) given in pages.
void add_pages(MappedExtents& e, uint64_t lo, uint64_t hi) {
    e.add(lo * kPage, hi * kPage);
}

Ranges pages(std::initializer_list<std::pair<uint64_t, uint64_t>> list) {
    Ranges out;
    for (auto [lo, hi] : list) out.emplace_back(lo * kPage, hi * kPage);
    return out;
}

}  // namespace

TEST_CASE("mapped extents: empty, then one range") {
    MappedExtents e;
    CHECK(e.count() == 0);
    e.add(0x400000, 0x403000);
    CHECK(ranges_of(e) == Ranges{{0x400000, 0x403000}});
    // A range inside it changes nothing.
    e.add(0x401000, 0x402000);
    CHECK(ranges_of(e) == Ranges{{0x400000, 0x403000}});
    e.add(0x400000, 0x403000);
    CHECK(ranges_of(e) == Ranges{{0x400000, 0x403000}});
}

TEST_CASE("mapped extents: overlapping and touching ranges merge, on either side") {
    SUBCASE("overlap above") {
        MappedExtents e;
        add_pages(e, 10, 20);
        add_pages(e, 15, 30);
        CHECK(ranges_of(e) == pages({{10, 30}}));
    }
    SUBCASE("overlap below") {
        MappedExtents e;
        add_pages(e, 10, 20);
        add_pages(e, 5, 12);
        CHECK(ranges_of(e) == pages({{5, 20}}));
    }
    SUBCASE("touching above and below") {
        MappedExtents e;
        add_pages(e, 10, 20);
        add_pages(e, 20, 21);
        add_pages(e, 9, 10);
        CHECK(ranges_of(e) == pages({{9, 21}}));
    }
    SUBCASE("a range covering an existing one") {
        MappedExtents e;
        add_pages(e, 10, 20);
        add_pages(e, 1, 100);
        CHECK(ranges_of(e) == pages({{1, 100}}));
    }
    SUBCASE("a range that bridges two neighbours, touching both") {
        MappedExtents e;
        add_pages(e, 10, 20);
        add_pages(e, 30, 40);
        add_pages(e, 50, 60);
        add_pages(e, 20, 30);
        CHECK(ranges_of(e) == pages({{10, 40}, {50, 60}}));
        add_pages(e, 39, 51);  // overlaps both
        CHECK(ranges_of(e) == pages({{10, 60}}));
    }
    SUBCASE("a range that swallows several and touches the next") {
        MappedExtents e;
        add_pages(e, 10, 11);
        add_pages(e, 12, 13);
        add_pages(e, 14, 15);
        add_pages(e, 20, 21);
        add_pages(e, 9, 20);
        CHECK(ranges_of(e) == pages({{9, 21}}));
    }
}

TEST_CASE("mapped extents: disjoint ranges stay apart and sorted, whatever the order") {
    MappedExtents e;
    add_pages(e, 50, 51);
    add_pages(e, 10, 12);
    add_pages(e, 30, 33);
    CHECK(ranges_of(e) == pages({{10, 12}, {30, 33}, {50, 51}}));
    add_pages(e, 13, 14);  // a one-page gap is kept
    CHECK(ranges_of(e) == pages({{10, 12}, {13, 14}, {30, 33}, {50, 51}}));
    check_well_formed(e);

    // A process's image and its stack just below the top of the user half.
    MappedExtents p;
    p.add(0x7ffffffde000, 0x7ffffffff000);
    p.add(0x400000, 0x403000);
    p.add(0xfff000, 0x1000000);
    CHECK(ranges_of(p) ==
          Ranges{{0x400000, 0x403000}, {0xfff000, 0x1000000}, {0x7ffffffde000, 0x7ffffffff000}});
}

TEST_CASE("mapped extents: a fifth range merges the two closest neighbours") {
    SUBCASE("the closest pair is among the old ranges") {
        MappedExtents e;
        add_pages(e, 0, 1);
        add_pages(e, 10, 11);
        add_pages(e, 12, 13);  // gap of 1 to the previous one
        add_pages(e, 30, 31);
        add_pages(e, 50, 51);
        CHECK(ranges_of(e) == pages({{0, 1}, {10, 13}, {30, 31}, {50, 51}}));
    }
    SUBCASE("the closest pair includes the new range, below") {
        MappedExtents e;
        add_pages(e, 10, 11);
        add_pages(e, 20, 21);
        add_pages(e, 30, 31);
        add_pages(e, 40, 41);
        add_pages(e, 0, 9);
        CHECK(ranges_of(e) == pages({{0, 11}, {20, 21}, {30, 31}, {40, 41}}));
    }
    SUBCASE("the closest pair includes the new range, above") {
        MappedExtents e;
        add_pages(e, 10, 11);
        add_pages(e, 20, 21);
        add_pages(e, 30, 31);
        add_pages(e, 40, 41);
        add_pages(e, 42, 43);
        CHECK(ranges_of(e) == pages({{10, 11}, {20, 21}, {30, 31}, {40, 43}}));
    }
    SUBCASE("the new range between two, closest to its upper neighbour") {
        MappedExtents e;
        add_pages(e, 10, 11);
        add_pages(e, 20, 21);
        add_pages(e, 30, 31);
        add_pages(e, 40, 41);
        add_pages(e, 28, 29);
        CHECK(ranges_of(e) == pages({{10, 11}, {20, 21}, {28, 31}, {40, 41}}));
    }
    SUBCASE("far-apart addresses: the gap is measured in bytes, not entries") {
        MappedExtents e;
        e.add(0x400000, 0x404000);
        e.add(0x600000, 0x601000);
        e.add(0x10000000, 0x10001000);
        e.add(0x7ffffffde000, 0x7ffffffff000);
        e.add(0x7fff00000000, 0x7fff00001000);
        CHECK(ranges_of(e) == Ranges{{0x400000, 0x601000},
                                     {0x10000000, 0x10001000},
                                     {0x7fff00000000, 0x7fff00001000},
                                     {0x7ffffffde000, 0x7ffffffff000}});
    }
    SUBCASE("a full set still takes a range that overlaps one of them, without merging") {
        MappedExtents e;
        add_pages(e, 10, 11);
        add_pages(e, 20, 21);
        add_pages(e, 30, 31);
        add_pages(e, 40, 41);
        add_pages(e, 19, 22);
        CHECK(ranges_of(e) == pages({{10, 11}, {19, 22}, {30, 31}, {40, 41}}));
    }
}

TEST_CASE("mapped extents: a copy is independent of the original") {
    MappedExtents a;
    add_pages(a, 1, 2);
    add_pages(a, 5, 6);
    MappedExtents b = a;
    add_pages(a, 2, 5);
    CHECK(ranges_of(a) == pages({{1, 6}}));
    CHECK(ranges_of(b) == pages({{1, 2}, {5, 6}}));
}

// The model: a bitmap of covered pages. Adding sets the range's bits; if
// that leaves more than kMaxRanges runs, the smallest gap between two runs
// (the lowest one on a tie) is filled.
TEST_CASE("mapped extents: random adds always cover every page added, as the model does") {
    constexpr uint64_t kPages = 1024;
    std::mt19937_64 rng(20240611);
    for (int round = 0; round < 300; ++round) {
        CAPTURE(round);
        MappedExtents e;
        std::vector<bool> added(kPages, false);    // pages passed to add()
        std::vector<bool> covered(kPages, false);  // the model
        int adds = 1 + int(rng() % 40);
        for (int k = 0; k < adds; ++k) {
            uint64_t lo = rng() % kPages;
            uint64_t len = (rng() % 4 == 0) ? 1 + rng() % 200 : 1 + rng() % 4;
            uint64_t hi = std::min(kPages, lo + len);
            CAPTURE(lo);
            CAPTURE(hi);
            e.add(lo * kPage, hi * kPage);
            for (uint64_t p = lo; p < hi; ++p) added[p] = covered[p] = true;

            auto runs = [&] {
                Ranges r;
                for (uint64_t p = 0; p < kPages;) {
                    if (!covered[p]) {
                        ++p;
                        continue;
                    }
                    uint64_t start = p;
                    while (p < kPages && covered[p]) ++p;
                    r.emplace_back(start * kPage, p * kPage);
                }
                return r;
            };
            Ranges model = runs();
            if (model.size() > MappedExtents::kMaxRanges) {
                REQUIRE(model.size() == MappedExtents::kMaxRanges + 1);
                size_t best = 0;
                for (size_t i = 1; i + 1 < model.size(); ++i)
                    if (model[i + 1].first - model[i].second <
                        model[best + 1].first - model[best].second)
                        best = i;
                for (uint64_t p = model[best].second / kPage; p < model[best + 1].first / kPage;
                     ++p)
                    covered[p] = true;
                model = runs();
            }

            check_well_formed(e);
            CHECK(ranges_of(e) == model);
            // Whatever the merging, every page ever added is covered.
            for (uint64_t p = 0; p < kPages; ++p) {
                if (!added[p]) continue;
                bool in = false;
                for (size_t i = 0; i < e.count(); ++i)
                    in |= e.ranges()[i].lo <= p * kPage && p * kPage < e.ranges()[i].hi;
                if (!in) FAIL("page " << p << " added but not covered");
            }
            // And every range starts and ends on pages that were added.
            for (size_t i = 0; i < e.count(); ++i) {
                CHECK(added[e.ranges()[i].lo / kPage]);
                CHECK(added[e.ranges()[i].hi / kPage - 1]);
            }
        }
    }
}

TEST_CASE(
    "mapped extents: the kernel's three ranges keep a process's image, stack and heap apart") {
    nyanos::mm::MappedExtents e;  // BasicMappedExtents<3>, as in AddressSpace
    e.add(0x400000, 0x403000);    // text, rodata, data
    e.add(0xfff000, 0x1000000);   // the top stack page
    e.add(0x1001000, 0x1002000);  // the first heap page
    REQUIRE(e.count() == 3);
    e.add(0xffe000, 0xfff000);    // the stack grows down: same range
    e.add(0x1002000, 0x1003000);  // the heap grows up: same range
    REQUIRE(e.count() == 3);
    CHECK(e.ranges()[1].lo == 0xffe000);
    CHECK(e.ranges()[2].hi == 0x1003000);
    // A fourth, far away: the closest pair (stack and heap, one page apart) merges.
    e.add(0x40000000, 0x40001000);
    REQUIRE(e.count() == 3);
    CHECK(e.ranges()[0].lo == 0x400000);
    CHECK(e.ranges()[0].hi == 0x403000);
    CHECK(e.ranges()[1].lo == 0xffe000);
    CHECK(e.ranges()[1].hi == 0x1003000);
    CHECK(e.ranges()[2].lo == 0x40000000);
}
