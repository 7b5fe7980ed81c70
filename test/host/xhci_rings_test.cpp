// xHCI ring bookkeeping against plain memory: a producer ring read back the
// way the controller reads it (cycle bits, the Link TRB), and an event ring
// fed the way the controller writes it, over many laps.
#include <doctest/doctest.h>

#include <vector>

#include "usb/xhci_event_ring.h"
#include "usb/xhci_producer_ring.h"

using namespace nyanos;
using namespace nyanos::usb;

namespace {

constexpr uint64_t kPhys = 0x12340000;  // a made-up bus address, 64 KiB aligned

// Reads a producer ring as the controller does: a TRB is new when its cycle
// bit matches the consumer cycle; a Link TRB sends it back to the start and
// toggles that cycle.
struct FakeController {
    const Trb* segment;
    uint64_t phys;
    size_t index = 0;
    bool cycle = true;

    bool fetch(Trb& out, uint64_t& at) {
        for (int hops = 0; hops < 2; ++hops) {
            const Trb& trb = segment[index];
            if (trb.cycle() != cycle) return false;
            if (trb.type() == trb_type::kLink) {
                CHECK(trb.parameter == phys);
                if (trb.control & trb_control::kToggleCycle) cycle = !cycle;
                index = 0;
                continue;
            }
            out = trb;
            at = phys + index * sizeof(Trb);
            ++index;
            return true;
        }
        FAIL("two Link TRBs in a row");
        return false;
    }
};

// Writes events as the controller does: with its producer cycle, toggled at
// each wrap of the segment.
struct FakeEventWriter {
    Trb* segment;
    size_t count;
    size_t index = 0;
    bool cycle = true;

    void write(Trb trb) {
        trb.control = (trb.control & ~trb_control::kCycle) | (cycle ? trb_control::kCycle : 0);
        segment[index] = trb;
        if (++index == count) {
            index = 0;
            cycle = !cycle;
        }
    }
};

Trb normal(uint64_t parameter, uint32_t extra_control = 0) {
    return Trb{parameter, 8, trb_type_bits(trb_type::kNormal) | extra_control};
}

Trb event(uint64_t parameter, uint8_t type = trb_type::kTransferEvent) {
    return Trb{parameter, uint32_t(completion_code::kSuccess) << 24, trb_type_bits(type)};
}

}  // namespace

TEST_CASE("xhci rings: a segment must be 64-byte aligned and not cross 64 KiB") {
    CHECK(is_valid_ring_segment(0x1000, 256));    // one page
    CHECK(is_valid_ring_segment(0xf000, 256));    // ends at 0xffff
    CHECK(is_valid_ring_segment(0x10000, 4096));  // exactly 64 KiB
    CHECK(!is_valid_ring_segment(0x10000, 4097));
    CHECK(!is_valid_ring_segment(0xf040, 256));  // runs into the next 64 KiB
    CHECK(!is_valid_ring_segment(0x1010, 16));   // 16-byte aligned only
    CHECK(!is_valid_ring_segment(0x1000, 0));
    CHECK(!is_valid_ring_segment(0xffffffffffffffc0, 8));  // wraps
}

TEST_CASE("xhci producer ring: refused segments") {
    alignas(64) Trb segment[16];
    CHECK(ProducerRing::try_create(segment, kPhys, 1).error() == Error::kInvalid);
    CHECK(ProducerRing::try_create(segment, kPhys + 16, 16).error() == Error::kInvalid);
    CHECK(ProducerRing::try_create(segment, kPhys + 0xffc0, 16).error() == Error::kInvalid);
    CHECK(ProducerRing::try_create(segment, kPhys, 2).ok());
}

