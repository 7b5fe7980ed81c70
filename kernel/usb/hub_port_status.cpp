#include "usb/hub_port_status.h"

namespace nyanos::usb {

size_t HubPortStatus::changes_to_clear(uint16_t out[5]) const {
    // wPortChange bits 0..4 are cleared by features 16..20 in order.
    size_t count = 0;
    for (unsigned bit = 0; bit < 5; ++bit) {
        if (change & (1u << bit)) out[count++] = uint16_t(hub_feature::kPortConnectionChange + bit);
    }
    return count;
}

Result<HubPortStatus> parse_hub_port_status(const uint8_t* data, size_t size) {
    if (!data || size < kHubPortStatusSize) return Error::kCorrupt;
    return HubPortStatus{uint16_t(data[0] | data[1] << 8), uint16_t(data[2] | data[3] << 8)};
}

uint16_t hub_changed_ports(const uint8_t* bitmap, size_t size, unsigned port_count) {
    if (!bitmap) return 0;
    uint16_t ports = 0;
    const unsigned last = port_count < 15 ? port_count : 15;
    for (unsigned port = 1; port <= last; ++port) {
        const size_t byte = port / 8;
        if (byte < size && (bitmap[byte] >> (port % 8) & 1)) ports |= uint16_t(1u << port);
    }
    return ports;
}

}  // namespace nyanos::usb
