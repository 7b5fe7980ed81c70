/* The console font, embedded at build time. FONT_PATH is the decompressed PSF
 * from Debian's console-setup-linux package (mk/kernel.mk makes it); the
 * framebuffer console parses it with lib/psf. */
    .section .rodata.console_font, "a"
    .balign 16
    .global nyanos_console_font
nyanos_console_font:
    .incbin FONT_PATH
    .global nyanos_console_font_end
nyanos_console_font_end:

    .section .note.GNU-stack, "", @progbits