TEST_CASE("xhci producer ring: a new ring holds nothing for the controller but its Link TRB") {
    alignas(64) Trb segment[16];
    for (Trb& t : segment) t = Trb{~0ull, ~0u, ~0u};  // stale DMA memory
    auto r = ProducerRing::try_create(segment, kPhys, 16);
    REQUIRE(r.ok());
    ProducerRing& ring = r.value();
    CHECK(ring.dequeue_pointer_for_controller() == (kPhys | 1));
    CHECK(ring.enqueue_phys() == kPhys);
    CHECK(ring.free_trbs() == 15);
    CHECK(ring.cycle());
    const Trb& link = segment[15];
    CHECK(link.type() == trb_type::kLink);
    CHECK(link.parameter == kPhys);
    CHECK((link.control & trb_control::kToggleCycle) != 0);
    CHECK(!link.cycle());
    for (int i = 0; i < 15; ++i) CHECK(segment[i].control == 0);
    FakeController xhc{segment, kPhys};
    Trb trb;
    uint64_t at;
    CHECK(!xhc.fetch(trb, at));
}

TEST_CASE("xhci producer ring: TRBs reach the controller in order with the cycle bit set") {
    alignas(64) Trb segment[16];
    auto r = ProducerRing::try_create(segment, kPhys, 16);
    REQUIRE(r.ok());
    ProducerRing& ring = r.value();
    FakeController xhc{segment, kPhys};
    for (uint64_t i = 0; i < 3; ++i) {
        auto at = ring.try_enqueue(normal(0x1000 + i, trb_control::kInterruptOnCompletion));
        REQUIRE(at.ok());
        CHECK(at.value() == kPhys + i * 16);
    }
    CHECK(ring.in_flight() == 3);
    for (uint64_t i = 0; i < 3; ++i) {
        Trb trb;
        uint64_t at;
        REQUIRE(xhc.fetch(trb, at));
        CHECK(trb.parameter == 0x1000 + i);
        CHECK(trb.status == 8);
        CHECK(trb.type() == trb_type::kNormal);
        CHECK((trb.control & trb_control::kInterruptOnCompletion) != 0);
        CHECK(at == kPhys + i * 16);
    }
    Trb trb;
    uint64_t at;
    CHECK(!xhc.fetch(trb, at));
    // The cycle bit the caller passes is the ring's business, not the caller's.
    REQUIRE(ring.try_enqueue(Trb{7, 0, trb_type_bits(trb_type::kNoOp)}).ok());
    CHECK(segment[3].cycle());
}

TEST_CASE("xhci producer ring: full until the controller completes TRBs") {
    alignas(64) Trb segment[4];  // three usable
    auto r = ProducerRing::try_create(segment, kPhys, 4);
    REQUIRE(r.ok());
    ProducerRing& ring = r.value();
    uint64_t at[3];
    for (int i = 0; i < 3; ++i) at[i] = ring.try_enqueue(normal(uint64_t(i))).value();
    CHECK(ring.free_trbs() == 0);
    CHECK(ring.try_enqueue(normal(3)).error() == Error::kNoSpace);
    REQUIRE(ring.try_complete(at[0]).ok());
    CHECK(ring.free_trbs() == 1);
    REQUIRE(ring.try_enqueue(normal(3)).ok());
    CHECK(ring.try_enqueue(normal(4)).error() == Error::kNoSpace);
    // Completing a later TRB frees the ones before it too (one event per TD).
    REQUIRE(ring.try_complete(at[2]).ok());
    CHECK(ring.free_trbs() == 2);
    CHECK(ring.in_flight() == 1);
}

TEST_CASE("xhci producer ring: completions that name no TRB in flight are refused") {
    alignas(64) Trb segment[8];
    auto r = ProducerRing::try_create(segment, kPhys, 8);
    REQUIRE(r.ok());
    ProducerRing& ring = r.value();
    uint64_t first = ring.try_enqueue(normal(1)).value();
    uint64_t second = ring.try_enqueue(normal(2)).value();
    CHECK(ring.try_complete(kPhys - 16).error() == Error::kInvalid);      // before the segment
    CHECK(ring.try_complete(first + 8).error() == Error::kInvalid);       // inside a TRB
    CHECK(ring.try_complete(kPhys + 7 * 16).error() == Error::kInvalid);  // the Link TRB
    CHECK(ring.try_complete(kPhys + 8 * 16).error() == Error::kInvalid);  // past the segment
    CHECK(ring.try_complete(kPhys + 2 * 16).error() == Error::kInvalid);  // not written yet
    CHECK(ring.in_flight() == 2);
    REQUIRE(ring.try_complete(first).ok());
    CHECK(ring.try_complete(first).error() == Error::kInvalid);  // already completed
    REQUIRE(ring.try_complete(second).ok());
    CHECK(ring.try_complete(second).error() == Error::kInvalid);
    CHECK(ring.in_flight() == 0);
}

