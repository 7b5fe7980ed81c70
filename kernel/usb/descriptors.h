// USB standard descriptors (USB 2.0 chapter 9, USB 3.2 chapter 9, HID 1.11
// section 6.2.1, the hub class chapters 11.23.2.1 and 10.15.2.1), parsed
// from the bytes a device returned to GET_DESCRIPTOR.
//
// Device input is untrusted: every parser checks the buffer's size before it
// reads, and the type and length fields before it believes them. A
// malformed or truncated descriptor is Error::kCorrupt, never a read past
// the buffer; the driver logs it and drops the device.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "nyanos/lib/result.h"

namespace nyanos::usb {

namespace descriptor_type {
inline constexpr uint8_t kDevice = 1, kConfiguration = 2, kString = 3, kInterface = 4,
                         kEndpoint = 5, kHid = 0x21, kHidReport = 0x22, kHub = 0x29,
                         kSuperSpeedHub = 0x2a;
}

inline constexpr uint8_t kClassHid = 3, kClassHub = 9;

// The speeds xHCI names a port's device by, for what depends on them.
enum class UsbSpeed : uint8_t { kLow, kFull, kHigh, kSuper };

inline constexpr size_t kDeviceDescriptorSize = 18;
// Enough of the device descriptor to know the control endpoint's packet
// size: a driver reads these 8 first, before it can read the rest.
inline constexpr size_t kDeviceDescriptorPrefixSize = 8;

struct DeviceDescriptor {
    uint16_t usb_version;  // BCD: 0x0200 is USB 2.0
    uint8_t device_class;
    uint8_t device_subclass;
    uint8_t device_protocol;
    uint16_t ep0_max_packet_size;  // in bytes, decoded (USB 3 gives an exponent)
    uint16_t vendor_id;
    uint16_t product_id;
    uint16_t device_version;
    uint8_t manufacturer_string;  // string descriptor indexes, 0 = none
    uint8_t product_string;
    uint8_t serial_string;
    uint8_t configuration_count;

    bool is_hub() const { return device_class == kClassHub; }
};

// The control endpoint's max packet size from the first 8 bytes of a device
// descriptor (or more): 8, 16, 32 or 64, or 512 for a USB 3 device.
Result<uint16_t> parse_ep0_max_packet_size(const uint8_t* data, size_t size);
// The whole device descriptor (18 bytes); at least one configuration.
Result<DeviceDescriptor> parse_device_descriptor(const uint8_t* data, size_t size);

inline constexpr size_t kConfigurationDescriptorSize = 9;

struct ConfigurationDescriptor {
    uint16_t total_length;  // of the whole bundle: this and its interfaces' descriptors
    uint8_t interface_count;
    uint8_t configuration_value;  // what SET_CONFIGURATION takes
    uint8_t configuration_string;
    uint8_t attributes;  // 0x40 self-powered, 0x20 remote wakeup
    uint8_t max_power;   // in units of 2 mA (8 mA at SuperSpeed)
};

// The configuration descriptor at the head of a bundle: a driver reads its 9
// bytes first to learn total_length, then the whole bundle.
Result<ConfigurationDescriptor> parse_configuration_descriptor(const uint8_t* data, size_t size);

// One descriptor of a configuration bundle, as found: `bytes` points at its
// bLength byte and `length` bytes are readable there.
struct RawDescriptor {
    const uint8_t* bytes;
    uint8_t length;
    uint8_t type;
};

// Walks the descriptors of a configuration bundle. try_create checks the
// whole chain of lengths up front, so next() cannot fail: each descriptor
// is at least 2 bytes long and ends inside both wTotalLength and the buffer.
// Bytes past wTotalLength (a larger read) are ignored. The walker borrows the
// buffer, which must outlive it.
class DescriptorWalker {
public:
    static Result<DescriptorWalker> try_create(const uint8_t* data, size_t size);

    const ConfigurationDescriptor& configuration() const { return m_configuration; }
    // The next descriptor after the configuration descriptor; false at the end.
    bool next(RawDescriptor& out);

private:
    DescriptorWalker(const uint8_t* position, const uint8_t* end,
                     const ConfigurationDescriptor& configuration)
        : m_position(position), m_end(end), m_configuration(configuration) {}

    const uint8_t* m_position;
    const uint8_t* m_end;
    ConfigurationDescriptor m_configuration;
};

struct InterfaceDescriptor {
    uint8_t interface_number;
    uint8_t alternate_setting;
    uint8_t endpoint_count;
    uint8_t interface_class;
    uint8_t interface_subclass;
    uint8_t interface_protocol;
    uint8_t interface_string;
};

Result<InterfaceDescriptor> parse_interface_descriptor(const RawDescriptor& raw);

enum class TransferType : uint8_t { kControl, kIsochronous, kBulk, kInterrupt };

struct EndpointDescriptor {
    uint8_t address;  // bit 7: IN; bits 0..3: the endpoint number (1..15)
    uint8_t attributes;
    uint16_t max_packet_size;  // bytes per packet (bits 0..10 of wMaxPacketSize)
    uint8_t interval;          // bInterval as sent; see xhci_endpoint_interval

    uint8_t number() const { return address & 0x0f; }
    bool is_in() const { return address & 0x80; }
    TransferType transfer_type() const { return TransferType(attributes & 0x03); }
    // The xHCI Device Context Index of this endpoint (2 x number, plus 1 for
    // IN): where its context sits and which doorbell target rings it.
    uint8_t xhci_context_index() const { return uint8_t(number() * 2 + (is_in() ? 1 : 0)); }
};

// Endpoint 0 has no descriptor, so an endpoint number 0 is refused, as are
// the reserved address bits and a zero packet size.
Result<EndpointDescriptor> parse_endpoint_descriptor(const RawDescriptor& raw);

// The xHCI Endpoint Context's Interval field (a period of 2^Interval x 125
// us) for an interrupt endpoint at `speed`: bInterval counts frames (ms) at
// low and full speed and is an exponent at high and super speed. A bInterval
// outside the range the speed allows is clamped, as Linux does.
uint8_t xhci_endpoint_interval(const EndpointDescriptor& endpoint, UsbSpeed speed);

struct HidDescriptor {
    uint16_t hid_version;  // BCD
    uint8_t country_code;
    uint16_t report_descriptor_length;  // for GET_DESCRIPTOR(Report), if wanted
};

// A HID class descriptor: it must list a report descriptor among its class
// descriptors.
Result<HidDescriptor> parse_hid_descriptor(const RawDescriptor& raw);

struct HubDescriptor {
    uint8_t port_count;
    uint16_t characteristics;  // wHubCharacteristics
    uint16_t power_on_to_power_good_ms;
    bool superspeed;  // a USB 3 hub's descriptor (type 0x2a)

    // The Transaction Translator think time (bits 5..6) a high-speed hub's
    // xHCI Slot Context needs: 8 to 32 full-speed bit times, as 0..3.
    uint8_t tt_think_time() const { return uint8_t((characteristics >> 5) & 0x3); }
};

// A hub descriptor as GET_DESCRIPTOR(Hub) returns it: type 0x29 (USB 2) or
// 0x2a (USB 3, at most 15 ports). A hub without ports is refused. A USB 2
// hub may claim up to 255, but an xHCI route string names ports 1..15 only:
// the driver leaves the others unused.
Result<HubDescriptor> parse_hub_descriptor(const uint8_t* data, size_t size);

}  // namespace nyanos::usb
