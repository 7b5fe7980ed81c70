#include "usb/hub_interface.h"

namespace nyanos::usb {

Result<HubInterface> find_hub_interface(const uint8_t* configuration, size_t size) {
    DescriptorWalker walker = TRY(DescriptorWalker::try_create(configuration, size));
    // Everything is checked first, so a malformed descriptor after the one
    // wanted still refuses the device.
    {
        DescriptorWalker check = walker;
        RawDescriptor raw;
        while (check.next(raw)) {
            if (raw.type == descriptor_type::kInterface) (void)TRY(parse_interface_descriptor(raw));
            if (raw.type == descriptor_type::kEndpoint) (void)TRY(parse_endpoint_descriptor(raw));
        }
    }
    HubInterface found{};
    found.configuration_value = walker.configuration().configuration_value;
    bool in_candidate = false;
    RawDescriptor raw;
    while (walker.next(raw)) {
        if (raw.type == descriptor_type::kInterface) {
            InterfaceDescriptor interface = TRY(parse_interface_descriptor(raw));
            in_candidate =
                interface.interface_class == kClassHub && interface.alternate_setting == 0;
            found.interface_number = interface.interface_number;
        } else if (in_candidate && raw.type == descriptor_type::kEndpoint) {
            EndpointDescriptor endpoint = TRY(parse_endpoint_descriptor(raw));
            if (endpoint.is_in() && endpoint.transfer_type() == TransferType::kInterrupt) {
                found.status_change = endpoint;
                return found;
            }
        }
    }
    return Error::kNoEntry;
}

}  // namespace nyanos::usb
