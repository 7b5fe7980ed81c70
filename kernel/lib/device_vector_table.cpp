#include "lib/device_vector_table.h"

namespace nyanos {

Result<uint8_t> DeviceVectorTable::allocate(Handler handler, void* context, const char* name,
                                            uint32_t cpu) {
    if (!handler || !name || m_first > m_last) return Error::kInvalid;
    for (unsigned v = m_first; v <= m_last; ++v) {
        Binding& b = m_bindings[v];
        if (b.handler) continue;
        b = Binding{handler, context, name, cpu, 0};
        return uint8_t(v);
    }
    return Error::kBusy;
}

Result<void> DeviceVectorTable::release(uint8_t vector) {
    if (!in_range(vector)) return Error::kInvalid;
    Binding& b = m_bindings[vector];
    if (!b.handler) return Error::kNoEntry;
    b = Binding{};
    return {};
}

DeviceVectorTable::Binding DeviceVectorTable::take(uint64_t vector) {
    if (!in_range(vector)) return {};
    Binding& b = m_bindings[vector];
    if (b.handler) ++b.count;
    return b;
}

DeviceVectorTable::Binding DeviceVectorTable::binding(uint8_t vector) const {
    return in_range(vector) ? m_bindings[vector] : Binding{};
}

size_t DeviceVectorTable::bound() const {
    size_t n = 0;
    for (unsigned v = m_first; v <= m_last; ++v) n += m_bindings[v].handler != nullptr;
    return n;
}

Result<uint8_t> DeviceVectorTable::nth_bound(size_t n) const {
    for (unsigned v = m_first; v <= m_last; ++v) {
        if (!m_bindings[v].handler) continue;
        if (n-- == 0) return uint8_t(v);
    }
    return Error::kNoEntry;
}

}  // namespace nyanos