TEST_CASE("xhci producer ring: a halted endpoint's TRBs are abandoned, the ring goes on after") {
    alignas(64) Trb segment[4];  // three usable
    auto r = ProducerRing::try_create(segment, kPhys, 4);
    REQUIRE(r.ok());
    ProducerRing& ring = r.value();
    CHECK(ring.dequeue_pointer_at_enqueue() == (kPhys | 1));
    uint64_t setup = ring.try_enqueue(normal(1)).value();
    (void)ring.try_enqueue(normal(2)).value();
    CHECK(ring.in_flight() == 2);
    ring.abandon_in_flight();  // the Setup stage stalled: neither TRB will run
    CHECK(ring.in_flight() == 0);
    CHECK(ring.free_trbs() == 3);
    CHECK(ring.try_complete(setup).error() == Error::kInvalid);  // no longer in flight
    // The controller is pointed at the next TRB to be written.
    CHECK(ring.dequeue_pointer_at_enqueue() == ((kPhys + 2 * 16) | 1));
    uint64_t next = ring.try_enqueue(normal(3)).value();
    CHECK(next == kPhys + 2 * 16);
    // Past the Link TRB the cycle state the controller is given flips.
    CHECK(ring.dequeue_pointer_at_enqueue() == (kPhys | 0));
    ring.abandon_in_flight();
    uint64_t wrapped = ring.try_enqueue(normal(4)).value();
    CHECK(wrapped == kPhys);
    CHECK((segment[0].control & trb_control::kCycle) == 0);  // written with the new cycle
    REQUIRE(ring.try_complete(wrapped).ok());
    CHECK(ring.in_flight() == 0);
}

TEST_CASE("xhci producer ring: many laps; the Link TRB toggles the cycle every lap") {
    alignas(64) Trb segment[8];  // seven usable
    auto r = ProducerRing::try_create(segment, kPhys, 8);
    REQUIRE(r.ok());
    ProducerRing& ring = r.value();
    FakeController xhc{segment, kPhys};
    uint64_t next_written = 0, next_read = 0;
    for (int round = 0; round < 200; ++round) {
        size_t batch = 1 + size_t(round % 7);  // 1..7 TRBs, up to a full ring
        REQUIRE(ring.free_trbs() == 7);
        uint64_t last = 0;
        for (size_t i = 0; i < batch; ++i) last = ring.try_enqueue(normal(next_written++)).value();
        Trb trb;
        uint64_t at = 0;
        for (size_t i = 0; i < batch; ++i) {
            REQUIRE(xhc.fetch(trb, at));
            CHECK(trb.parameter == next_read++);
        }
        CHECK(at == last);
        CHECK(!xhc.fetch(trb, at));
        CHECK(xhc.cycle == ring.cycle());
        REQUIRE(ring.try_complete(last).ok());
    }
    CHECK(next_read == next_written);
}

TEST_CASE("xhci producer ring: a chained TD across the wrap chains through the Link TRB") {
    alignas(64) Trb segment[4];
    auto r = ProducerRing::try_create(segment, kPhys, 4);
    REQUIRE(r.ok());
    ProducerRing& ring = r.value();
    FakeController xhc{segment, kPhys};
    Trb trb;
    uint64_t at;
    uint64_t a = ring.try_enqueue(normal(1)).value();
    REQUIRE(xhc.fetch(trb, at));
    REQUIRE(ring.try_complete(a).ok());
    REQUIRE(ring.try_enqueue(normal(2, trb_control::kChain)).ok());
    REQUIRE(ring.try_enqueue(normal(3, trb_control::kChain)).ok());  // the last before the link
    CHECK((segment[3].control & trb_control::kChain) != 0);
    CHECK(segment[3].cycle());  // handed to the controller for this lap
    CHECK(!ring.cycle());
    REQUIRE(ring.try_enqueue(normal(4)).ok());  // the TD's end, after the wrap
    CHECK(!segment[0].cycle());
    for (uint64_t expected : {2, 3, 4}) {
        REQUIRE(xhc.fetch(trb, at));
        CHECK(trb.parameter == expected);
    }
    CHECK(!xhc.fetch(trb, at));
}

