#!/usr/bin/env python3
"""Writes a few well-formed USB descriptors as seeds for the usb_descriptors
fuzz target, laid out as real devices send them.

usage: gen_usb_seeds.py OUTDIR

keyboard.cfg   a boot keyboard's configuration bundle: interface, HID, endpoint.
composite.cfg  keyboard and mouse in one device, with a vendor interface
               (an OUT endpoint, a class-specific descriptor) between them.
device.bin     a USB 2.0 device descriptor (control endpoint 64 bytes).
usb3.bin       a USB 3 device descriptor (control endpoint 2^9 bytes).
hub2.bin       a USB 2 hub descriptor, 4 ports.
hub3.bin       a USB 3 hub descriptor, 4 ports.
"""
import os
import struct
import sys


def interface(number, cls, subclass, protocol, endpoints=1):
    return bytes([9, 4, number, 0, endpoints, cls, subclass, protocol, 0])


def hid(report_length):
    return bytes([9, 0x21, 0x11, 0x01, 0, 1, 0x22]) + struct.pack("<H", report_length)


def endpoint(address, attributes, size, interval):
    return bytes([7, 5, address, attributes]) + struct.pack("<H", size) + bytes([interval])


def configuration(body, interfaces):
    return bytes([9, 2]) + struct.pack("<H", 9 + len(body)) + bytes([interfaces, 1, 0, 0xa0, 50]) + body


def device(usb_version, ep0):
    return bytes([18, 1]) + struct.pack("<H", usb_version) + bytes([0, 0, 0, ep0]) + \
        struct.pack("<HHH", 0x0627, 0x0001, 0x0100) + bytes([1, 2, 3, 1])


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    keyboard = interface(0, 3, 1, 1) + hid(63) + endpoint(0x81, 3, 8, 10)
    mouse = interface(2, 3, 1, 2) + hid(52) + endpoint(0x83, 3, 4, 10)
    vendor = interface(1, 0xff, 0, 0) + bytes([4, 0x24, 1, 0]) + endpoint(0x02, 2, 64, 0)
    seeds = {
        "keyboard.cfg": configuration(keyboard, 1),
        "composite.cfg": configuration(keyboard + vendor + mouse, 3),
        "device.bin": device(0x0200, 64),
        "usb3.bin": device(0x0320, 9),
        "hub2.bin": bytes([9, 0x29, 4, 0xe9, 0, 50, 100, 0, 0xff]),
        "hub3.bin": bytes([12, 0x2a, 4, 0x09, 0, 10, 0, 0x04, 0, 0, 0, 0]),
    }
    for name, data in seeds.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
