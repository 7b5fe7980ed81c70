#!/usr/bin/env python3
"""Writes a corpus of malformed ELF64 files, and a few valid ones, built from
scratch with `struct` (no toolchain needed).

usage: gen-elf-corpus.py OUTDIR

OUTDIR/cases.txt lists one case per line: `<file> <expected>`, where
<expected> is `Ok` for a file that must load, or the name of the
nyanos::elf::Reject enumerator without its `k` (e.g. `SegmentsOverlap`) that
validate() must report. The host tests check every line; the in-guest test
suite execs every file and expects an error for all but the `Ok` ones.

Every case assumes the kernel's user range: PT_LOADs must lie in
[0x400000, USER_LIMIT) with 0x403000 <= USER_LIMIT <= 0x1000000 (the stack
top). The valid programs exit with status 42 through syscall 8 (exit).
"""

import os
import struct
import sys

EHDR_SIZE = 64
PHDR_SIZE = 56
PAGE = 0x1000

ET_EXEC, ET_DYN = 2, 3
EM_386, EM_X86_64 = 3, 62
PT_LOAD, PT_INTERP, PT_NOTE, PT_PHDR = 1, 3, 4, 6
PF_X, PF_W, PF_R = 1, 2, 4

BASE = 0x400000
# mov edi, 42 ; mov eax, 8 (exit) ; syscall ; jmp .
CODE = bytes.fromhex("bf2a000000" "b808000000" "0f05" "ebfe")


def phdr(p_type, flags, offset, vaddr, filesz, memsz, align=PAGE):
    return struct.pack("<IIQQQQQQ", p_type, flags, offset, vaddr, vaddr, filesz, memsz, align)


def elf(phdrs, entry, blobs=(), size=None, ident_class=2, ident_data=1, ident_version=1,
        e_type=ET_EXEC, machine=EM_X86_64, version=1, phoff=EHDR_SIZE, phentsize=PHDR_SIZE,
        phnum=None, magic=b"\x7fELF", write_table=True):
    """An ELF image: header, program headers at `phoff` and `blobs`
    ((offset, bytes) pairs). The file is zero padded to `size` when given."""
    if phnum is None:
        phnum = len(phdrs)
    ident = magic + bytes([ident_class, ident_data, ident_version, 0]) + bytes(8)
    header = ident + struct.pack("<HHIQQQIHHHHHH", e_type, machine, version, entry, phoff, 0, 0,
                                 EHDR_SIZE, phentsize, phnum, 0, 0, 0)
    assert len(header) == EHDR_SIZE
    pieces = [(0, header)]
    table = b"".join(phdrs)
    if table and write_table:
        pieces.append((phoff, table))
    pieces.extend(blobs)
    end = max(off + len(data) for off, data in pieces)
    out = bytearray(max(end, size or 0))
    for off, data in pieces:
        out[off:off + len(data)] = data
    if size is not None:
        del out[size:]
    return bytes(out)


def standard(nphdrs=2):
    """The layout of the valid program: text (headers + code) R-X at BASE
    from offset 0, data RW- at BASE + 0x1000 from offset 0x1000 with bss."""
    code_off = EHDR_SIZE + nphdrs * PHDR_SIZE
    text_size = code_off + len(CODE)
    text = phdr(PT_LOAD, PF_R | PF_X, 0, BASE, text_size, text_size)
    data = phdr(PT_LOAD, PF_R | PF_W, PAGE, BASE + PAGE, 16, 2 * PAGE)
    blobs = [(code_off, CODE), (PAGE, b"nyanos-corpus!!\0")]
    return text, data, BASE + code_off, blobs


