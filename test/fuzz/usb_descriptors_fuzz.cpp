// libFuzzer target: the USB descriptor parsers (kernel/usb/descriptors.h),
// the boot-interface and hub-interface searches (kernel/usb/boot_interface.h,
// hub_interface.h) and a hub's port status and change bitmap
// (kernel/usb/hub_port_status.h), on arbitrary bytes taken as a device's
// answer to GET_DESCRIPTOR, GET_STATUS or an interrupt transfer.
//
// A parser must answer every input with a value or an error, read nothing
// past the buffer (ASan watches), and what it accepts must be consistent: a
// walk covers the bundle exactly, a found interface has a usable
// interrupt-IN endpoint, and the search fails whenever the walker does.
#include <stdint.h>
#include <string.h>

#include <vector>

#include "fuzz_check.h"
#include "usb/boot_interface.h"
#include "usb/descriptors.h"
#include "usb/hub_interface.h"
#include "usb/hub_port_status.h"

using namespace nyanos;
using namespace nyanos::usb;

namespace {

void check_device(const uint8_t* data, size_t size) {
    auto prefix = parse_ep0_max_packet_size(data, size);
    auto device = parse_device_descriptor(data, size);
    if (device.ok()) {
        FUZZ_CHECK(size >= kDeviceDescriptorSize, "accepted %zu bytes", size);
        FUZZ_CHECK(prefix.ok() && prefix.value() == device.value().ep0_max_packet_size,
                   "the prefix and the whole disagree");
        FUZZ_CHECK(device.value().configuration_count > 0, "no configurations");
    } else {
        FUZZ_CHECK(device.error() == Error::kCorrupt, "error %s", error_name(device.error()));
    }
    if (prefix.ok()) {
        uint16_t s = prefix.value();
        FUZZ_CHECK(s == 8 || s == 16 || s == 32 || s == 64 || s == 512, "ep0 size %u", s);
    }
}

// Walks the bundle; returns whether the walker accepted it.
bool check_walk(const uint8_t* data, size_t size) {
    auto walker = DescriptorWalker::try_create(data, size);
    if (!walker.ok()) {
        FUZZ_CHECK(walker.error() == Error::kCorrupt, "error %s", error_name(walker.error()));
        return false;
    }
    size_t total = walker.value().configuration().total_length;
    FUZZ_CHECK(total <= size, "wTotalLength %zu past %zu bytes", total, size);
    const uint8_t* expected = data + data[0];
    RawDescriptor raw;
    while (walker.value().next(raw)) {
        FUZZ_CHECK(raw.bytes == expected, "a gap or overlap at offset %zu",
                   size_t(raw.bytes - data));
        FUZZ_CHECK(raw.length >= 2 && raw.bytes + raw.length <= data + total,
                   "descriptor at %zu runs past wTotalLength", size_t(raw.bytes - data));
        FUZZ_CHECK(raw.length == raw.bytes[0] && raw.type == raw.bytes[1], "header misread");
        expected += raw.length;
        // The typed parsers on whatever the walk yields.
        (void)parse_interface_descriptor(raw);
        (void)parse_hid_descriptor(raw);
        auto endpoint = parse_endpoint_descriptor(raw);
        if (endpoint.ok()) {
            FUZZ_CHECK(endpoint.value().number() != 0, "endpoint 0 accepted");
            for (auto speed :
                 {UsbSpeed::kLow, UsbSpeed::kFull, UsbSpeed::kHigh, UsbSpeed::kSuper}) {
                uint8_t interval = xhci_endpoint_interval(endpoint.value(), speed);
                FUZZ_CHECK(interval <= 15, "interval %u", interval);
            }
        }
    }
    FUZZ_CHECK(expected == data + total, "the walk stopped short of wTotalLength");
    return true;
}

void check_search(const uint8_t* data, size_t size, bool walkable) {
    for (auto protocol : {BootProtocol::kKeyboard, BootProtocol::kMouse}) {
        auto found = find_boot_interface(data, size, protocol);
        if (!found.ok()) {
            FUZZ_CHECK(found.error() == Error::kCorrupt || found.error() == Error::kNoEntry,
                       "error %s", error_name(found.error()));
            if (!walkable) FUZZ_CHECK(found.error() == Error::kCorrupt, "walker refused");
            continue;
        }
        FUZZ_CHECK(walkable, "found an interface in a bundle the walker refuses");
        const EndpointDescriptor& e = found.value().endpoint;
        FUZZ_CHECK(e.is_in() && e.transfer_type() == TransferType::kInterrupt,
                   "endpoint 0x%02x is not interrupt-IN", e.address);
        FUZZ_CHECK(e.number() != 0 && e.max_packet_size != 0, "unusable endpoint");
    }
}

void check_hub(const uint8_t* data, size_t size) {
    auto hub = parse_hub_descriptor(data, size);
    if (!hub.ok()) {
        FUZZ_CHECK(hub.error() == Error::kCorrupt, "error %s", error_name(hub.error()));
        return;
    }
    FUZZ_CHECK(hub.value().port_count > 0, "a hub without ports");
    if (hub.value().superspeed) FUZZ_CHECK(hub.value().port_count <= 15, "too many ports");
}

void check_hub_interface(const uint8_t* data, size_t size, bool walkable) {
    auto found = find_hub_interface(data, size);
    if (!found.ok()) {
        FUZZ_CHECK(found.error() == Error::kCorrupt || found.error() == Error::kNoEntry, "error %s",
                   error_name(found.error()));
        if (!walkable) FUZZ_CHECK(found.error() == Error::kCorrupt, "walker refused");
        return;
    }
    FUZZ_CHECK(walkable, "found a hub interface in a bundle the walker refuses");
    const EndpointDescriptor& e = found.value().status_change;
    FUZZ_CHECK(e.is_in() && e.transfer_type() == TransferType::kInterrupt,
               "endpoint 0x%02x is not interrupt-IN", e.address);
}

void check_port_status(const uint8_t* data, size_t size) {
    auto status = parse_hub_port_status(data, size);
    FUZZ_CHECK(status.ok() == (size >= kHubPortStatusSize), "%zu bytes", size);
    if (status.ok()) {
        uint16_t features[5];
        size_t count = status.value().changes_to_clear(features);
        FUZZ_CHECK(count <= 5, "%zu features", count);
    }
    for (unsigned ports : {0u, 1u, 7u, 8u, 15u, 255u}) {
        uint16_t changed = hub_changed_ports(data, size, ports);
        FUZZ_CHECK(!(changed & 1), "the hub's own bit taken for a port");
        FUZZ_CHECK(ports >= 15 || !(changed >> (ports + 1)), "a port past the hub's %u", ports);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    // An exact-size copy, so ASan sees a read one byte past the input.
    std::vector<uint8_t> copy(data, data + size);
    fuzz::no_panic("usb descriptors", [&] {
        check_device(copy.data(), size);
        bool walkable = check_walk(copy.data(), size);
        check_search(copy.data(), size, walkable);
        check_hub(copy.data(), size);
        check_hub_interface(copy.data(), size, walkable);
        check_port_status(copy.data(), size);
    });
    return 0;
}
