// The pieces a driver needs below a hub: route strings and the Slot Context
// that carries them, Transaction Translator inheritance, a hub's port status
// and change bitmap, and finding the hub interface — with the truncated,
// oversized and malformed inputs a device or a deep tree can give.
#include <doctest/doctest.h>

#include <vector>

#include "usb/hub_interface.h"
#include "usb/hub_port_status.h"
#include "usb/xhci_slot_context.h"

using namespace nyanos;
using namespace nyanos::usb;

namespace {

using Bytes = std::vector<uint8_t>;

template <typename T>
Error error_of(const Result<T>& r) {
    REQUIRE(!r.ok());
    return r.error();
}

Bytes bundle(std::vector<Bytes> body) {
    Bytes b = {9, 2, 0, 0, 0, 1, 0, 0xe0, 0};
    uint8_t interfaces = 0;
    for (const Bytes& d : body) {
        b.insert(b.end(), d.begin(), d.end());
        if (d[1] == descriptor_type::kInterface) ++interfaces;
    }
    b[2] = uint8_t(b.size());
    b[4] = interfaces;
    return b;
}

// QEMU's usb-hub: one interface of class 9 with an interrupt-IN endpoint 1.
const Bytes kHubInterface = {9, 4, 0, 0, 1, 9, 0, 0, 0};
const Bytes kStatusEndpoint = {7, 5, 0x81, 3, 2, 0, 0xff};

}  // namespace

TEST_CASE("usb hub: route strings name one port per tier, five tiers, ports 1..15") {
    REQUIRE(root_route(5, 8).ok());
    DeviceRoute root = root_route(5, 8).value();
    CHECK(root.root_port == 5);
    CHECK(root.depth == 0);
    CHECK(root.route_string == 0);
    CHECK(error_of(root_route(0, 8)) == Error::kInvalid);
    CHECK(error_of(root_route(9, 8)) == Error::kInvalid);

    DeviceRoute one = root.child(3).value();
    CHECK(one.route_string == 0x3);
    CHECK(one.depth == 1);
    CHECK(one.root_port == 5);
    DeviceRoute two = one.child(15).value();
    CHECK(two.route_string == 0xf3);
    CHECK(two.port_at(1) == 3);
    CHECK(two.port_at(2) == 15);

    CHECK(error_of(root.child(0)) == Error::kInvalid);
    CHECK(error_of(root.child(16)) == Error::kInvalid);
    CHECK(error_of(root.child(255)) == Error::kInvalid);

    DeviceRoute deep = root;
    for (unsigned tier = 1; tier <= DeviceRoute::kMaxDepth; ++tier) deep = deep.child(tier).value();
    CHECK(deep.route_string == 0x54321);
    CHECK(error_of(deep.child(1)) == Error::kInvalid);  // a sixth tier has no nibble
}

TEST_CASE("usb hub: the Slot Context words for a root device, a hub and a device behind it") {
    uint32_t words[4] = {1, 1, 1, 1};
    SlotFields keyboard;
    keyboard.route = root_route(5, 8).value();
    keyboard.speed_id = kSpeedFull;
    REQUIRE(encode_slot_context(keyboard, words).ok());
    CHECK(words[0] == (1u << 20 | 1u << 27));
    CHECK(words[1] == 5u << 16);
    CHECK(words[2] == 0);
    CHECK(words[3] == 0);

    SlotFields hub;
    hub.route = keyboard.route;
    hub.speed_id = kSpeedHigh;
    hub.context_entries = 3;
    hub.hub_ports = 4;
    hub.multi_tt = true;
    hub.tt_think_time = 2;
    REQUIRE(encode_slot_context(hub, words).ok());
    CHECK(words[0] == (3u << 20 | 1u << 25 | 1u << 26 | 3u << 27));
    CHECK(words[1] == (5u << 16 | 4u << 24));
    CHECK(words[2] == 2u << 16);

    SlotFields behind;
    behind.route = hub.route.child(2).value();
    behind.speed_id = kSpeedLow;
    inherit_transaction_translator(hub, 7, 2, behind);
    REQUIRE(encode_slot_context(behind, words).ok());
    CHECK(words[0] == (0x2u | 2u << 20 | 1u << 27));
    CHECK(words[1] == 5u << 16);
    CHECK(words[2] == (7u | 2u << 8));
}

