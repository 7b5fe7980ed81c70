// Where a USB device sits in the tree below an xHCI controller, and the Slot
// Context that tells the controller so (xHCI 1.2, sections 4.3.3, 6.2.2 and
// 8.9: the route string). Layout only: the driver copies the encoded words
// into an Input Context, so this builds and is tested on the host.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "nyanos/lib/result.h"
#include "usb/descriptors.h"

namespace nyanos::usb {

// A device's place: the root port it hangs off (xHCI numbering, from 1) and
// the hub ports between, one 4-bit nibble per tier from the lowest nibble
// up. A device on a root port has depth 0 and route 0.
struct DeviceRoute {
    static constexpr unsigned kMaxDepth = 5;     // five nibbles in 20 bits
    static constexpr unsigned kMaxHubPort = 15;  // what one nibble names

    uint8_t root_port = 0;
    uint8_t depth = 0;
    uint32_t route_string = 0;

    // The route of the device on port `hub_port` of the hub at this route.
    // kInvalid for a port outside 1..15 (a bigger hub's ports 16.. cannot be
    // addressed) or a hub already at the deepest tier.
    Result<DeviceRoute> child(unsigned hub_port) const;
    // The hub port at tier `tier` (1..depth) of the route.
    unsigned port_at(unsigned tier) const { return (route_string >> (4 * (tier - 1))) & 0xf; }
};

// A root port (1..port_count of the controller); kInvalid outside.
Result<DeviceRoute> root_route(unsigned root_port, unsigned port_count);

// What a Slot Context says about a device (6.2.2).
struct SlotFields {
    DeviceRoute route;
    uint8_t speed_id = 0;         // the xHCI Protocol Speed ID: 1 full, 2 low, 3 high, 4 super
    uint8_t context_entries = 1;  // the last valid endpoint context index (1..31)
    // For a hub: its port count (non-zero makes the slot a hub's), whether
    // a high-speed hub has one Transaction Translator per port, and its TT
    // think time (the hub descriptor's, 0..3).
    uint8_t hub_ports = 0;
    bool multi_tt = false;
    uint8_t tt_think_time = 0;
    // For a low- or full-speed device behind a high-speed hub: the slot of
    // the hub whose Transaction Translator serves it and the hub port
    // (0 when there is none).
    uint8_t tt_hub_slot = 0;
    uint8_t tt_port = 0;
};

inline constexpr uint8_t kSpeedFull = 1, kSpeedLow = 2, kSpeedHigh = 3, kSpeedSuper = 4;

// The first four words of a Slot Context for `fields`; the rest is zero.
// kInvalid when a field does not fit (a speed ID outside 1..4, context
// entries outside 1..31, a route deeper than kMaxDepth).
Result<void> encode_slot_context(const SlotFields& fields, uint32_t out[4]);

// The slot of the Transaction Translator a device of `device_speed` at
// `hub_port` of a hub needs (xHCI 4.3.3, USB 2.0 11.14): a low- or
// full-speed device below a high-speed hub uses that hub's; below a
// full-speed hub (or one that already sits behind a TT) it inherits its
// parent's. Fills the two TT fields of `child` from the parent's.
void inherit_transaction_translator(const SlotFields& parent, uint8_t parent_slot,
                                    unsigned hub_port, SlotFields& child);

// The speed a USB 2 hub's port status reports for its device, as a
// Protocol Speed ID.
uint8_t speed_id(UsbSpeed speed);
UsbSpeed usb_speed(uint8_t speed_id);

}  // namespace nyanos::usb
