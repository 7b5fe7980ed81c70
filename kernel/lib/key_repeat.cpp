#include "lib/key_repeat.h"

namespace nyanos {

void KeyRepeat::key_pressed(uint8_t key, uint64_t now_ns) {
    m_key = key;
    m_due_ns = now_ns + kDelayNs;
}

void KeyRepeat::key_released(uint8_t key) {
    if (key == m_key) m_key = 0;
}

uint8_t KeyRepeat::poll(uint64_t now_ns) {
    if (m_key == 0 || now_ns < m_due_ns) return 0;
    m_due_ns += kPeriodNs;
    // A late poll restarts the rhythm from now rather than catching up.
    if (m_due_ns <= now_ns) m_due_ns = now_ns + kPeriodNs;
    return m_key;
}

}  // namespace nyanos
