#!/usr/bin/env python3
"""Writes a few well-formed multiboot2 boot information structures (MBIs), laid
out as GRUB lays them out, as seeds for the multiboot2 fuzz target.

usage: gen_mbi_seeds.py OUTDIR

bios.mbi  what GRUB hands over under legacy BIOS: command line, loader name,
          a module, basic meminfo, a memory map, an RGB framebuffer, the old RSDP.
efi.mbi   under UEFI: EFI64 system table and image handle, new RSDP, an EFI
          memory map tag (skipped by the parser), a memory map with a hole.
tiny.mbi  the smallest valid MBI: the header and the end tag.
"""
import os
import struct
import sys


def tag(tag_type, payload):
    body = struct.pack("<II", tag_type, 8 + len(payload)) + payload
    return body + bytes(-len(body) % 8)


def mbi(tags):
    body = b"".join(tags) + tag(0, b"")
    return struct.pack("<II", 8 + len(body), 0) + body


def memory_map(entries):
    payload = struct.pack("<II", 24, 0)
    for base, length, kind in entries:
        payload += struct.pack("<QQII", base, length, kind, 0)
    return tag(6, payload)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    rsdp_v1 = b"RSD PTR " + bytes(12)
    bios = mbi([
        tag(1, b"init=/bin/testsuite -- --long\0"),
        tag(2, b"GRUB 2.06\0"),
        tag(3, struct.pack("<II", 0x200000, 0x240000) + b"initrd\0"),
        tag(4, struct.pack("<II", 639, 64512)),
        memory_map([(0, 0x9fc00, 1), (0x9fc00, 0x400, 2), (0xf0000, 0x10000, 2),
                    (0x100000, 0x3ee0000, 1), (0xfffc0000, 0x40000, 2)]),
        tag(8, struct.pack("<QIIIBBH", 0xfd000000, 4096, 1024, 768, 32, 1, 0)
            + bytes([16, 8, 8, 8, 0, 8])),
        tag(14, rsdp_v1),
    ])
    efi = mbi([
        tag(1, b"init=/bin/sh\0"),
        tag(2, b"GRUB 2.06\0"),
        tag(12, struct.pack("<Q", 0x7f9ee018)),
        tag(20, struct.pack("<Q", 0x7e1c5a98)),
        tag(15, b"RSD PTR " + bytes(28)),
        tag(17, struct.pack("<II", 48, 1) + bytes(48 * 2)),
        memory_map([(0, 0xa0000, 1), (0x100000, 0x7f00000, 1), (0x8000000, 0x100000, 4),
                    (0x100000000, 0x80000000, 1), (0xffc00000, 0x400000, 2)]),
        tag(3, struct.pack("<II", 0x9000, 0x9800) + b"a\0"),
        tag(3, struct.pack("<II", 0x9800, 0x9800) + b"empty\0"),
    ])
    for name, data in (("bios.mbi", bios), ("efi.mbi", efi), ("tiny.mbi", mbi([]))):
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
