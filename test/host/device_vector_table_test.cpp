// Device interrupt vectors: handing out, exhaustion, release and reuse,
// dispatch counting, strays, and the listing /proc/interrupts walks.
#include <doctest/doctest.h>

#include "lib/device_vector_table.h"

using namespace nyanos;

namespace {

int g_calls = 0;
void count_call(void* context) {
    ++g_calls;
    ++*static_cast<int*>(context);
}
void other_handler(void*) {}

// doctest cannot print function pointers: compare them outside its macros.
bool bound(const DeviceVectorTable::Binding& b) {
    return b.handler != nullptr;
}
bool bound_to(const DeviceVectorTable::Binding& b, DeviceVectorTable::Handler h) {
    return b.handler == h;
}

}  // namespace

TEST_CASE("device vectors: lowest first, each once, then kBusy") {
    DeviceVectorTable table(0x40, 0x43);
    int ctx = 0;
    for (unsigned want = 0x40; want <= 0x43; ++want) {
        auto v = table.allocate(count_call, &ctx, "dev", 0);
        REQUIRE(v.ok());
        CHECK(v.value() == want);
    }
    CHECK(table.bound() == 4);
    auto none = table.allocate(count_call, &ctx, "dev", 0);
    REQUIRE(!none.ok());
    CHECK(none.error() == Error::kBusy);
    CHECK(table.bound() == 4);
}

TEST_CASE("device vectors: a released vector is handed out again, its count reset") {
    DeviceVectorTable table(0x40, 0x42);
    int a = 0, b = 0;
    REQUIRE(table.allocate(count_call, &a, "a", 0).ok());             // 0x40
    uint8_t middle = table.allocate(count_call, &a, "b", 1).value();  // 0x41
    REQUIRE(table.allocate(count_call, &a, "c", 0).ok());             // 0x42
    CHECK(middle == 0x41);
    CHECK(table.take(middle).count == 1);
    CHECK(table.take(middle).count == 2);
    REQUIRE(table.release(middle).ok());
    CHECK(!bound(table.binding(middle)));
    CHECK(table.bound() == 2);
    // A second release of the same vector is refused.
    auto again = table.release(middle);
    REQUIRE(!again.ok());
    CHECK(again.error() == Error::kNoEntry);
    // The freed slot is the only one, so it comes back, bound to the new handler.
    auto reused = table.allocate(other_handler, &b, "d", 3);
    REQUIRE(reused.ok());
    CHECK(reused.value() == middle);
    DeviceVectorTable::Binding now = table.binding(middle);
    CHECK(bound_to(now, other_handler));
    CHECK(now.context == &b);
    CHECK(now.cpu == 3);
    CHECK(now.count == 0);
    CHECK(now.name[0] == 'd');
}

TEST_CASE("device vectors: take() counts bound vectors and ignores strays") {
    DeviceVectorTable table(0x50, 0x5f);
    int ctx = 0;
    g_calls = 0;
    uint8_t v = table.allocate(count_call, &ctx, "xhci", 0).value();
    for (int i = 0; i < 5; ++i) {
        DeviceVectorTable::Binding b = table.take(v);
        REQUIRE(bound(b));
        b.handler(b.context);
    }
    CHECK(ctx == 5);
    CHECK(g_calls == 5);
    CHECK(table.binding(v).count == 5);
    // A free vector in the range, and vectors outside it, have no handler and no count.
    CHECK(!bound(table.take(0x51)));
    CHECK(table.binding(0x51).count == 0);
    CHECK(!bound(table.take(0x4f)));
    CHECK(!bound(table.take(0x60)));
    CHECK(!bound(table.take(1000)));
    CHECK(!table.in_range(0x4f));
    CHECK(table.in_range(0x50));
    CHECK(table.in_range(0x5f));
    CHECK(!table.in_range(0x60));
}

TEST_CASE("device vectors: bad requests") {
    DeviceVectorTable table(0x40, 0x4f);
    int ctx = 0;
    CHECK(table.allocate(nullptr, &ctx, "x", 0).error() == Error::kInvalid);
    CHECK(table.allocate(count_call, &ctx, nullptr, 0).error() == Error::kInvalid);
    CHECK(table.release(0x3f).error() == Error::kInvalid);
    CHECK(table.release(0x50).error() == Error::kInvalid);
    CHECK(table.release(0x40).error() == Error::kNoEntry);
    CHECK(table.bound() == 0);
    // An empty range hands out nothing.
    DeviceVectorTable empty(0x50, 0x4f);
    CHECK(empty.allocate(count_call, &ctx, "x", 0).error() == Error::kInvalid);
}

TEST_CASE("device vectors: the whole byte range, and the listing in vector order") {
    DeviceVectorTable table(0, 255);
    int ctx = 0;
    for (unsigned i = 0; i < 256; ++i) REQUIRE(table.allocate(count_call, &ctx, "v", 0).ok());
    CHECK(table.allocate(count_call, &ctx, "v", 0).error() == Error::kBusy);
    CHECK(table.bound() == 256);
    REQUIRE(table.release(255).ok());
    REQUIRE(table.release(7).ok());
    REQUIRE(table.release(0).ok());
    CHECK(table.bound() == 253);
    CHECK(table.nth_bound(0).value() == 1);
    CHECK(table.nth_bound(5).value() == 6);  // 1..6, then 8
    CHECK(table.nth_bound(6).value() == 8);
    CHECK(table.nth_bound(252).value() == 254);
    CHECK(table.nth_bound(253).error() == Error::kNoEntry);
    // Released ones come back lowest first.
    CHECK(table.allocate(count_call, &ctx, "v", 0).value() == 0);
    CHECK(table.allocate(count_call, &ctx, "v", 0).value() == 7);
    CHECK(table.allocate(count_call, &ctx, "v", 0).value() == 255);
}
