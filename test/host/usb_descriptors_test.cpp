// USB descriptor parsing: device, configuration bundle, interface, endpoint,
// HID and hub descriptors, valid and malformed, and the xHCI interval.
#include <doctest/doctest.h>

#include <vector>

#include "usb/descriptors.h"

using namespace nyanos;
using namespace nyanos::usb;

namespace {

using Bytes = std::vector<uint8_t>;

// A USB 2.0 device, control endpoint 64 bytes, one configuration.
const Bytes kDevice = {18,   1,    0x00, 0x02, 0,    0, 0, 64, 0x27,
                       0x06, 0x01, 0x00, 0x00, 0x01, 1, 2, 3,  1};
// A boot keyboard's configuration: the configuration, its one interface,
// the HID descriptor and the interrupt-IN endpoint 1 (8 bytes, 10 ms).
const Bytes kKeyboardConfig = {
    9, 2,    34,   0,    1, 1, 0,    0xa0, 50,  // configuration 1, 34 bytes in all
    9, 4,    0,    0,    1, 3, 1,    1,    0,   // interface 0: HID, boot, keyboard
    9, 0x21, 0x11, 0x01, 0, 1, 0x22, 63,   0,   // HID 1.11, a 63-byte report descriptor
    7, 5,    0x81, 3,    8, 0, 10,              // endpoint 1 IN, interrupt
};

template <typename T>
Error error_of(const Result<T>& r) {
    REQUIRE(!r.ok());
    return r.error();
}

RawDescriptor raw(const Bytes& b) {
    return {b.data(), b[0], b[1]};
}

std::vector<uint8_t> walk_types(const Bytes& bundle) {
    auto w = DescriptorWalker::try_create(bundle.data(), bundle.size());
    REQUIRE(w.ok());
    std::vector<uint8_t> types;
    RawDescriptor d;
    while (w.value().next(d)) types.push_back(d.type);
    return types;
}

}  // namespace

TEST_CASE("usb descriptors: a device descriptor") {
    auto r = parse_device_descriptor(kDevice.data(), kDevice.size());
    REQUIRE(r.ok());
    const DeviceDescriptor& d = r.value();
    CHECK(d.usb_version == 0x0200);
    CHECK(d.ep0_max_packet_size == 64);
    CHECK(d.vendor_id == 0x0627);
    CHECK(d.product_id == 0x0001);
    CHECK(d.device_version == 0x0100);
    CHECK(d.manufacturer_string == 1);
    CHECK(d.product_string == 2);
    CHECK(d.serial_string == 3);
    CHECK(d.configuration_count == 1);
    CHECK(!d.is_hub());
    Bytes hub = kDevice;
    hub[4] = kClassHub;
    CHECK(parse_device_descriptor(hub.data(), hub.size()).value().is_hub());
}

TEST_CASE("usb descriptors: the control endpoint size from the first 8 bytes") {
    CHECK(parse_ep0_max_packet_size(kDevice.data(), 8).value() == 64);
    for (uint8_t size : {8, 16, 32}) {
        Bytes d = kDevice;
        d[7] = size;
        CHECK(parse_ep0_max_packet_size(d.data(), 8).value() == size);
    }
    Bytes usb3 = kDevice;
    usb3[3] = 0x03;
    usb3[7] = 9;  // 2^9
    CHECK(parse_ep0_max_packet_size(usb3.data(), 8).value() == 512);
    CHECK(parse_device_descriptor(usb3.data(), usb3.size()).value().ep0_max_packet_size == 512);
    // Sizes USB does not allow, and the USB 3 exponent on a USB 2 device.
    for (uint8_t size : {0, 7, 9, 63, 128, 255}) {
        Bytes d = kDevice;
        d[7] = size;
        CHECK(error_of(parse_ep0_max_packet_size(d.data(), 8)) == Error::kCorrupt);
        CHECK(error_of(parse_device_descriptor(d.data(), d.size())) == Error::kCorrupt);
    }
    usb3[7] = 8;
    CHECK(parse_ep0_max_packet_size(usb3.data(), 8).value() == 8);
    CHECK(error_of(parse_ep0_max_packet_size(kDevice.data(), 7)) == Error::kCorrupt);
}

