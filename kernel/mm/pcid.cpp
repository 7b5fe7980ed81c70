#include "mm/pcid.h"

#include "lib/panic.h"

namespace nyanos::mm {

uint64_t PcidAllocator::cpu_bit(uint32_t cpu) {
    VERIFY(cpu < kPcidMaxCpus);
    return 1ull << cpu;
}

void PcidAllocator::verify_in_use_locked(uint16_t pcid) const {
    VERIFY(pcid < kPcidCount && m_state[pcid] == State::kInUse);
}

void PcidAllocator::use_pairs() {
    sync::Guard guard(m_lock);
    VERIFY(!m_allocated_once);
    m_limit = kPairPcidLimit;
}

bool PcidAllocator::pairs() const {
    sync::Guard guard(m_lock);
    return m_limit == kPairPcidLimit;
}

PcidAssignment PcidAllocator::allocate() {
    sync::Guard guard(m_lock);
    m_allocated_once = true;
    // The clean stack pops in ascending order, so once its top is at the
    // limit every clean PCID left is; the stale stack holds only PCIDs that
    // were handed out, all below it.
    if (m_clean_count && m_clean[m_clean_count - 1] < m_limit) {
        uint16_t p = m_clean[--m_clean_count];
        m_state[p] = State::kInUse;
        ++m_in_use;
        return {p, false, false};  // trusted on every CPU since construction
    }
    if (m_stale_count) {
        uint16_t p = m_stale[--m_stale_count];
        m_state[p] = State::kInUse;
        ++m_in_use;
        return {p, true, false};  // trusted on no CPU since its release
    }
    return {};  // exhausted: PCID 0, flush on every load
}

void PcidAllocator::release(uint16_t pcid) {
    if (pcid == kKernelPcid) return;
    sync::Guard guard(m_lock);
    verify_in_use_locked(pcid);
    m_state[pcid] = State::kStale;
    m_trusted_on[pcid] = 0;
    m_stale[m_stale_count++] = pcid;
    --m_in_use;
}

void PcidAllocator::invalidate(uint16_t pcid) {
    if (pcid == kKernelPcid) return;
    sync::Guard guard(m_lock);
    verify_in_use_locked(pcid);
    m_trusted_on[pcid] = 0;
}

void PcidAllocator::invalidate_other_cpus(uint32_t cpu, uint16_t pcid) {
    uint64_t bit = cpu_bit(cpu);
    if (pcid == kKernelPcid) return;
    sync::Guard guard(m_lock);
    verify_in_use_locked(pcid);
    m_trusted_on[pcid] &= bit;
}

void PcidAllocator::mark_flushed(uint32_t cpu, uint16_t pcid) {
    uint64_t bit = cpu_bit(cpu);
    if (pcid == kKernelPcid) return;  // shared: never trusted across loads
    sync::Guard guard(m_lock);
    verify_in_use_locked(pcid);
    m_trusted_on[pcid] |= bit;
}

bool PcidAllocator::needs_flush(uint32_t cpu, uint16_t pcid) const {
    uint64_t bit = cpu_bit(cpu);
    if (pcid == kKernelPcid || pcid >= kPcidCount) return true;
    sync::Guard guard(m_lock);
    return m_state[pcid] != State::kInUse || !(m_trusted_on[pcid] & bit);
}

uint64_t PcidAllocator::prepare_load(uint32_t cpu, uint64_t cr3) {
    uint64_t bit = cpu_bit(cpu);
    auto pcid = uint16_t(cr3 & (kPcidCount - 1));
    if (pcid == kKernelPcid) return cr3 & ~kCr3NoFlush;
    sync::Guard guard(m_lock);
    verify_in_use_locked(pcid);
    if (m_trusted_on[pcid] & bit) return cr3 | kCr3NoFlush;
    // This load flushes the PCID's entries on this CPU; once it is done they
    // are current. Marked now, before the CR3 write: a change in between
    // must find the space live here and send a shootdown (see pcid.h).
    m_trusted_on[pcid] |= bit;
    return cr3 & ~kCr3NoFlush;
}

uint16_t PcidAllocator::user_pcid_to_flush(uint64_t loaded) const {
    auto pcid = uint16_t(loaded & (kPcidCount - 1));
    if (pcid == kKernelPcid || (loaded & kCr3NoFlush)) return 0;
    sync::Guard guard(m_lock);
    return m_limit == kPairPcidLimit ? user_pcid_of(pcid) : 0;
}

size_t PcidAllocator::in_use() const {
    sync::Guard guard(m_lock);
    return m_in_use;
}

}  // namespace nyanos::mm