def cases():
    text, data, entry, blobs = standard()
    ok = elf([text, data], entry, blobs)
    yield "valid.elf", "Ok", ok

    # A valid file whose headers sit in no PT_LOAD (AT_PHDR = 0) and whose
    # only segment is text: still fine.
    code_off = PAGE
    lone = phdr(PT_LOAD, PF_R | PF_X, PAGE, BASE + PAGE, len(CODE), len(CODE))
    yield "valid-text-only.elf", "Ok", elf([lone], BASE + PAGE, [(code_off, CODE)])

    # Header-level faults.
    yield "empty.elf", "TooSmall", b""
    yield "truncated-header.elf", "TooSmall", ok[:40]
    yield "bad-magic.elf", "BadMagic", elf([text, data], entry, blobs, magic=b"\x7fELG")
    yield "not-elf.elf", "BadMagic", b"#!/bin/sh\necho this is not an ELF file\n" + bytes(64)
    yield "bad-class.elf", "BadClass", elf([text, data], entry, blobs, ident_class=1)
    yield "bad-data.elf", "BadData", elf([text, data], entry, blobs, ident_data=2)
    yield "bad-version.elf", "BadVersion", elf([text, data], entry, blobs, version=2)
    yield "bad-machine.elf", "BadMachine", elf([text, data], entry, blobs, machine=EM_386)
    yield "type-dyn.elf", "NotExecutable", elf([text, data], entry, blobs, e_type=ET_DYN)
    yield "bad-phentsize.elf", "BadPhentsize", elf([text, data], entry, blobs, phentsize=32)
    yield "no-phdrs.elf", "TooManyPhdrs", elf([], entry, blobs, phnum=0)
    yield "huge-phnum.elf", "TooManyPhdrs", elf([text, data], entry, blobs, phnum=0xffff)
    yield "phoff-past-end.elf", "PhdrsOutsideFile", elf([text, data], entry, blobs,
                                                        phoff=0x10000, write_table=False)
    yield "phoff-overflow.elf", "PhdrsOutsideFile", elf([text, data], entry, blobs,
                                                        phoff=(1 << 64) - 16, write_table=False)
    # The table starts inside the file but its end is cut off.
    cut = elf([text, data], entry, blobs)[:EHDR_SIZE + PHDR_SIZE + 8]
    yield "phdrs-truncated.elf", "PhdrsOutsideFile", cut

    # Segment faults. Each file is otherwise the valid program.
    def with_data(p, **kw):
        return elf([text, p], entry, blobs, **kw)

    yield "segment-past-end.elf", "SegmentOutsideFile", with_data(
        phdr(PT_LOAD, PF_R | PF_W, PAGE, BASE + PAGE, 0x100000, 0x100000))
    yield "segment-offset-overflow.elf", "SegmentOutsideFile", with_data(
        phdr(PT_LOAD, PF_R | PF_W, (1 << 64) - 8, BASE + PAGE, 16, 16, align=1))
    yield "filesz-over-memsz.elf", "FileszOverMemsz", with_data(
        phdr(PT_LOAD, PF_R | PF_W, PAGE, BASE + PAGE, 16, 8))
    yield "load-kernel-half.elf", "SegmentOutsideUserRange", with_data(
        phdr(PT_LOAD, PF_R | PF_W, PAGE, 0xffffffff80000000, 16, PAGE))
    yield "load-hhdm.elf", "SegmentOutsideUserRange", with_data(
        phdr(PT_LOAD, PF_R | PF_W, PAGE, 0xffff800000000000, 16, PAGE))
    yield "load-below-user-min.elf", "SegmentOutsideUserRange", with_data(
        phdr(PT_LOAD, PF_R | PF_W, PAGE, 0x1000, 16, PAGE))
    yield "load-over-stack.elf", "SegmentOutsideUserRange", with_data(
        phdr(PT_LOAD, PF_R | PF_W, PAGE, BASE + PAGE, 16, 0x1000000))
    yield "load-wraps.elf", "SegmentWraps", with_data(
        phdr(PT_LOAD, PF_R | PF_W, PAGE, BASE + PAGE, 16, (1 << 64) - BASE))
    yield "load-overlap.elf", "SegmentsOverlap", with_data(
        phdr(PT_LOAD, PF_R | PF_W, 0, BASE, 16, 2 * PAGE))
    # Different bytes, one shared page: rejected (each page has one owner).
    yield "load-shared-page.elf", "SegmentsOverlap", with_data(
        phdr(PT_LOAD, PF_R | PF_W, 0x800, BASE + 0x800, 16, 16))
    yield "bad-align-not-pow2.elf", "BadAlignment", with_data(
        phdr(PT_LOAD, PF_R | PF_W, PAGE, BASE + PAGE, 16, PAGE, align=0x1800))
    yield "bad-align-congruence.elf", "BadAlignment", with_data(
        phdr(PT_LOAD, PF_R | PF_W, PAGE + 0x10, BASE + PAGE, 16, PAGE), size=2 * PAGE)
    yield "wx-segment.elf", "WritableAndExecutable", with_data(
        phdr(PT_LOAD, PF_R | PF_W | PF_X, PAGE, BASE + PAGE, 16, PAGE))
    wx_text = phdr(PT_LOAD, PF_R | PF_W | PF_X, 0, BASE, EHDR_SIZE + 2 * PHDR_SIZE + len(CODE),
                   EHDR_SIZE + 2 * PHDR_SIZE + len(CODE))
    yield "wx-text.elf", "WritableAndExecutable", elf([wx_text, data], entry, blobs)

    # 17 one-page PT_LOADs: more than the loader's kMaxSegments (16).
    many = [text] + [phdr(PT_LOAD, PF_R, PAGE, BASE + (i + 1) * PAGE, 16, 16) for i in range(16)]
    t17, _, e17, b17 = standard(nphdrs=17)
    many[0] = t17
    yield "too-many-loads.elf", "TooManyPhdrs", elf(many, e17, b17)

    yield "no-load.elf", "NoLoadableSegment", elf(
        [phdr(PT_NOTE, PF_R, PAGE, 0, 16, 16)], entry, blobs)
    t3, d3, e3, b3 = standard(nphdrs=3)
    yield "interp.elf", "HasInterpreter", elf(
        [t3, d3, phdr(PT_INTERP, PF_R, PAGE, 0, 16, 16, align=1)], e3, b3)

    # Entry faults.
    yield "entry-non-canonical.elf", "EntryNotCanonical", elf([text, data], 0x0000800000000000,
                                                              blobs)
    yield "entry-kernel.elf", "EntryNotExecutable", elf([text, data], 0xffffffff80000000, blobs)
    yield "entry-in-data.elf", "EntryNotExecutable", elf([text, data], BASE + PAGE, blobs)
    yield "entry-unmapped.elf", "EntryNotExecutable", elf([text, data], 0x500000, blobs)
    yield "entry-zero.elf", "EntryNotExecutable", elf([text, data], 0, blobs)


def main():
    if len(sys.argv) != 2:
        sys.stderr.write("usage: gen-elf-corpus.py OUTDIR\n")
        return 2
    outdir = sys.argv[1]
    os.makedirs(outdir, exist_ok=True)
    lines = []
    for name, expected, data in cases():
        with open(os.path.join(outdir, name), "wb") as f:
            f.write(data)
        lines.append(f"{name} {expected}\n")
    # Written last and atomically, so a half-written corpus is never "done".
    tmp = os.path.join(outdir, "cases.txt.tmp")
    with open(tmp, "w") as f:
        f.writelines(lines)
    os.replace(tmp, os.path.join(outdir, "cases.txt"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