TEST_CASE("usb descriptors: malformed and truncated device descriptors") {
    for (size_t size = 0; size < kDeviceDescriptorSize; ++size) {
        CHECK(error_of(parse_device_descriptor(kDevice.data(), size)) == Error::kCorrupt);
    }
    Bytes wrong_type = kDevice;
    wrong_type[1] = descriptor_type::kConfiguration;
    CHECK(error_of(parse_device_descriptor(wrong_type.data(), wrong_type.size())) ==
          Error::kCorrupt);
    CHECK(error_of(parse_ep0_max_packet_size(wrong_type.data(), 8)) == Error::kCorrupt);
    Bytes short_length = kDevice;
    short_length[0] = 17;
    CHECK(error_of(parse_device_descriptor(short_length.data(), short_length.size())) ==
          Error::kCorrupt);
    CHECK(error_of(parse_ep0_max_packet_size(short_length.data(), 8)) == Error::kCorrupt);
    Bytes long_length = kDevice;
    long_length[0] = 19;  // claims more than the buffer holds
    CHECK(error_of(parse_device_descriptor(long_length.data(), long_length.size())) ==
          Error::kCorrupt);
    Bytes no_configurations = kDevice;
    no_configurations[17] = 0;
    CHECK(error_of(parse_device_descriptor(no_configurations.data(), no_configurations.size())) ==
          Error::kCorrupt);
}

TEST_CASE("usb descriptors: the configuration descriptor at the head of a bundle") {
    auto r = parse_configuration_descriptor(kKeyboardConfig.data(), kConfigurationDescriptorSize);
    REQUIRE(r.ok());
    CHECK(r.value().total_length == 34);
    CHECK(r.value().interface_count == 1);
    CHECK(r.value().configuration_value == 1);
    CHECK(r.value().attributes == 0xa0);
    CHECK(r.value().max_power == 50);
    for (size_t size = 0; size < kConfigurationDescriptorSize; ++size) {
        CHECK(error_of(parse_configuration_descriptor(kKeyboardConfig.data(), size)) ==
              Error::kCorrupt);
    }
    Bytes c = kKeyboardConfig;
    c[1] = descriptor_type::kDevice;
    CHECK(error_of(parse_configuration_descriptor(c.data(), c.size())) == Error::kCorrupt);
    c = kKeyboardConfig;
    c[0] = 8;
    CHECK(error_of(parse_configuration_descriptor(c.data(), c.size())) == Error::kCorrupt);
    c = kKeyboardConfig;
    c[2] = 8;  // wTotalLength shorter than the descriptor itself
    CHECK(error_of(parse_configuration_descriptor(c.data(), c.size())) == Error::kCorrupt);
}

TEST_CASE("usb descriptors: the walker visits each descriptor once, inside wTotalLength") {
    CHECK(walk_types(kKeyboardConfig) == std::vector<uint8_t>{descriptor_type::kInterface,
                                                              descriptor_type::kHid,
                                                              descriptor_type::kEndpoint});
    // Bytes past wTotalLength are not part of the bundle.
    Bytes padded = kKeyboardConfig;
    padded.insert(padded.end(), {0, 0, 0, 0});
    CHECK(walk_types(padded).size() == 3);
    // A configuration with nothing after it.
    Bytes empty = {9, 2, 9, 0, 0, 1, 0, 0x80, 50};
    CHECK(walk_types(empty).empty());
    auto w = DescriptorWalker::try_create(kKeyboardConfig.data(), kKeyboardConfig.size());
    REQUIRE(w.ok());
    RawDescriptor d;
    REQUIRE(w.value().next(d));
    CHECK(d.bytes == kKeyboardConfig.data() + 9);
    CHECK(d.length == 9);
    CHECK(w.value().configuration().total_length == 34);
}

TEST_CASE("usb descriptors: the walker refuses broken length chains") {
    // Truncated: the buffer ends before wTotalLength, at every length.
    for (size_t size = 0; size < kKeyboardConfig.size(); ++size) {
        CHECK(error_of(DescriptorWalker::try_create(kKeyboardConfig.data(), size)) ==
              Error::kCorrupt);
    }
    Bytes zero = kKeyboardConfig;
    zero[18] = 0;  // the HID descriptor's bLength: a walk would never advance
    CHECK(error_of(DescriptorWalker::try_create(zero.data(), zero.size())) == Error::kCorrupt);
    Bytes one = kKeyboardConfig;
    one[18] = 1;  // too short for its own header
    CHECK(error_of(DescriptorWalker::try_create(one.data(), one.size())) == Error::kCorrupt);
    Bytes past = kKeyboardConfig;
    past[27] = 8;  // the endpoint runs one byte past wTotalLength
    past.push_back(0);
    CHECK(error_of(DescriptorWalker::try_create(past.data(), past.size())) == Error::kCorrupt);
    Bytes odd_tail = kKeyboardConfig;
    odd_tail[2] = 35;  // one stray byte at the end: not even a header
    odd_tail.push_back(7);
    CHECK(error_of(DescriptorWalker::try_create(odd_tail.data(), odd_tail.size())) ==
          Error::kCorrupt);
    Bytes not_config = kKeyboardConfig;
    not_config[1] = descriptor_type::kInterface;
    CHECK(error_of(DescriptorWalker::try_create(not_config.data(), not_config.size())) ==
          Error::kCorrupt);
}

