#include "usb/boot_interface.h"

namespace nyanos::usb {
namespace {

constexpr uint8_t kSubclassBoot = 1;

// Parses every interface and endpoint descriptor of the bundle, and every
// HID descriptor inside a HID interface (0x21 means something else in other
// classes: DFU's functional descriptor), so that a device which sends a
// malformed one anywhere is refused, whichever interface the search wants.
Result<void> check_descriptors(DescriptorWalker walker) {
    bool in_hid_interface = false;
    RawDescriptor raw;
    while (walker.next(raw)) {
        if (raw.type == descriptor_type::kInterface) {
            InterfaceDescriptor interface = TRY(parse_interface_descriptor(raw));
            in_hid_interface = interface.interface_class == kClassHid;
        } else if (raw.type == descriptor_type::kEndpoint) {
            (void)TRY(parse_endpoint_descriptor(raw));
        } else if (raw.type == descriptor_type::kHid && in_hid_interface) {
            (void)TRY(parse_hid_descriptor(raw));
        }
    }
    return {};
}

bool is_boot_interface(const InterfaceDescriptor& interface, BootProtocol protocol) {
    return interface.interface_class == kClassHid &&
           interface.interface_subclass == kSubclassBoot &&
           interface.interface_protocol == uint8_t(protocol) && interface.alternate_setting == 0;
}

}  // namespace

Result<BootInterface> find_boot_interface(const uint8_t* configuration, size_t size,
                                          BootProtocol protocol) {
    DescriptorWalker walker = TRY(DescriptorWalker::try_create(configuration, size));
    TRY(check_descriptors(walker));

    BootInterface found{};
    found.configuration_value = walker.configuration().configuration_value;
    // Whether the descriptors now being read belong to a candidate interface
    // (none before the first interface descriptor).
    bool in_candidate = false;
    RawDescriptor raw;
    while (walker.next(raw)) {
        if (raw.type == descriptor_type::kInterface) {
            InterfaceDescriptor interface = TRY(parse_interface_descriptor(raw));
            in_candidate = is_boot_interface(interface, protocol);
            found.interface_number = interface.interface_number;
            found.report_descriptor_length = 0;
        } else if (!in_candidate) {
            continue;
        } else if (raw.type == descriptor_type::kHid) {
            found.report_descriptor_length =
                TRY(parse_hid_descriptor(raw)).report_descriptor_length;
        } else if (raw.type == descriptor_type::kEndpoint) {
            EndpointDescriptor endpoint = TRY(parse_endpoint_descriptor(raw));
            if (endpoint.is_in() && endpoint.transfer_type() == TransferType::kInterrupt) {
                found.endpoint = endpoint;
                return found;
            }
        }
    }
    return Error::kNoEntry;
}

}  // namespace nyanos::usb
