// The framebuffer text console: the kernel console's second sink, drawn with
// the PSF font embedded at build time (kernel/dev/font.S) into the linear
// framebuffer the loader found (32 bits per pixel, any of the handoff's
// pixel formats). Scrolls, shows a cursor, understands basic ANSI colours,
// clear and erase (see lib/terminal.h for the exact set).
//
// write() and clear() may be called from any CPU and from interrupt
// handlers: they take the console's own lock with interrupts off.
#pragma once

#include <stddef.h>

#include "nyanos/boot/handoff.h"

namespace nyanos::fbcon {

// Parses the embedded font and takes over `fb` (reached through the HHDM,
// which maps the framebuffer). Returns false, having drawn nothing, when
// there is no framebuffer, it is not 32 bpp, it is smaller than one glyph,
// or the font does not parse; the reason is printed on the consoles already
// registered.
bool init(const boot::Framebuffer& fb);
bool active();

// A console::Sink: interprets and draws `text`. A no-op before init().
void write(const char* text, size_t length);

// Blanks the screen, homes the cursor and resets the colours (the clear
// syscall).
void clear();

// Text grid size, 0 x 0 before init().
size_t columns();
size_t rows();

}  // namespace nyanos::fbcon
