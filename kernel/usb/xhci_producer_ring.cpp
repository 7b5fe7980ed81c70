#include "usb/xhci_producer_ring.h"

namespace nyanos::usb {
namespace {

// The control word goes last and as one store, with release order: the
// controller reads a TRB when it sees the cycle bit flip, and by then the
// parameter and status must be in memory.
void publish(Trb& slot, const Trb& trb, uint32_t control) {
    slot.parameter = trb.parameter;
    slot.status = trb.status;
    __atomic_store_n(&slot.control, control, __ATOMIC_RELEASE);
}

}  // namespace

Result<ProducerRing> ProducerRing::try_create(Trb* segment, uint64_t segment_phys,
                                              size_t trb_count) {
    if (trb_count < kMinTrbs || !is_valid_ring_segment(segment_phys, trb_count)) {
        return Error::kInvalid;
    }
    // Cycle 0 everywhere: nothing is new to a controller starting at cycle 1.
    for (size_t i = 0; i < trb_count; ++i) segment[i] = Trb{};
    ProducerRing ring(segment, segment_phys, trb_count);
    ring.write_link(false);
    return ring;
}

void ProducerRing::write_link(bool chain) {
    // The Link TRB carries the cycle of the lap that just ended (at
    // creation, of a lap before the first): the controller follows it when
    // that lap's TRBs are done, and during the next lap its bit is stale.
    uint32_t control = trb_type_bits(trb_type::kLink) | trb_control::kToggleCycle;
    if (chain) control |= trb_control::kChain;
    if (!m_cycle) control |= trb_control::kCycle;
    publish(m_segment[m_trb_count - 1], Trb{m_segment_phys, 0, 0}, control);
}

Result<uint64_t> ProducerRing::try_enqueue(const Trb& trb) {
    if (free_trbs() == 0) return Error::kNoSpace;
    uint64_t written = enqueue_phys();
    uint32_t control = trb.control & ~trb_control::kCycle;
    if (m_cycle) control |= trb_control::kCycle;
    publish(m_segment[m_enqueue], trb, control);
    ++m_in_flight;
    if (++m_enqueue == usable_trbs()) {
        // Hand the Link TRB over with the cycle the TRBs before it have, so
        // the controller follows it back to the start, where the cycle
        // toggles. A transfer descriptor that goes on past the wrap keeps its
        // chain through the Link TRB (xHCI 1.2, section 4.11.5.1).
        m_cycle = !m_cycle;
        write_link(trb.control & trb_control::kChain);
        m_enqueue = 0;
    }
    return written;
}

Result<void> ProducerRing::try_complete(uint64_t trb_phys) {
    if (trb_phys < m_segment_phys || (trb_phys - m_segment_phys) % sizeof(Trb) != 0) {
        return Error::kInvalid;
    }
    uint64_t index = (trb_phys - m_segment_phys) / sizeof(Trb);
    if (index >= usable_trbs()) return Error::kInvalid;  // past the segment, or the Link TRB
    size_t distance = (size_t(index) + usable_trbs() - m_dequeue) % usable_trbs();
    if (distance >= m_in_flight) return Error::kInvalid;  // not in flight
    m_in_flight -= distance + 1;
    m_dequeue = (size_t(index) + 1) % usable_trbs();
    return {};
}

}  // namespace nyanos::usb
