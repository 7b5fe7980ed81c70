// A fixed-size FIFO of bytes, portable and unlocked: the caller serialises
// push and pop (console_input does it with interrupts off and a spin lock).
// When full, push refuses the byte: typed-ahead input is dropped rather than
// overwriting what a reader has not seen yet.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace nyanos {

template <size_t Capacity>
class ByteRing {
    static_assert(Capacity > 0 && (Capacity & (Capacity - 1)) == 0, "a power of two");

public:
    constexpr ByteRing() = default;

    // False when full (the byte is dropped).
    bool push(uint8_t byte) {
        if (size() == Capacity) return false;
        m_data[m_head++ & (Capacity - 1)] = byte;
        return true;
    }
    // False when empty.
    bool pop(uint8_t& byte) {
        if (empty()) return false;
        byte = m_data[m_tail++ & (Capacity - 1)];
        return true;
    }
    size_t size() const { return size_t(m_head - m_tail); }
    bool empty() const { return m_head == m_tail; }
    static constexpr size_t capacity() { return Capacity; }

private:
    // Free-running counters: their difference is the fill level, and
    // unsigned wrap-around keeps it right.
    uint32_t m_head = 0;
    uint32_t m_tail = 0;
    uint8_t m_data[Capacity] = {};
};

}  // namespace nyanos