TEST_CASE("usb descriptors: interface descriptors") {
    Bytes i = {9, 4, 2, 1, 3, 0xff, 0, 0, 5};
    auto r = parse_interface_descriptor(raw(i));
    REQUIRE(r.ok());
    CHECK(r.value().interface_number == 2);
    CHECK(r.value().alternate_setting == 1);
    CHECK(r.value().endpoint_count == 3);
    CHECK(r.value().interface_class == 0xff);
    CHECK(r.value().interface_string == 5);
    i[0] = 8;
    CHECK(error_of(parse_interface_descriptor(raw(i))) == Error::kCorrupt);
    i[0] = 9;
    i[1] = descriptor_type::kEndpoint;
    CHECK(error_of(parse_interface_descriptor(raw(i))) == Error::kCorrupt);
}

TEST_CASE("usb descriptors: endpoint descriptors") {
    Bytes e = {7, 5, 0x81, 3, 0x08, 0x18, 10};  // high-bandwidth bits above the size
    auto r = parse_endpoint_descriptor(raw(e));
    REQUIRE(r.ok());
    CHECK(r.value().number() == 1);
    CHECK(r.value().is_in());
    CHECK(r.value().transfer_type() == TransferType::kInterrupt);
    CHECK(r.value().max_packet_size == 8);
    CHECK(r.value().interval == 10);
    CHECK(r.value().xhci_context_index() == 3);
    Bytes out = {7, 5, 0x02, 2, 0x00, 0x02, 0};
    CHECK(parse_endpoint_descriptor(raw(out)).value().xhci_context_index() == 4);
    CHECK(parse_endpoint_descriptor(raw(out)).value().transfer_type() == TransferType::kBulk);
    CHECK(!parse_endpoint_descriptor(raw(out)).value().is_in());

    Bytes bad = e;
    bad[0] = 6;
    CHECK(error_of(parse_endpoint_descriptor(raw(bad))) == Error::kCorrupt);
    bad = e;
    bad[1] = descriptor_type::kInterface;
    CHECK(error_of(parse_endpoint_descriptor(raw(bad))) == Error::kCorrupt);
    bad = e;
    bad[2] = 0x80;  // endpoint 0 has no descriptor
    CHECK(error_of(parse_endpoint_descriptor(raw(bad))) == Error::kCorrupt);
    bad = e;
    bad[2] = 0x91;  // reserved address bits
    CHECK(error_of(parse_endpoint_descriptor(raw(bad))) == Error::kCorrupt);
    bad = e;
    bad[4] = 0;
    bad[5] = 0x08;  // only transaction bits: no bytes per packet
    CHECK(error_of(parse_endpoint_descriptor(raw(bad))) == Error::kCorrupt);
}

TEST_CASE("usb descriptors: HID descriptors name their report descriptor") {
    Bytes h = {9, 0x21, 0x11, 0x01, 33, 1, 0x22, 0x3f, 0x01};
    auto r = parse_hid_descriptor(raw(h));
    REQUIRE(r.ok());
    CHECK(r.value().hid_version == 0x0111);
    CHECK(r.value().country_code == 33);
    CHECK(r.value().report_descriptor_length == 0x13f);
    // The report descriptor listed second, after a physical descriptor.
    Bytes two = {12, 0x21, 0x11, 0x01, 0, 2, 0x23, 9, 0, 0x22, 50, 0};
    CHECK(parse_hid_descriptor(raw(two)).value().report_descriptor_length == 50);

    Bytes bad = h;
    bad[5] = 0;  // no class descriptors
    CHECK(error_of(parse_hid_descriptor(raw(bad))) == Error::kCorrupt);
    bad = h;
    bad[5] = 2;  // a second entry that does not fit bLength
    CHECK(error_of(parse_hid_descriptor(raw(bad))) == Error::kCorrupt);
    bad = h;
    bad[6] = 0x23;  // no report descriptor among them
    CHECK(error_of(parse_hid_descriptor(raw(bad))) == Error::kCorrupt);
    bad = h;
    bad[1] = descriptor_type::kHidReport;
    CHECK(error_of(parse_hid_descriptor(raw(bad))) == Error::kCorrupt);
    Bytes tiny = {5, 0x21, 0x11, 0x01, 0};
    CHECK(error_of(parse_hid_descriptor(raw(tiny))) == Error::kCorrupt);
}

