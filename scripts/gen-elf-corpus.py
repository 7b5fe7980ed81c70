#!/usr/bin/env python3
"""Writes a corpus of malformed ELF64 files, and a few valid ones, built from
scratch with `struct` (no toolchain needed).

usage: gen-elf-corpus.py OUTDIR

OUTDIR/cases.txt lists one case per line: `<file> <expected>`, where
<expected> is `Ok` for a file that must load as a NyanOS program (it carries
the NyanOS ABI note, include/nyanos/abi/note.h), `LinuxOk` for one that must
load as a Linux program (no valid NyanOS note), or the name of the
nyanos::elf::Reject enumerator without its `k` (e.g. `SegmentsOverlap`) that
validate() must report. The host tests check every line; the in-guest test
suite execs every file, expects `Ok` and `LinuxOk` ones to exit 42 and an
error for the others.

Every case assumes the kernel's user range, for both personalities: PT_LOADs
must lie in [0x400000, USER_LIMIT) with 0x403000 <= USER_LIMIT <= 0x1000000
(the stack top), and an ET_DYN image's span (lowest page to highest end) must
fit in USER_LIMIT - 0x400000. The valid
NyanOS programs exit with status 42 through NyanOS's syscall 8 (exit), the
valid Linux ones through Linux's exit_group (231).

Every case but the header-level ones carries the NyanOS note, so the NyanOS
rules judge it, unless its name says `linux` or `note`. Every case's last
bytes are PT_LOAD contents (a note at the end of a file lies inside one), so
a truncated case is never acceptable.
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
# mov edi, 42 ; mov eax, 8 (NyanOS exit) ; syscall ; jmp .
CODE = bytes.fromhex("bf2a000000" "b808000000" "0f05" "ebfe")
# mov edi, 42 ; mov eax, 231 (Linux exit_group) ; syscall ; ud2 (never a
# silent hang if run with NyanOS's system calls)
LINUX_CODE = bytes.fromhex("bf2a000000" "b8e7000000" "0f05" "0f0b")
assert len(LINUX_CODE) == len(CODE)


def note(name=b"NyanOS\0", ntype=1, desc=struct.pack("<I", 1), namesz=None, descsz=None,
         align=4):
    """One ELF note: header, name and desc, each padded to `align` from the
    note's start (binutils' rule: 4 for ordinary notes, 8 for GNU property
    notes in a PT_NOTE with p_align 8). namesz/descsz override the header."""
    out = struct.pack("<III", len(name) if namesz is None else namesz,
                      len(desc) if descsz is None else descsz, ntype) + name
    out += bytes(-len(out) % align) + desc
    return out + bytes(-len(out) % align)


# The NyanOS ABI note, as user/lib/abi_note.S writes it.
ABI_NOTE = note()
assert ABI_NOTE == bytes.fromhex("07000000" "04000000" "01000000") + b"NyanOS\0\0" + \
    bytes.fromhex("01000000")
GNU_BUILD_ID = note(b"GNU\0", 3, bytes(range(20)))
GNU_PROPERTY = note(b"GNU\0", 5, bytes.fromhex("020000c0" "04000000" "01000000" "00000000"),
                    align=8)


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


class Layout:
    """The layout of the valid program: text (headers, code, then the notes)
    R-X at `base` from offset 0, data RW- at base + 0x1000 from offset 0x1000
    with bss, and a PT_NOTE over the notes (none if `notes` is empty).
    `nphdrs` counts every program header, the PT_NOTE included."""

    def __init__(self, nphdrs=3, notes=ABI_NOTE, code=CODE, base=BASE, note_align=4):
        self.code_off = EHDR_SIZE + nphdrs * PHDR_SIZE
        self.note_off = self.code_off + len(code)
        self.note_off += -self.note_off % 8
        text_size = self.note_off + len(notes)
        self.text = phdr(PT_LOAD, PF_R | PF_X, 0, base, text_size, text_size)
        self.data = phdr(PT_LOAD, PF_R | PF_W, PAGE, base + PAGE, 16, 2 * PAGE)
        self.note = phdr(PT_NOTE, PF_R, self.note_off, base + self.note_off, len(notes), len(notes),
                         align=note_align) if notes else None
        self.entry = base + self.code_off
        self.blobs = [(self.code_off, code), (self.note_off, notes), (PAGE, b"nyanos-corpus!!\0")]

    def phdrs(self, data=None):
        """text, data (or the replacement given) and the PT_NOTE."""
        return [self.text, self.data if data is None else data] + ([self.note] if self.note else [])


def cases():
    std = Layout()
    text, data, entry, blobs = std.text, std.data, std.entry, std.blobs
    ok = elf(std.phdrs(), entry, blobs)
    yield "valid.elf", "Ok", ok

    # A valid file whose headers sit in no PT_LOAD (AT_PHDR = 0) and whose
    # only segment is text (code, then the note): still fine.
    code_off, note_off = PAGE, PAGE + 16
    lone_size = note_off + len(ABI_NOTE) - PAGE
    lone = phdr(PT_LOAD, PF_R | PF_X, PAGE, BASE + PAGE, lone_size, lone_size)
    lone_note = phdr(PT_NOTE, PF_R, note_off, BASE + note_off, len(ABI_NOTE), len(ABI_NOTE), 4)
    yield "valid-text-only.elf", "Ok", elf([lone, lone_note], BASE + PAGE,
                                           [(code_off, CODE), (note_off, ABI_NOTE)])

    # Header-level faults.
    yield "empty.elf", "TooSmall", b""
    yield "truncated-header.elf", "TooSmall", ok[:40]
    hdrs = std.phdrs()
    yield "bad-magic.elf", "BadMagic", elf(hdrs, entry, blobs, magic=b"\x7fELG")
    # Text without a #! line: neither a program nor a script.
    yield "not-elf.elf", "BadMagic", b"echo this is not an ELF file\n" + bytes(64)
    yield "bad-class.elf", "BadClass", elf(hdrs, entry, blobs, ident_class=1)
    yield "bad-data.elf", "BadData", elf(hdrs, entry, blobs, ident_data=2)
    yield "bad-version.elf", "BadVersion", elf(hdrs, entry, blobs, version=2)
    yield "bad-machine.elf", "BadMachine", elf(hdrs, entry, blobs, machine=EM_386)
    yield "type-dyn.elf", "NotExecutable", elf(hdrs, entry, blobs, e_type=ET_DYN)
    yield "bad-phentsize.elf", "BadPhentsize", elf(hdrs, entry, blobs, phentsize=32)
    yield "no-phdrs.elf", "TooManyPhdrs", elf([], entry, blobs, phnum=0)
    yield "huge-phnum.elf", "TooManyPhdrs", elf(hdrs, entry, blobs, phnum=0xffff)
    yield "phoff-past-end.elf", "PhdrsOutsideFile", elf(hdrs, entry, blobs, phoff=0x10000,
                                                        write_table=False)
    yield "phoff-overflow.elf", "PhdrsOutsideFile", elf(hdrs, entry, blobs,
                                                        phoff=(1 << 64) - 16, write_table=False)
    # The table starts inside the file but its end is cut off.
    cut = elf(hdrs, entry, blobs)[:EHDR_SIZE + PHDR_SIZE + 8]
    yield "phdrs-truncated.elf", "PhdrsOutsideFile", cut

    # Segment faults. Each file is otherwise the valid program.
    def with_data(p, **kw):
        return elf(std.phdrs(data=p), entry, blobs, **kw)

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
    wx_text = text[:4] + struct.pack("<I", PF_R | PF_W | PF_X) + text[8:]
    yield "wx-text.elf", "WritableAndExecutable", elf([wx_text, data, std.note], entry, blobs)

    # 17 one-page PT_LOADs: more than the loader's kMaxSegments (16).
    l18 = Layout(nphdrs=18)
    many = [l18.text] + [phdr(PT_LOAD, PF_R, PAGE, BASE + (i + 1) * PAGE, 16, 16)
                         for i in range(16)] + [l18.note]
    yield "too-many-loads.elf", "TooManyPhdrs", elf(many, l18.entry, l18.blobs)

    # Only the note (no PT_LOAD).
    yield "no-load.elf", "NoLoadableSegment", elf([std.note], entry, blobs)
    l4 = Layout(nphdrs=4)
    yield "interp.elf", "HasInterpreter", elf(
        l4.phdrs() + [phdr(PT_INTERP, PF_R, PAGE, 0, 16, 16, align=1)], l4.entry, l4.blobs)

    # Entry faults.
    yield "entry-non-canonical.elf", "EntryNotCanonical", elf(hdrs, 0x0000800000000000, blobs)
    yield "entry-kernel.elf", "EntryNotExecutable", elf(hdrs, 0xffffffff80000000, blobs)
    yield "entry-in-data.elf", "EntryNotExecutable", elf(hdrs, BASE + PAGE, blobs)
    yield "entry-unmapped.elf", "EntryNotExecutable", elf(hdrs, 0x500000, blobs)
    yield "entry-zero.elf", "EntryNotExecutable", elf(hdrs, 0, blobs)

    yield from note_cases()
    yield from linux_cases()


def note_cases():
    """Which personality the notes give. A broken note that still names
    NyanOS's ABI is refused; any other broken or foreign note is ignored, as
    Linux ignores notes, and the file is a Linux program."""

    def with_notes(notes, expected_ok="Ok", note_align=4, **kw):
        code = CODE if expected_ok == "Ok" else LINUX_CODE
        lay = Layout(notes=notes, code=code, note_align=note_align)
        return elf(lay.phdrs(), lay.entry, lay.blobs, **kw)

    bad_version = note(desc=struct.pack("<I", 2))
    yield "note-bad-version.elf", "BadAbiNote", with_notes(bad_version)
    yield "note-bad-descsz.elf", "BadAbiNote", with_notes(note(desc=struct.pack("<Q", 1)))
    yield "note-empty-desc.elf", "BadAbiNote", with_notes(note(desc=b""))
    # The first ABI note is fine, a second one claims another version.
    yield "note-valid-then-bad.elf", "BadAbiNote", with_notes(ABI_NOTE + bad_version)
    # Among GNU's notes, like a toolchain's output; twice (two objects each
    # bringing the note) is fine.
    yield "note-among-gnu.elf", "Ok", with_notes(GNU_BUILD_ID + ABI_NOTE + GNU_BUILD_ID)
    yield "note-twice.elf", "Ok", with_notes(ABI_NOTE + ABI_NOTE)
    # In a PT_NOTE with p_align 8 (as GNU property notes are): 8-byte padding.
    yield "note-align8.elf", "Ok", with_notes(GNU_PROPERTY + note(align=8), note_align=8)
    # The 4-byte padded note in an 8-aligned PT_NOTE reads as garbage there.
    yield "note-align8-misread.elf", "LinuxOk", with_notes(GNU_PROPERTY + ABI_NOTE,
                                                           expected_ok="LinuxOk", note_align=8)

    # Two PT_NOTEs: a GNU one first (align 8), then the ABI note.
    lay = Layout(nphdrs=4)
    gnu_off = lay.note_off + len(ABI_NOTE)
    gnu_off += -gnu_off % 8
    text_size = gnu_off + len(GNU_PROPERTY)
    text = phdr(PT_LOAD, PF_R | PF_X, 0, BASE, text_size, text_size)
    gnu = phdr(PT_NOTE, PF_R, gnu_off, BASE + gnu_off, len(GNU_PROPERTY), len(GNU_PROPERTY), 8)
    yield "note-second-segment.elf", "Ok", elf([text, lay.data, gnu, lay.note], lay.entry,
                                               lay.blobs + [(gnu_off, GNU_PROPERTY)])

    # The note as the file's last bytes: a PT_NOTE inside the data segment,
    # whose file bytes reach the end of the file.
    lay = Layout(nphdrs=3, notes=b"")
    at_end = PAGE + 16
    data = phdr(PT_LOAD, PF_R | PF_W, PAGE, BASE + PAGE, 16 + len(ABI_NOTE), 2 * PAGE)
    end_note = phdr(PT_NOTE, PF_R, at_end, BASE + at_end, len(ABI_NOTE), len(ABI_NOTE), 4)
    f = elf([lay.text, data, end_note], lay.entry, lay.blobs + [(at_end, ABI_NOTE)])
    assert f.endswith(ABI_NOTE)
    yield "note-at-end.elf", "Ok", f

    # Ignored, so these are Linux programs.
    linux = dict(expected_ok="LinuxOk")
    yield "note-wrong-name.elf", "LinuxOk", with_notes(note(name=b"NyanOs\0"), **linux)
    yield "note-name-no-nul.elf", "LinuxOk", with_notes(note(name=b"NyanOS"), **linux)
    yield "note-other-type.elf", "LinuxOk", with_notes(note(ntype=2), **linux)
    yield "note-gnu-only.elf", "LinuxOk", with_notes(GNU_BUILD_ID, **linux)
    # Truncated: the PT_NOTE ends inside the desc.
    yield "note-truncated.elf", "LinuxOk", with_notes(ABI_NOTE[:22], **linux)
    # A name or desc size that runs past the segment (or wraps when padded).
    yield "note-huge-namesz.elf", "LinuxOk", with_notes(
        note(namesz=0xffffffff) + ABI_NOTE, **linux)
    yield "note-huge-descsz.elf", "LinuxOk", with_notes(
        note(descsz=0xfffffffd) + ABI_NOTE, **linux)
    # A p_align binutils calls corrupt: the segment is not read.
    yield "note-bad-align.elf", "LinuxOk", with_notes(ABI_NOTE, note_align=16, **linux)
    # 64 notes are read, no more: the ABI note is the 65th.
    yield "note-too-deep.elf", "LinuxOk", with_notes(note(b"X\0", 7, b"") * 64 + ABI_NOTE,
                                                     **linux)
    # The PT_NOTE's bytes run past the end of the file.
    lay = Layout(notes=b"", code=LINUX_CODE)
    past = phdr(PT_NOTE, PF_R, PAGE, BASE + PAGE, 0x10000, 0x10000, 4)
    yield "note-past-eof.elf", "LinuxOk", elf([lay.text, lay.data, past], lay.entry, lay.blobs)


def linux_cases():
    """Linux programs: no NyanOS note. Static-PIE (ET_DYN without PT_INTERP)
    is fine for them, and only for them."""
    lay = Layout(notes=b"", nphdrs=2, code=LINUX_CODE)
    yield "linux-valid.elf", "LinuxOk", elf(lay.phdrs(), lay.entry, lay.blobs)

    # A static-PIE linked at 0, as gcc -static-pie and musl's rcrt1 make them.
    pie = Layout(notes=b"", nphdrs=2, code=LINUX_CODE, base=0)
    yield "linux-pie.elf", "LinuxOk", elf(pie.phdrs(), pie.entry, pie.blobs, e_type=ET_DYN)
    # Linked at an arbitrary address (the bias moves it): the same.
    high = Layout(notes=b"", nphdrs=2, code=LINUX_CODE, base=0x7f0000000000)
    yield "linux-pie-high.elf", "LinuxOk", elf(high.phdrs(), high.entry, high.blobs,
                                               e_type=ET_DYN)
    # A dynamically linked PIE: refused for the interpreter.
    p3 = Layout(notes=b"", nphdrs=3, code=LINUX_CODE, base=0)
    interp = phdr(PT_INTERP, PF_R, PAGE, 0x1000, 16, 16, align=1)
    yield "linux-pie-interp.elf", "HasInterpreter", elf(p3.phdrs() + [interp], p3.entry,
                                                        p3.blobs, e_type=ET_DYN)
    # Its span (lowest page to highest end) is more than any range holds:
    # 128 TiB of bss, the whole user half.
    big = phdr(PT_LOAD, PF_R | PF_W, PAGE, PAGE, 16, 1 << 47)
    yield "linux-pie-too-big.elf", "SegmentOutsideUserRange", elf(
        pie.phdrs(data=big), pie.entry, pie.blobs, e_type=ET_DYN)
    # The NyanOS rules do not change for want of a note.
    yield "linux-wx.elf", "WritableAndExecutable", elf(
        lay.phdrs(data=phdr(PT_LOAD, PF_R | PF_W | PF_X, PAGE, BASE + PAGE, 16, PAGE)),
        lay.entry, lay.blobs)
    yield "linux-shared-page.elf", "SegmentsOverlap", elf(
        lay.phdrs(data=phdr(PT_LOAD, PF_R | PF_W, 0x800, BASE + 0x800, 16, 16)), lay.entry,
        lay.blobs)


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
