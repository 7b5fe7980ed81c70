// Finding a hub's interface (class 9, the hub class of USB 2.0 chapter 11)
// in its configuration bundle, with the interrupt-IN endpoint the hub
// reports port changes on.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "nyanos/lib/result.h"
#include "usb/descriptors.h"

namespace nyanos::usb {

struct HubInterface {
    uint8_t configuration_value;  // for SET_CONFIGURATION
    uint8_t interface_number;
    EndpointDescriptor status_change;  // interrupt IN: the port-change bitmap
};

// The first hub-class interface in alternate setting 0 with an interrupt-IN
// endpoint. kCorrupt when the bundle or any interface or endpoint
// descriptor in it is malformed; kNoEntry when the bundle is sound but has no
// such interface.
Result<HubInterface> find_hub_interface(const uint8_t* configuration, size_t size);

}  // namespace nyanos::usb
