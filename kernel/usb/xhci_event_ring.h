// The event ring the controller produces and the driver consumes (xHCI 1.2,
// section 4.9.4): one segment, described to the controller by a one-entry
// Event Ring Segment Table. The controller writes each event with its cycle
// bit and wraps at the segment's end, toggling its cycle; an event is new
// when its bit matches the consumer's cycle state.
//
// Pure bookkeeping on memory the caller provides: writing ERSTSZ, ERSTBA and
// ERDP (with its Event Handler Busy bit) stays with the driver. Not locked:
// one owner (the interrupt handler, or the poller) pops.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "nyanos/lib/result.h"
#include "usb/xhci_trb.h"

namespace nyanos::usb {

// One entry of the Event Ring Segment Table (xHCI 1.2, section 6.5).
struct alignas(16) EventRingSegmentTableEntry {
    uint64_t segment_base;
    uint32_t segment_trbs;
    uint32_t reserved;
};
static_assert(sizeof(EventRingSegmentTableEntry) == 16);

class EventRing {
public:
    // The sizes the Segment Table's Ring Segment Size field allows.
    static constexpr size_t kMinTrbs = 16, kMaxTrbs = 4096;

    // `segment` is the CPU's view of `trb_count` TRBs at bus address
    // `segment_phys` (DMA memory the caller allocated and frees once the
    // interrupter is stopped); the ring clears it, so no stale TRB looks
    // new. kInvalid when the segment fails is_valid_ring_segment or its size
    // is outside kMinTrbs..kMaxTrbs.
    static Result<EventRing> try_create(Trb* segment, uint64_t segment_phys, size_t trb_count);

    // What to put in the Segment Table the interrupter's ERSTBA points to.
    EventRingSegmentTableEntry segment_table_entry() const {
        return {m_segment_phys, uint32_t(m_trb_count), 0};
    }

    // Copies the next event to `out` and advances; false when the controller
    // has written nothing new.
    bool try_pop(Trb& out);

    // Whether try_pop would find an event now, without taking it (a check
    // that events are not left waiting).
    bool has_event() const;

    // For ERDP after a batch of pops: the next TRB the driver will read (the
    // driver ORs in Event Handler Busy to clear it; the segment index is 0).
    uint64_t dequeue_phys() const { return m_segment_phys + m_dequeue * sizeof(Trb); }
    bool cycle() const { return m_cycle; }

private:
    EventRing(Trb* segment, uint64_t segment_phys, size_t trb_count)
        : m_segment(segment), m_segment_phys(segment_phys), m_trb_count(trb_count) {}

    Trb* m_segment;
    uint64_t m_segment_phys;
    size_t m_trb_count;
    size_t m_dequeue = 0;
    bool m_cycle = true;  // the controller writes its first lap with cycle 1
};

}  // namespace nyanos::usb
