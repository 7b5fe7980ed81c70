// Finding a boot keyboard or mouse in a configuration bundle: composite
// devices, alternate settings, endpoints that do not fit, malformed
// descriptors anywhere, and every truncation and byte flip of a valid one.
#include <doctest/doctest.h>

#include <vector>

#include "usb/boot_interface.h"

using namespace nyanos;
using namespace nyanos::usb;

namespace {

using Bytes = std::vector<uint8_t>;

// Builds a configuration bundle: the header (wTotalLength filled in) and `body`.
Bytes bundle(std::vector<Bytes> body, uint8_t configuration_value = 1) {
    Bytes b = {9, 2, 0, 0, 0, configuration_value, 0, 0xa0, 50};
    uint8_t interfaces = 0;
    for (const Bytes& d : body) {
        b.insert(b.end(), d.begin(), d.end());
        if (d[1] == descriptor_type::kInterface) ++interfaces;
    }
    b[2] = uint8_t(b.size());
    b[3] = uint8_t(b.size() >> 8);
    b[4] = interfaces;
    return b;
}

Bytes interface(uint8_t number, uint8_t cls, uint8_t subclass, uint8_t protocol,
                uint8_t alternate = 0) {
    return {9, 4, number, alternate, 1, cls, subclass, protocol, 0};
}
Bytes hid(uint16_t report_length) {
    return {9, 0x21, 0x11, 0x01, 0, 1, 0x22, uint8_t(report_length), uint8_t(report_length >> 8)};
}
Bytes endpoint(uint8_t address, uint8_t attributes = 3, uint8_t size = 8, uint8_t interval = 10) {
    return {7, 5, address, attributes, size, 0, interval};
}

const Bytes kKeyboard = interface(0, 3, 1, 1);
const Bytes kMouse = interface(1, 3, 1, 2);

Result<BootInterface> find(const Bytes& b, BootProtocol protocol) {
    return find_boot_interface(b.data(), b.size(), protocol);
}

Error error_of(const Result<BootInterface>& r) {
    REQUIRE(!r.ok());
    return r.error();
}

}  // namespace

TEST_CASE("boot interface: a keyboard's interface and interrupt-IN endpoint") {
    Bytes b = bundle({kKeyboard, hid(63), endpoint(0x81)}, 2);
    auto r = find(b, BootProtocol::kKeyboard);
    REQUIRE(r.ok());
    CHECK(r.value().configuration_value == 2);
    CHECK(r.value().interface_number == 0);
    CHECK(r.value().endpoint.address == 0x81);
    CHECK(r.value().endpoint.max_packet_size == 8);
    CHECK(r.value().endpoint.interval == 10);
    CHECK(r.value().report_descriptor_length == 63);
    CHECK(error_of(find(b, BootProtocol::kMouse)) == Error::kNoEntry);
}

TEST_CASE("boot interface: keyboard and mouse of a composite device") {
    Bytes b =
        bundle({kKeyboard, hid(63), endpoint(0x81), kMouse, hid(52), endpoint(0x82, 3, 4, 2)});
    auto k = find(b, BootProtocol::kKeyboard);
    REQUIRE(k.ok());
    CHECK(k.value().interface_number == 0);
    CHECK(k.value().endpoint.address == 0x81);
    CHECK(k.value().report_descriptor_length == 63);
    auto m = find(b, BootProtocol::kMouse);
    REQUIRE(m.ok());
    CHECK(m.value().interface_number == 1);
    CHECK(m.value().endpoint.address == 0x82);
    CHECK(m.value().endpoint.max_packet_size == 4);
    CHECK(m.value().endpoint.interval == 2);
    CHECK(m.value().report_descriptor_length == 52);
}

