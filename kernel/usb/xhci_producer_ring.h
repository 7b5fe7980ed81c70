// A ring the driver produces TRBs on and the controller consumes: the
// command ring, and each endpoint's transfer ring (xHCI 1.2, section 4.9).
// One segment closed by a Link TRB that points back to its start and
// toggles the cycle bit, the controller's sign of which TRBs are new.
//
// Pure bookkeeping on memory the caller provides: writing the CRCR or the
// endpoint context's dequeue pointer and ringing the doorbell stay with the
// driver. Not locked: one owner (the driver, under its lock) enqueues and
// completes.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "nyanos/lib/result.h"
#include "usb/xhci_trb.h"

namespace nyanos::usb {

class ProducerRing {
public:
    static constexpr size_t kMinTrbs = 2;  // one usable TRB and the Link TRB

    // `segment` is the CPU's view (the direct map) of `trb_count` TRBs at
    // bus address `segment_phys`, which the caller allocated as DMA memory
    // and frees after the controller stops using the ring; the ring clears
    // it and writes the Link TRB. kInvalid when the segment fails
    // is_valid_ring_segment or has fewer than kMinTrbs.
    static Result<ProducerRing> try_create(Trb* segment, uint64_t segment_phys, size_t trb_count);

    // Writes `trb` at the enqueue position with the producer's cycle bit
    // (whatever cycle bit `trb` has is replaced), the control word last, so
    // the controller never sees a half-written TRB as new. Returns the TRB's
    // bus address, which the event that completes it will name. kNoSpace
    // when every usable TRB is still in flight: the caller checks
    // free_trbs() before a multi-TRB transfer descriptor, so none is left
    // half written.
    Result<uint64_t> try_enqueue(const Trb& trb);

    // The controller finished the TRB at `trb_phys` (a Command Completion or
    // Transfer Event names it): it and every TRB before it are free again.
    // kInvalid for an address that is not a TRB in flight (outside the
    // segment, misaligned, the Link TRB, or already completed): a bogus
    // event must not corrupt the ring.
    Result<void> try_complete(uint64_t trb_phys);

    // The endpoint halted (a stall) and will never run the TRBs still in
    // flight: they are free again. The driver then points the controller at
    // dequeue_pointer_at_enqueue() (Set TR Dequeue Pointer, xHCI 4.6.10), so
    // the next TRB written is the next one run.
    void abandon_in_flight() {
        m_dequeue = m_enqueue;
        m_in_flight = 0;
    }
    // The enqueue position with the producer's cycle state in bit 0 (DCS).
    uint64_t dequeue_pointer_at_enqueue() const { return enqueue_phys() | (m_cycle ? 1 : 0); }

    size_t free_trbs() const { return usable_trbs() - m_in_flight; }
    size_t in_flight() const { return m_in_flight; }
    // For the CRCR or an endpoint context's TR Dequeue Pointer: the
    // segment's address with the initial cycle state (DCS/RCS) in bit 0.
    uint64_t dequeue_pointer_for_controller() const { return m_segment_phys | 1; }
    uint64_t enqueue_phys() const { return m_segment_phys + m_enqueue * sizeof(Trb); }
    bool cycle() const { return m_cycle; }

private:
    ProducerRing(Trb* segment, uint64_t segment_phys, size_t trb_count)
        : m_segment(segment), m_segment_phys(segment_phys), m_trb_count(trb_count) {}

    size_t usable_trbs() const { return m_trb_count - 1; }  // the last is the Link TRB
    void write_link(bool chain);

    Trb* m_segment;
    uint64_t m_segment_phys;
    size_t m_trb_count;
    size_t m_enqueue = 0;  // the next TRB to write, never the Link TRB
    size_t m_dequeue = 0;  // the oldest TRB in flight
    size_t m_in_flight = 0;
    bool m_cycle = true;  // the controller starts with cycle state 1
};

}  // namespace nyanos::usb