TEST_CASE("usb descriptors: USB 2 and USB 3 hub descriptors") {
    const Bytes usb2 = {9, 0x29, 4, 0xe9, 0x00, 50, 100, 0x00, 0xff};
    auto r = parse_hub_descriptor(usb2.data(), usb2.size());
    REQUIRE(r.ok());
    CHECK(r.value().port_count == 4);
    CHECK(!r.value().superspeed);
    CHECK(r.value().characteristics == 0xe9);
    CHECK(r.value().tt_think_time() == 3);
    CHECK(r.value().power_on_to_power_good_ms == 100);
    const Bytes usb3 = {12, 0x2a, 15, 0x09, 0x00, 10, 0, 0x04, 0x00, 0x00, 0x00, 0x00};
    auto s = parse_hub_descriptor(usb3.data(), usb3.size());
    REQUIRE(s.ok());
    CHECK(s.value().port_count == 15);
    CHECK(s.value().superspeed);
    CHECK(s.value().power_on_to_power_good_ms == 20);
    // Eight ports need two DeviceRemovable bytes (bit 0 is reserved).
    const Bytes eight = {10, 0x29, 8, 0, 0, 50, 100, 0, 0, 0xff};
    CHECK(parse_hub_descriptor(eight.data(), eight.size()).ok());

    for (size_t size = 0; size < usb2.size(); ++size) {
        CHECK(error_of(parse_hub_descriptor(usb2.data(), size)) == Error::kCorrupt);
    }
    for (size_t size = 0; size < usb3.size(); ++size) {
        CHECK(error_of(parse_hub_descriptor(usb3.data(), size)) == Error::kCorrupt);
    }
    Bytes bad = usb2;
    bad[2] = 0;
    CHECK(error_of(parse_hub_descriptor(bad.data(), bad.size())) == Error::kCorrupt);
    bad = eight;
    bad[0] = 8;  // too short for eight ports' DeviceRemovable
    CHECK(error_of(parse_hub_descriptor(bad.data(), 8)) == Error::kCorrupt);
    bad = usb3;
    bad[2] = 16;  // a USB 3 hub has at most 15 ports
    CHECK(error_of(parse_hub_descriptor(bad.data(), bad.size())) == Error::kCorrupt);
    bad = usb3;
    bad[0] = 9;
    CHECK(error_of(parse_hub_descriptor(bad.data(), bad.size())) == Error::kCorrupt);
    bad = usb2;
    bad[1] = descriptor_type::kDevice;
    CHECK(error_of(parse_hub_descriptor(bad.data(), bad.size())) == Error::kCorrupt);
}

TEST_CASE("usb descriptors: the xHCI interval of an interrupt endpoint") {
    auto at = [](uint8_t interval, UsbSpeed speed) {
        return xhci_endpoint_interval(EndpointDescriptor{0x81, 3, 8, interval}, speed);
    };
    // Full and low speed: milliseconds to a power of two of 125 us, rounded down.
    CHECK(at(1, UsbSpeed::kFull) == 3);     // 1 ms
    CHECK(at(2, UsbSpeed::kFull) == 4);     // 2 ms
    CHECK(at(10, UsbSpeed::kLow) == 6);     // 8 ms
    CHECK(at(16, UsbSpeed::kFull) == 7);    // 16 ms
    CHECK(at(255, UsbSpeed::kFull) == 10);  // 128 ms
    CHECK(at(0, UsbSpeed::kFull) == 3);     // invalid: the shortest
    // High and super speed: an exponent already, 1..16.
    CHECK(at(1, UsbSpeed::kHigh) == 0);
    CHECK(at(4, UsbSpeed::kHigh) == 3);
    CHECK(at(16, UsbSpeed::kSuper) == 15);
    CHECK(at(0, UsbSpeed::kHigh) == 0);
    CHECK(at(200, UsbSpeed::kSuper) == 15);
}