TEST_CASE("usb hub: fields that do not fit a Slot Context are refused") {
    uint32_t words[4];
    SlotFields f;
    f.route = root_route(1, 4).value();
    f.speed_id = kSpeedFull;
    REQUIRE(encode_slot_context(f, words).ok());
    for (uint8_t bad_speed : {uint8_t(0), uint8_t(5), uint8_t(15)}) {
        SlotFields g = f;
        g.speed_id = bad_speed;
        CHECK(error_of(encode_slot_context(g, words)) == Error::kInvalid);
    }
    SlotFields entries = f;
    entries.context_entries = 0;
    CHECK(error_of(encode_slot_context(entries, words)) == Error::kInvalid);
    entries.context_entries = 32;
    CHECK(error_of(encode_slot_context(entries, words)) == Error::kInvalid);
    SlotFields route = f;
    route.route.route_string = 1u << 20;
    CHECK(error_of(encode_slot_context(route, words)) == Error::kInvalid);
    route = f;
    route.route.root_port = 0;
    CHECK(error_of(encode_slot_context(route, words)) == Error::kInvalid);
    SlotFields think = f;
    think.tt_think_time = 4;
    CHECK(error_of(encode_slot_context(think, words)) == Error::kInvalid);
}

TEST_CASE(
    "usb hub: Transaction Translators: a high-speed hub's, inherited below a full-speed hub") {
    SlotFields high_hub;
    high_hub.speed_id = kSpeedHigh;
    SlotFields full_hub;  // on port 4 of the high-speed hub in slot 3
    full_hub.speed_id = kSpeedFull;
    inherit_transaction_translator(high_hub, 3, 4, full_hub);
    CHECK(full_hub.tt_hub_slot == 3);
    CHECK(full_hub.tt_port == 4);

    SlotFields keyboard;  // below the full-speed hub: the same TT
    keyboard.speed_id = kSpeedLow;
    inherit_transaction_translator(full_hub, 9, 1, keyboard);
    CHECK(keyboard.tt_hub_slot == 3);
    CHECK(keyboard.tt_port == 4);

    SlotFields fast;  // a high-speed device needs none
    fast.speed_id = kSpeedHigh;
    fast.tt_hub_slot = 1;
    inherit_transaction_translator(high_hub, 3, 1, fast);
    CHECK(fast.tt_hub_slot == 0);
    CHECK(fast.tt_port == 0);

    SlotFields root_full_hub;  // a full-speed hub on a root port: no TT at all
    root_full_hub.speed_id = kSpeedFull;
    SlotFields below;
    below.speed_id = kSpeedFull;
    inherit_transaction_translator(root_full_hub, 2, 1, below);
    CHECK(below.tt_hub_slot == 0);
    CHECK(below.tt_port == 0);
}

TEST_CASE("usb hub: speed IDs and USB speeds convert both ways") {
    for (UsbSpeed s : {UsbSpeed::kLow, UsbSpeed::kFull, UsbSpeed::kHigh, UsbSpeed::kSuper})
        CHECK(usb_speed(speed_id(s)) == s);
    CHECK(usb_speed(0) == UsbSpeed::kFull);
    CHECK(usb_speed(200) == UsbSpeed::kFull);
}

TEST_CASE("usb hub: port status, its speed and the changes to clear") {
    // Connected, enabled, powered, low speed; connection and reset changed.
    const Bytes sent = {0x03, 0x03, 0x11, 0x00};
    auto s = parse_hub_port_status(sent.data(), sent.size());
    REQUIRE(s.ok());
    CHECK(s.value().connected());
    CHECK(s.value().enabled());
    CHECK(s.value().powered());
    CHECK(!s.value().resetting());
    CHECK(s.value().speed() == UsbSpeed::kLow);
    CHECK(s.value().connection_changed());
    CHECK(s.value().reset_changed());
    uint16_t features[5];
    REQUIRE(s.value().changes_to_clear(features) == 2);
    CHECK(features[0] == hub_feature::kPortConnectionChange);
    CHECK(features[1] == hub_feature::kPortResetChange);

    CHECK(HubPortStatus{0x0503, 0}.speed() == UsbSpeed::kHigh);
    CHECK(HubPortStatus{0x0103, 0}.speed() == UsbSpeed::kFull);
    CHECK(HubPortStatus{0x0100, 0}.changes_to_clear(features) == 0);
    CHECK(HubPortStatus{0, 0xffff}.changes_to_clear(features) == 5);  // reserved bits ignored
    CHECK(features[4] == hub_feature::kPortResetChange);

    for (size_t size = 0; size < kHubPortStatusSize; ++size)
        CHECK(error_of(parse_hub_port_status(sent.data(), size)) == Error::kCorrupt);
    CHECK(error_of(parse_hub_port_status(nullptr, 4)) == Error::kCorrupt);
    const Bytes longer = {0x01, 0x01, 0x01, 0x00, 0xff, 0xff};
    CHECK(parse_hub_port_status(longer.data(), longer.size()).value().change == 1);
}

