#include "usb/xhci_slot_context.h"

namespace nyanos::usb {

Result<DeviceRoute> DeviceRoute::child(unsigned hub_port) const {
    if (hub_port < 1 || hub_port > kMaxHubPort || depth >= kMaxDepth) return Error::kInvalid;
    DeviceRoute below = *this;
    below.route_string |= uint32_t(hub_port) << (4 * depth);
    ++below.depth;
    return below;
}

Result<DeviceRoute> root_route(unsigned root_port, unsigned port_count) {
    if (root_port < 1 || root_port > port_count || root_port > 255) return Error::kInvalid;
    DeviceRoute route;
    route.root_port = uint8_t(root_port);
    return route;
}

Result<void> encode_slot_context(const SlotFields& f, uint32_t out[4]) {
    if (f.speed_id < kSpeedFull || f.speed_id > kSpeedSuper) return Error::kInvalid;
    if (f.context_entries < 1 || f.context_entries > 31) return Error::kInvalid;
    if (f.route.depth > DeviceRoute::kMaxDepth || f.route.route_string >> 20 ||
        f.route.root_port == 0 || f.tt_think_time > 3)
        return Error::kInvalid;
    // Word 0: route string (0..19), speed (20..23), MTT (25), Hub (26),
    // context entries (27..31).
    out[0] = f.route.route_string | uint32_t(f.speed_id) << 20 | uint32_t(f.multi_tt) << 25 |
             uint32_t(f.hub_ports != 0) << 26 | uint32_t(f.context_entries) << 27;
    // Word 1: max exit latency (0..15, left 0), root hub port (16..23),
    // number of ports (24..31).
    out[1] = uint32_t(f.route.root_port) << 16 | uint32_t(f.hub_ports) << 24;
    // Word 2: TT hub slot (0..7), TT port (8..15), TT think time (16..17),
    // interrupter target (22..31, interrupter 0).
    out[2] = uint32_t(f.tt_hub_slot) | uint32_t(f.tt_port) << 8 | uint32_t(f.tt_think_time) << 16;
    out[3] = 0;  // the controller fills in the address and slot state
    return {};
}

void inherit_transaction_translator(const SlotFields& parent, uint8_t parent_slot,
                                    unsigned hub_port, SlotFields& child) {
    const bool slow = child.speed_id == kSpeedFull || child.speed_id == kSpeedLow;
    if (!slow) {
        child.tt_hub_slot = child.tt_port = 0;
    } else if (parent.speed_id == kSpeedHigh) {
        child.tt_hub_slot = parent_slot;
        child.tt_port = uint8_t(hub_port);
    } else {
        child.tt_hub_slot = parent.tt_hub_slot;
        child.tt_port = parent.tt_port;
    }
}

uint8_t speed_id(UsbSpeed speed) {
    switch (speed) {
        case UsbSpeed::kLow:
            return kSpeedLow;
        case UsbSpeed::kFull:
            return kSpeedFull;
        case UsbSpeed::kHigh:
            return kSpeedHigh;
        case UsbSpeed::kSuper:
            return kSpeedSuper;
    }
    return kSpeedFull;
}

UsbSpeed usb_speed(uint8_t id) {
    switch (id) {
        case kSpeedLow:
            return UsbSpeed::kLow;
        case kSpeedHigh:
            return UsbSpeed::kHigh;
        case kSpeedSuper:
            return UsbSpeed::kSuper;
        default:
            return UsbSpeed::kFull;
    }
}

}  // namespace nyanos::usb
