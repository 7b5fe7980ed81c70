#include "usb/xhci_event_ring.h"

namespace nyanos::usb {

Result<EventRing> EventRing::try_create(Trb* segment, uint64_t segment_phys, size_t trb_count) {
    if (trb_count < kMinTrbs || trb_count > kMaxTrbs ||
        !is_valid_ring_segment(segment_phys, trb_count)) {
        return Error::kInvalid;
    }
    for (size_t i = 0; i < trb_count; ++i) segment[i] = Trb{};
    return EventRing(segment, segment_phys, trb_count);
}

bool EventRing::has_event() const {
    uint32_t control = __atomic_load_n(&m_segment[m_dequeue].control, __ATOMIC_ACQUIRE);
    return bool(control & trb_control::kCycle) == m_cycle;
}

bool EventRing::try_pop(Trb& out) {
    Trb& slot = m_segment[m_dequeue];
    // The cycle bit first, with acquire order: the controller writes it last,
    // so once it matches, the rest of the event is in memory.
    uint32_t control = __atomic_load_n(&slot.control, __ATOMIC_ACQUIRE);
    if (bool(control & trb_control::kCycle) != m_cycle) return false;
    out.parameter = slot.parameter;
    out.status = slot.status;
    out.control = control;
    if (++m_dequeue == m_trb_count) {
        m_dequeue = 0;
        m_cycle = !m_cycle;
    }
    return true;
}

}  // namespace nyanos::usb