TEST_CASE(
    "usb hub: the status-change bitmap marks ports, not the hub, and nothing past its ports") {
    CHECK(hub_change_bitmap_size(1) == 1);
    CHECK(hub_change_bitmap_size(7) == 1);
    CHECK(hub_change_bitmap_size(8) == 2);
    CHECK(hub_change_bitmap_size(15) == 2);
    CHECK(hub_change_bitmap_size(255) == 32);

    const Bytes port_one_and_hub = {0x03};
    CHECK(hub_changed_ports(port_one_and_hub.data(), 1, 8) == 0x2);
    const Bytes port_eight = {0x00, 0x01};
    CHECK(hub_changed_ports(port_eight.data(), 2, 8) == 1u << 8);
    CHECK(hub_changed_ports(port_eight.data(), 1, 8) == 0);  // its byte never came
    CHECK(hub_changed_ports(port_eight.data(), 2, 7) == 0);  // not one of the hub's ports
    const Bytes everything = {0xff, 0xff, 0xff, 0xff};
    CHECK(hub_changed_ports(everything.data(), 4, 255) == 0xfffe);  // ports 1..15 only
    CHECK(hub_changed_ports(everything.data(), 4, 4) == 0x1e);
    CHECK(hub_changed_ports(everything.data(), 0, 8) == 0);
    CHECK(hub_changed_ports(nullptr, 4, 8) == 0);
}

TEST_CASE("usb hub: the hub interface and its status-change endpoint") {
    Bytes hub = bundle({kHubInterface, kStatusEndpoint});
    auto found = find_hub_interface(hub.data(), hub.size());
    REQUIRE(found.ok());
    CHECK(found.value().configuration_value == 1);
    CHECK(found.value().interface_number == 0);
    CHECK(found.value().status_change.xhci_context_index() == 3);
    CHECK(found.value().status_change.max_packet_size == 2);

    // A keyboard is not a hub; a hub interface in an alternate setting, or
    // with only an OUT or bulk endpoint, is not usable.
    Bytes keyboard = bundle({{9, 4, 0, 0, 1, 3, 1, 1, 0}, {7, 5, 0x81, 3, 8, 0, 10}});
    CHECK(error_of(find_hub_interface(keyboard.data(), keyboard.size())) == Error::kNoEntry);
    Bytes alternate = bundle({{9, 4, 0, 1, 1, 9, 0, 0, 0}, kStatusEndpoint});
    CHECK(error_of(find_hub_interface(alternate.data(), alternate.size())) == Error::kNoEntry);
    Bytes out_only = bundle({kHubInterface, {7, 5, 0x01, 3, 2, 0, 0xff}});
    CHECK(error_of(find_hub_interface(out_only.data(), out_only.size())) == Error::kNoEntry);
    Bytes bulk = bundle({kHubInterface, {7, 5, 0x81, 2, 2, 0, 0xff}});
    CHECK(error_of(find_hub_interface(bulk.data(), bulk.size())) == Error::kNoEntry);

    // A malformed endpoint after the good one still refuses the hub.
    Bytes trailing = bundle(
        {kHubInterface, kStatusEndpoint, {9, 4, 1, 0, 1, 3, 1, 1, 0}, {7, 5, 0x80, 3, 8, 0, 10}});
    CHECK(error_of(find_hub_interface(trailing.data(), trailing.size())) == Error::kCorrupt);

    // Every truncation is refused or finds nothing, and reads no further.
    for (size_t size = 0; size < hub.size(); ++size) {
        Bytes cut(hub.begin(), hub.begin() + long(size));
        auto r = find_hub_interface(cut.data(), cut.size());
        CHECK(!r.ok());
    }
    // Every single-bit change is refused or still finds an interrupt-IN
    // endpoint of a hub interface (under the address sanitizer: no read past).
    for (size_t at = 0; at < hub.size(); ++at) {
        for (int bit = 0; bit < 8; ++bit) {
            Bytes flipped = hub;
            flipped[at] ^= uint8_t(1u << bit);
            auto r = find_hub_interface(flipped.data(), flipped.size());
            if (r.ok()) {
                CHECK(r.value().status_change.is_in());
                CHECK(r.value().status_change.transfer_type() == TransferType::kInterrupt);
            }
        }
    }
}
