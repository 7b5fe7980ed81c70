#include "usb/descriptors.h"

namespace nyanos::usb {
namespace {

constexpr size_t kInterfaceDescriptorSize = 9;
constexpr size_t kEndpointDescriptorSize = 7;
// bLength, bDescriptorType, bcdHID, bCountryCode, bNumDescriptors, then
// three bytes (type, wLength) per class descriptor.
constexpr size_t kHidDescriptorFixedSize = 6, kHidClassDescriptorSize = 3;
// The USB 2 hub descriptor's fixed part; DeviceRemovable and
// PortPwrCtrlMask (a bit per port plus one, each) follow.
constexpr size_t kHubDescriptorFixedSize = 7;
constexpr size_t kSuperSpeedHubDescriptorSize = 12;
constexpr uint8_t kMaxSuperSpeedHubPorts = 15;
constexpr uint16_t kUsb3 = 0x0300;
constexpr uint8_t kSuperSpeedEp0Exponent = 9;  // 2^9 = 512 bytes
constexpr uint8_t kEndpointAddressReserved = 0x70;
constexpr uint16_t kMaxPacketSizeMask = 0x07ff;

uint16_t read_le16(const uint8_t* p) {
    return uint16_t(p[0] | (p[1] << 8));
}

// Whether `data` holds a descriptor of `type` at least `minimum` bytes long,
// all of it inside `size`.
bool is_whole(const uint8_t* data, size_t size, uint8_t type, size_t minimum) {
    return size >= minimum && data[0] >= minimum && data[0] <= size && data[1] == type;
}

}  // namespace

Result<uint16_t> parse_ep0_max_packet_size(const uint8_t* data, size_t size) {
    // The prefix is all the caller may have, so only its 8 bytes are
    // required, though bLength must still claim a whole descriptor.
    if (size < kDeviceDescriptorPrefixSize || data[0] < kDeviceDescriptorSize ||
        data[1] != descriptor_type::kDevice) {
        return Error::kCorrupt;
    }
    uint16_t usb_version = read_le16(data + 2);
    uint8_t field = data[7];
    if (usb_version >= kUsb3 && field == kSuperSpeedEp0Exponent) return uint16_t(512);
    if (field == 8 || field == 16 || field == 32 || field == 64) return uint16_t(field);
    return Error::kCorrupt;
}

Result<DeviceDescriptor> parse_device_descriptor(const uint8_t* data, size_t size) {
    if (!is_whole(data, size, descriptor_type::kDevice, kDeviceDescriptorSize)) {
        return Error::kCorrupt;
    }
    DeviceDescriptor d;
    d.usb_version = read_le16(data + 2);
    d.device_class = data[4];
    d.device_subclass = data[5];
    d.device_protocol = data[6];
    d.ep0_max_packet_size = TRY(parse_ep0_max_packet_size(data, size));
    d.vendor_id = read_le16(data + 8);
    d.product_id = read_le16(data + 10);
    d.device_version = read_le16(data + 12);
    d.manufacturer_string = data[14];
    d.product_string = data[15];
    d.serial_string = data[16];
    d.configuration_count = data[17];
    if (d.configuration_count == 0) return Error::kCorrupt;
    return d;
}

Result<ConfigurationDescriptor> parse_configuration_descriptor(const uint8_t* data, size_t size) {
    if (!is_whole(data, size, descriptor_type::kConfiguration, kConfigurationDescriptorSize)) {
        return Error::kCorrupt;
    }
    ConfigurationDescriptor c;
    c.total_length = read_le16(data + 2);
    c.interface_count = data[4];
    c.configuration_value = data[5];
    c.configuration_string = data[6];
    c.attributes = data[7];
    c.max_power = data[8];
    if (c.total_length < data[0]) return Error::kCorrupt;
    return c;
}

Result<DescriptorWalker> DescriptorWalker::try_create(const uint8_t* data, size_t size) {
    ConfigurationDescriptor configuration = TRY(parse_configuration_descriptor(data, size));
    if (configuration.total_length > size) return Error::kCorrupt;  // truncated bundle
    const uint8_t* end = data + configuration.total_length;
    const uint8_t* first = data + data[0];
    // Every descriptor needs its two header bytes and must end by wTotalLength:
    // a zero bLength would loop forever, a long one would read past the end.
    for (const uint8_t* p = first; p < end; p += p[0]) {
        size_t left = size_t(end - p);
        if (left < 2 || p[0] < 2 || p[0] > left) return Error::kCorrupt;
    }
    return DescriptorWalker(first, end, configuration);
}

bool DescriptorWalker::next(RawDescriptor& out) {
    if (m_position >= m_end) return false;
    out = {m_position, m_position[0], m_position[1]};
    m_position += m_position[0];
    return true;
}

Result<InterfaceDescriptor> parse_interface_descriptor(const RawDescriptor& raw) {
    if (raw.type != descriptor_type::kInterface || raw.length < kInterfaceDescriptorSize) {
        return Error::kCorrupt;
    }
    const uint8_t* p = raw.bytes;
    return InterfaceDescriptor{p[2], p[3], p[4], p[5], p[6], p[7], p[8]};
}

Result<EndpointDescriptor> parse_endpoint_descriptor(const RawDescriptor& raw) {
    if (raw.type != descriptor_type::kEndpoint || raw.length < kEndpointDescriptorSize) {
        return Error::kCorrupt;
    }
    const uint8_t* p = raw.bytes;
    EndpointDescriptor e{p[2], p[3], uint16_t(read_le16(p + 4) & kMaxPacketSizeMask), p[6]};
    if ((e.address & kEndpointAddressReserved) != 0 || e.number() == 0) return Error::kCorrupt;
    if (e.max_packet_size == 0) return Error::kCorrupt;
    return e;
}

uint8_t xhci_endpoint_interval(const EndpointDescriptor& endpoint, UsbSpeed speed) {
    uint8_t b = endpoint.interval;
    if (speed == UsbSpeed::kHigh || speed == UsbSpeed::kSuper) {
        // 2^(bInterval-1) microframes, bInterval 1..16.
        if (b < 1) b = 1;
        if (b > 16) b = 16;
        return uint8_t(b - 1);
    }
    // bInterval ms, 1..255: the largest power of two of 125 us periods not
    // longer, i.e. floor(log2(bInterval * 8)), which is 3..10.
    if (b < 1) b = 1;
    uint8_t exponent = 3;
    while ((2u << exponent) <= unsigned(b) * 8) ++exponent;
    return exponent;
}

Result<HidDescriptor> parse_hid_descriptor(const RawDescriptor& raw) {
    if (raw.type != descriptor_type::kHid || raw.length < kHidDescriptorFixedSize) {
        return Error::kCorrupt;
    }
    const uint8_t* p = raw.bytes;
    uint8_t count = p[5];
    if (count == 0 || raw.length < kHidDescriptorFixedSize + count * kHidClassDescriptorSize) {
        return Error::kCorrupt;
    }
    for (uint8_t i = 0; i < count; ++i) {
        const uint8_t* entry = p + kHidDescriptorFixedSize + i * kHidClassDescriptorSize;
        if (entry[0] == descriptor_type::kHidReport) {
            return HidDescriptor{read_le16(p + 2), p[4], read_le16(entry + 1)};
        }
    }
    return Error::kCorrupt;
}

Result<HubDescriptor> parse_hub_descriptor(const uint8_t* data, size_t size) {
    if (size < 2) return Error::kCorrupt;
    HubDescriptor hub;
    hub.superspeed = data[1] == descriptor_type::kSuperSpeedHub;
    if (hub.superspeed) {
        if (!is_whole(data, size, descriptor_type::kSuperSpeedHub, kSuperSpeedHubDescriptorSize)) {
            return Error::kCorrupt;
        }
    } else {
        if (!is_whole(data, size, descriptor_type::kHub, kHubDescriptorFixedSize)) {
            return Error::kCorrupt;
        }
    }
    hub.port_count = data[2];
    hub.characteristics = read_le16(data + 3);
    hub.power_on_to_power_good_ms = uint16_t(data[5] * 2);
    if (hub.port_count == 0) return Error::kCorrupt;
    if (hub.superspeed && hub.port_count > kMaxSuperSpeedHubPorts) return Error::kCorrupt;
    if (!hub.superspeed) {
        // DeviceRemovable has a bit per port and bit 0 reserved, rounded up to bytes.
        size_t removable_bytes = (size_t(hub.port_count) + 1 + 7) / 8;
        if (data[0] < kHubDescriptorFixedSize + removable_bytes) return Error::kCorrupt;
    }
    return hub;
}

}  // namespace nyanos::usb