TEST_CASE("boot interface: what is not a usable boot interface is passed over") {
    // Not boot subclass, a vendor class, an alternate setting, then the real one.
    Bytes b =
        bundle({interface(0, 3, 0, 1), endpoint(0x81), interface(1, 0xff, 1, 1), endpoint(0x82),
                interface(2, 3, 1, 1, 1), endpoint(0x83), kKeyboard, endpoint(0x84)});
    auto r = find(b, BootProtocol::kKeyboard);
    REQUIRE(r.ok());
    CHECK(r.value().endpoint.address == 0x84);
    // An OUT endpoint and an IN bulk endpoint come before the interrupt-IN one.
    b = bundle({kKeyboard, hid(63), endpoint(0x01), endpoint(0x82, 2, 64), endpoint(0x83)});
    CHECK(find(b, BootProtocol::kKeyboard).value().endpoint.address == 0x83);
    // A keyboard interface without an interrupt-IN endpoint, and none after it.
    b = bundle({kKeyboard, hid(63), endpoint(0x01)});
    CHECK(error_of(find(b, BootProtocol::kKeyboard)) == Error::kNoEntry);
    // No HID descriptor: the boot protocol does not need one.
    b = bundle({kKeyboard, endpoint(0x81)});
    CHECK(find(b, BootProtocol::kKeyboard).value().report_descriptor_length == 0);
    // The next interface's HID descriptor is not the keyboard's.
    b = bundle({interface(0, 3, 0, 0), hid(99), endpoint(0x81), kKeyboard, endpoint(0x82)});
    CHECK(find(b, BootProtocol::kKeyboard).value().report_descriptor_length == 0);
    // No interfaces at all.
    CHECK(error_of(find(bundle({}), BootProtocol::kKeyboard)) == Error::kNoEntry);
}

TEST_CASE("boot interface: descriptors before the first interface belong to none") {
    Bytes b = bundle({endpoint(0x81), {4, 0x24, 0, 0}, kKeyboard, endpoint(0x82)});
    CHECK(find(b, BootProtocol::kKeyboard).value().endpoint.address == 0x82);
}

TEST_CASE("boot interface: 0x21 outside a HID interface is not a HID descriptor") {
    // DFU's functional descriptor is type 0x21 too, with another layout.
    Bytes dfu = {9, 0x21, 0x0b, 0xff, 0, 0, 4, 0x1a, 0x01};
    Bytes b = bundle({interface(0, 0xfe, 1, 1), dfu, kKeyboard, endpoint(0x81)});
    CHECK(find(b, BootProtocol::kKeyboard).ok());
}

TEST_CASE("boot interface: a malformed descriptor anywhere refuses the bundle") {
    Bytes bad_endpoint = endpoint(0x80);  // endpoint 0
    Bytes short_interface = {8, 4, 1, 0, 1, 3, 1, 2};
    Bytes bad_hid = {9, 0x21, 0x11, 0x01, 0, 0, 0x22, 63, 0};  // no class descriptors
    for (const Bytes& b : {
             bundle({kKeyboard, endpoint(0x81), interface(1, 8, 6, 0x50), bad_endpoint}),
             bundle({kKeyboard, endpoint(0x81), short_interface}),
             bundle({kKeyboard, bad_hid, endpoint(0x81)}),
             bundle({kMouse, bad_hid, endpoint(0x82), kKeyboard, endpoint(0x81)}),
             bundle({bad_endpoint, kKeyboard, endpoint(0x81)}),
         }) {
        CHECK(error_of(find(b, BootProtocol::kKeyboard)) == Error::kCorrupt);
    }
}

TEST_CASE("boot interface: every truncation and byte flip is an answer, never a bad read") {
    const Bytes b = bundle({kKeyboard, hid(63), endpoint(0x81), kMouse, hid(52), endpoint(0x82)});
    REQUIRE(find(b, BootProtocol::kKeyboard).ok());
    for (size_t size = 0; size < b.size(); ++size) {
        // A copy of exactly `size` bytes, so ASan sees any read past it.
        Bytes cut(b.begin(), b.begin() + long(size));
        auto r = find_boot_interface(cut.data(), cut.size(), BootProtocol::kKeyboard);
        CHECK(error_of(r) == Error::kCorrupt);
    }
    for (size_t i = 0; i < b.size(); ++i) {
        for (int bit = 0; bit < 8; ++bit) {
            Bytes flipped = b;
            flipped[i] ^= uint8_t(1 << bit);
            for (auto protocol : {BootProtocol::kKeyboard, BootProtocol::kMouse}) {
                auto r = find(flipped, protocol);
                if (r.ok()) CHECK(r.value().endpoint.is_in());
            }
        }
    }
}