TEST_CASE("xhci event ring: refused segments") {
    alignas(64) static Trb segment[EventRing::kMaxTrbs + 1];
    CHECK(EventRing::try_create(segment, kPhys, EventRing::kMinTrbs - 1).error() ==
          Error::kInvalid);
    CHECK(EventRing::try_create(segment, 0, EventRing::kMaxTrbs + 1).error() == Error::kInvalid);
    CHECK(EventRing::try_create(segment, kPhys + 32, 16).error() == Error::kInvalid);
    CHECK(EventRing::try_create(segment, kPhys + 0xff40, 16).error() == Error::kInvalid);
    CHECK(EventRing::try_create(segment, kPhys, EventRing::kMaxTrbs).ok());
}

TEST_CASE("xhci event ring: events are popped in order, stale memory is not an event") {
    alignas(64) Trb segment[16];
    for (Trb& t : segment) t = Trb{~0ull, ~0u, ~0u};  // cycle 1 everywhere, as garbage
    auto r = EventRing::try_create(segment, kPhys, 16);
    REQUIRE(r.ok());
    EventRing& ring = r.value();
    EventRingSegmentTableEntry entry = ring.segment_table_entry();
    CHECK(entry.segment_base == kPhys);
    CHECK(entry.segment_trbs == 16);
    CHECK(entry.reserved == 0);
    Trb out;
    CHECK(!ring.has_event());  // garbage with the wrong cycle is not an event
    CHECK(!ring.try_pop(out));
    CHECK(ring.dequeue_phys() == kPhys);

    FakeEventWriter xhc{segment, 16};
    Trb completion{kPhys + 0x40, uint32_t(completion_code::kShortPacket) << 24 | 5,
                   trb_type_bits(trb_type::kTransferEvent) | (3u << 16) | (7u << 24)};
    xhc.write(completion);
    xhc.write(event(2, trb_type::kCommandCompletionEvent));
    CHECK(ring.has_event());
    CHECK(ring.has_event());  // looking does not take it
    CHECK(ring.dequeue_phys() == kPhys);
    REQUIRE(ring.try_pop(out));
    CHECK(out.type() == trb_type::kTransferEvent);
    CHECK(out.parameter == kPhys + 0x40);
    CHECK(out.completion_code() == completion_code::kShortPacket);
    CHECK(out.transfer_length() == 5);
    CHECK(out.endpoint_id() == 3);
    CHECK(out.slot_id() == 7);
    REQUIRE(ring.try_pop(out));
    CHECK(out.type() == trb_type::kCommandCompletionEvent);
    CHECK(out.completion_code() == completion_code::kSuccess);
    CHECK(!ring.try_pop(out));
    CHECK(ring.dequeue_phys() == kPhys + 32);
    Trb port{uint64_t(4) << 24, 0, trb_type_bits(trb_type::kPortStatusChangeEvent)};
    xhc.write(port);
    REQUIRE(ring.try_pop(out));
    CHECK(out.port_id() == 4);
}

TEST_CASE("xhci event ring: many laps; the consumer cycle follows the controller's") {
    alignas(64) Trb segment[16];
    auto r = EventRing::try_create(segment, kPhys, 16);
    REQUIRE(r.ok());
    EventRing& ring = r.value();
    FakeEventWriter xhc{segment, 16};
    uint64_t written = 0, read = 0;
    for (int round = 0; round < 300; ++round) {
        size_t batch = 1 + size_t(round * 7 % 16);  // 1..16: up to a whole segment
        for (size_t i = 0; i < batch; ++i) xhc.write(event(written++));
        CHECK(ring.has_event());
        Trb out;
        while (ring.try_pop(out)) CHECK(out.parameter == read++);
        CHECK(!ring.has_event());
        CHECK(read == written);
        CHECK(ring.cycle() == xhc.cycle);
        CHECK(ring.dequeue_phys() == kPhys + xhc.index * sizeof(Trb));
    }
}
