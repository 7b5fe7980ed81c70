// Finding a HID boot-protocol interface (HID 1.11, section 4.2: class 3,
// subclass 1; protocol 1 keyboard, 2 mouse) in a configuration bundle, with
// what a driver needs to use it: the interface to talk to and its
// interrupt-IN endpoint.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "nyanos/lib/result.h"
#include "usb/descriptors.h"

namespace nyanos::usb {

enum class BootProtocol : uint8_t { kKeyboard = 1, kMouse = 2 };

struct BootInterface {
    uint8_t configuration_value;  // for SET_CONFIGURATION
    uint8_t interface_number;     // for SET_PROTOCOL, SET_IDLE and SET_REPORT
    EndpointDescriptor endpoint;  // the interrupt-IN endpoint reports arrive on
    // From the interface's HID descriptor; 0 when it has none (the boot
    // protocol does not need the report descriptor).
    uint16_t report_descriptor_length;
};

// The first interface in alternate setting 0 (the one SET_CONFIGURATION
// selects, so no SET_INTERFACE is needed) that speaks `protocol` and has an
// interrupt-IN endpoint. Every interface and endpoint descriptor of the
// bundle, and every HID descriptor of a HID interface, is checked first, so a
// bundle with any malformed one is kCorrupt (as is one DescriptorWalker
// refuses), whichever interface is wanted; kNoEntry when the bundle is sound
// but holds no such interface.
Result<BootInterface> find_boot_interface(const uint8_t* configuration, size_t size,
                                          BootProtocol protocol);

}  // namespace nyanos::usb
