"""Reading the guest's screen from a QEMU `screendump` (PPM, P6), standard
library only.

    text_pixels(ppm_path, region)   non-background pixels in a rectangle
    read_text(ppm_path)             the console's text, one string per row,
                                    recognised glyph by glyph with the same
                                    PSF font the kernel embeds
    cell_colours(ppm_path, c, r)    the colours in one text cell
    ppm_to_png(ppm_path, png_path)  for a person to look at

The framebuffer console draws its text grid from the top-left corner, cells
of the font's size, each cell in two colours (foreground and background;
the cursor cell inverted), so exact glyph matching recovers the text.
"""

import collections
import os
import struct
import zlib

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DEFAULT_FONT = os.path.join(os.environ.get("BUILD", os.path.join(ROOT, "build")), "font.psf")


class Image:
    def __init__(self, width, height, rgb):
        self.width, self.height, self.rgb = width, height, rgb

    def pixel(self, x, y):
        i = (y * self.width + x) * 3
        return self.rgb[i:i + 3]


def read_ppm(path):
    with open(path, "rb") as f:
        data = f.read()
    # Header: "P6", width, height, maxval, each separated by whitespace
    # (comments are not produced by QEMU), then one whitespace byte.
    fields, pos = [], 0
    while len(fields) < 4:
        while data[pos:pos + 1].isspace():
            pos += 1
        start = pos
        while not data[pos:pos + 1].isspace():
            pos += 1
        fields.append(data[start:pos])
    pos += 1
    if fields[0] != b"P6" or int(fields[3]) != 255:
        raise ValueError(f"{path}: not an 8-bit P6 PPM")
    width, height = int(fields[1]), int(fields[2])
    rgb = data[pos:pos + width * height * 3]
    if len(rgb) != width * height * 3:
        raise ValueError(f"{path}: truncated PPM")
    return Image(width, height, rgb)


def background(image):
    """The most common colour: the console's background."""
    counts = collections.Counter(image.rgb[i:i + 3] for i in range(0, len(image.rgb), 3 * 97))
    return counts.most_common(1)[0][0]


def text_pixels(ppm_path, region=None, bg=None):
    """Counts the pixels in region (x, y, width, height; default: the whole
    screen) whose colour differs from the background (default: the most
    common colour of the screen)."""
    image = read_ppm(ppm_path)
    x0, y0, w, h = region or (0, 0, image.width, image.height)
    x1, y1 = min(x0 + w, image.width), min(y0 + h, image.height)
    bg = bytes(bg) if bg is not None else background(image)
    count = 0
    for y in range(y0, y1):
        row = image.rgb[(y * image.width + x0) * 3:(y * image.width + x1) * 3]
        for i in range(0, len(row), 3):
            if row[i:i + 3] != bg:
                count += 1
    return count


class Font:
    """A PSF1 or PSF2 font: glyph size and bitmap -> character."""

    def __init__(self, path=DEFAULT_FONT):
        with open(path, "rb") as f:
            data = f.read()
        if data[:2] == b"\x36\x04":
            mode, height = data[2], data[3]
            count, width, offset, size = (512 if mode & 1 else 256), 8, 4, height
            table = self._psf1_table(data[4 + count * size:], count) if mode & 6 else None
        elif struct.unpack_from("<I", data)[0] == 0x864ab572:
            _, _, offset, flags, count, size, height, width = struct.unpack_from("<8I", data)
            table = self._psf2_table(data[offset + count * size:], count) if flags & 1 else None
        else:
            raise ValueError(f"{path}: not a PSF font")
        self.width, self.height = width, height
        self.row_bytes = (width + 7) // 8
        glyphs = [data[offset + i * size:offset + (i + 1) * size] for i in range(count)]
        if table is None:
            table = [[i] for i in range(count)]
        # Printable ASCII first, so it wins when glyphs are shared.
        self.chars = {}
        order = sorted(range(count), key=lambda g: min(
            [c if 0x20 <= c < 0x7f else 0x10000 + c for c in table[g]] or [0x110000]))
        for g in order:
            for c in sorted(table[g], key=lambda c: (not (0x20 <= c < 0x7f), c)):
                if c >= 0x20:
                    self.chars.setdefault(glyphs[g], chr(c))

    @staticmethod
    def _psf1_table(data, count):
        table, pos = [], 0
        for _ in range(count):
            codes, seq = [], False
            while pos + 2 <= len(data):
                v = struct.unpack_from("<H", data, pos)[0]
                pos += 2
                if v == 0xFFFF:
                    break
                if v == 0xFFFE:
                    seq = True
                elif not seq:
                    codes.append(v)
            table.append(codes)
        return table

    @staticmethod
    def _psf2_table(data, count):
        table = []
        for entry in data.split(b"\xff")[:count]:
            single = entry.split(b"\xfe")[0]
            table.append([ord(c) for c in single.decode("utf-8", "replace")])
        return table


def read_text(ppm_path, font=None):
    """The screen's text rows, trailing blanks stripped. Cells that match no
    glyph read as U+FFFD."""
    font = font or Font()
    image = read_ppm(ppm_path)
    columns, rows = image.width // font.width, image.height // font.height
    lines = []
    stride = image.width * 3
    for row in range(rows):
        text = []
        for column in range(columns):
            x0, y0 = column * font.width, row * font.height
            cell_rows = []
            for y in range(font.height):
                start = (y0 + y) * stride + x0 * 3
                cell_rows.append(image.rgb[start:start + font.width * 3])
            text.append(_recognise(cell_rows, font))
        lines.append("".join(text).rstrip())
    return lines


def _recognise(cell_rows, font):
    first = cell_rows[0][0:3]
    bitmaps = []
    for invert in (False, True):
        out = bytearray()
        for line in cell_rows:
            bits = 0
            for x in range(font.width):
                ink = line[x * 3:x * 3 + 3] != first
                bits = bits << 1 | (ink != invert)
            bits <<= font.row_bytes * 8 - font.width
            out += bits.to_bytes(font.row_bytes, "big")
        bitmaps.append(bytes(out))
    for bitmap in bitmaps:
        if bitmap in font.chars:
            return font.chars[bitmap]
    # The cursor block (or any inverted blank) reads as a space.
    if all(line == cell_rows[0][0:3] * font.width for line in cell_rows):
        return " "
    return "\ufffd"


def cell_colours(ppm_path, column, row, font=None):
    """The set of (r, g, b) colours in one text cell."""
    font = font or Font()
    image = read_ppm(ppm_path)
    colours = set()
    for y in range(row * font.height, (row + 1) * font.height):
        for x in range(column * font.width, (column + 1) * font.width):
            colours.add(tuple(image.pixel(x, y)))
    return colours


def ppm_to_png(ppm_path, png_path, crop=None):
    image = read_ppm(ppm_path)
    x0, y0, w, h = crop or (0, 0, image.width, image.height)
    raw = b"".join(b"\0" + image.rgb[((y0 + y) * image.width + x0) * 3:
                                     ((y0 + y) * image.width + x0 + w) * 3] for y in range(h))

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    with open(png_path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


if __name__ == "__main__":
    import sys
    if len(sys.argv) < 2:
        print("usage: screen.py SCREEN.ppm [OUT.png]   (prints the text, writes a PNG)")
        sys.exit(2)
    for line in read_text(sys.argv[1]):
        print(line)
    if len(sys.argv) > 2:
        ppm_to_png(sys.argv[1], sys.argv[2])
