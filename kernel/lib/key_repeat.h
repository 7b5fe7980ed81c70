// Software key repeat, for keyboards that do not repeat by themselves (USB
// HID keyboards report what is held, not a stream of presses). A pure state
// machine: the caller says when keys go down and up and asks, with the
// current time, whether a repeat is due, so it runs the same on the host as
// under the kernel's timer.
//
// As Linux's input core: only the last key pressed repeats; releasing it
// stops the repeat, releasing another key does not; the first repeat comes
// kDelayNs after the press, then one every kPeriodNs.
#pragma once

#include <stdint.h>

namespace nyanos {

class KeyRepeat {
public:
    static constexpr uint64_t kDelayNs = 500'000'000;  // half a second to the first repeat
    static constexpr uint64_t kPeriodNs = 33'333'333;  // then 30 a second

    // `key` (any nonzero identity, a HID usage here) went down at `now_ns`
    // and becomes the one that repeats. The caller leaves out keys that
    // must not repeat (modifiers, locks).
    void key_pressed(uint8_t key, uint64_t now_ns);
    // Stops the repeat if `key` is the one repeating.
    void key_released(uint8_t key);
    // Stops any repeat (the keyboard went away, or all keys are up).
    void cancel() { m_key = 0; }

    // The key to send again now, or 0 when none is due. At most one repeat
    // per call: a caller that polls late gets one repeat and the next a full
    // period later, never a burst of the ones it missed.
    uint8_t poll(uint64_t now_ns);

    bool active() const { return m_key != 0; }
    uint8_t key() const { return m_key; }
    // When poll() will next return the key; meaningful only when active(),
    // for a driver that sets a timer rather than polling.
    uint64_t next_due_ns() const { return m_due_ns; }

private:
    uint8_t m_key = 0;  // 0: nothing repeats
    uint64_t m_due_ns = 0;
};

}  // namespace nyanos
