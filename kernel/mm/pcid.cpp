#include "mm/pcid.h"

#include "lib/panic.h"

namespace nyanos::mm {

PcidAssignment PcidAllocator::allocate() {
    if (m_clean_count) {
        uint16_t p = m_clean[--m_clean_count];
        m_state[p] = State::kInUse;
        ++m_in_use;
        return {p, false, false};
    }
    if (m_stale_count) {
        uint16_t p = m_stale[--m_stale_count];
        m_state[p] = State::kInUseUnflushed;
        ++m_in_use;
        return {p, true, false};
    }
    return {};  // exhausted: PCID 0, flush on every load
}

void PcidAllocator::mark_flushed(uint16_t pcid) {
    if (pcid == kKernelPcid) return;  // shared: never trusted across loads
    VERIFY(pcid < kPcidCount && m_state[pcid] != State::kClean && m_state[pcid] != State::kStale);
    m_state[pcid] = State::kInUse;
}

void PcidAllocator::release(uint16_t pcid) {
    if (pcid == kKernelPcid) return;
    VERIFY(pcid < kPcidCount);
    VERIFY(m_state[pcid] == State::kInUse || m_state[pcid] == State::kInUseUnflushed);
    m_state[pcid] = State::kStale;
    m_stale[m_stale_count++] = pcid;
    --m_in_use;
}

void PcidAllocator::invalidate(uint16_t pcid) {
    if (pcid == kKernelPcid) return;
    VERIFY(pcid < kPcidCount);
    VERIFY(m_state[pcid] == State::kInUse || m_state[pcid] == State::kInUseUnflushed);
    m_state[pcid] = State::kInUseUnflushed;
}

bool PcidAllocator::needs_flush(uint16_t pcid) const {
    if (pcid == kKernelPcid || pcid >= kPcidCount) return true;
    return m_state[pcid] != State::kInUse;
}

}  // namespace nyanos::mm
