// What a USB 2 hub says about its ports (USB 2.0, section 11.24.2.7 and
// 11.12.4): the 4 bytes of GET_STATUS(port) — wPortStatus, then wPortChange
// — and the bitmap its status-change endpoint sends (bit N: port N changed;
// bit 0: the hub itself). Both come from the device, so both are checked
// for size before they are read.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "nyanos/lib/result.h"
#include "usb/descriptors.h"

namespace nyanos::usb {

// Port features for SET_FEATURE and CLEAR_FEATURE (USB 2.0, table 11-17).
namespace hub_feature {
inline constexpr uint16_t kPortEnable = 1, kPortReset = 4, kPortPower = 8;
inline constexpr uint16_t kPortConnectionChange = 16, kPortEnableChange = 17,
                          kPortSuspendChange = 18, kPortOverCurrentChange = 19,
                          kPortResetChange = 20;
}  // namespace hub_feature

inline constexpr size_t kHubPortStatusSize = 4;

struct HubPortStatus {
    uint16_t status;  // wPortStatus as sent
    uint16_t change;  // wPortChange as sent

    bool connected() const { return status & (1u << 0); }
    bool enabled() const { return status & (1u << 1); }
    bool resetting() const { return status & (1u << 4); }
    bool powered() const { return status & (1u << 8); }
    // A USB 2 hub's port: low speed (bit 9), high speed (bit 10), or full.
    UsbSpeed speed() const {
        if (status & (1u << 9)) return UsbSpeed::kLow;
        if (status & (1u << 10)) return UsbSpeed::kHigh;
        return UsbSpeed::kFull;
    }
    bool connection_changed() const { return change & (1u << 0); }
    bool reset_changed() const { return change & (1u << 4); }
    // The features that clear each change bit that is set, lowest first:
    // writes `count` of them to `out` (at most 5).
    size_t changes_to_clear(uint16_t out[5]) const;
};

// kCorrupt when fewer than 4 bytes came.
Result<HubPortStatus> parse_hub_port_status(const uint8_t* data, size_t size);

// The bytes a hub with `port_count` ports sends on its status-change
// endpoint: one bit for the hub and one per port, rounded up to bytes.
constexpr size_t hub_change_bitmap_size(unsigned port_count) {
    return (port_count + 1 + 7) / 8;
}

// The ports (1..min(port_count, 15)) a status-change bitmap marks, as bit N
// for port N; bits beyond the bytes received, beyond the hub's ports, and the
// hub's own bit 0 are ignored. A bitmap of 0 bytes marks nothing.
uint16_t hub_changed_ports(const uint8_t* bitmap, size_t size, unsigned port_count);

}  // namespace nyanos::usb
