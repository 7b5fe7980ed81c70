/* The NyanOS ABI note, shared by the kernel (kernel/proc/elf.cpp reads it),
 * the SDK (user/lib/abi_note.S writes it) and programs built without the SDK.
 * C, C++ and assembly (macros only).
 *
 * A program that carries this note runs with NyanOS's system calls
 * (include/nyanos/abi/syscall.h); every other static x86_64 executable runs
 * with the Linux personality. The note is an ordinary ELF note in a PT_NOTE
 * segment (4-byte padding, as for every ELF64 note but GNU properties):
 *
 *     namesz = 7, descsz = 4, type = 1, name = "NyanOS\0" + 1 byte of padding,
 *     desc   = the ABI version as a little-endian 32-bit number (1).
 *
 * Without the SDK, in assembly:
 *
 *     .section .note.nyanos, "a", @note
 *     .balign 4
 *     .long 7, 4, 1
 *     .asciz "NyanOS"
 *     .balign 4
 *     .long 1
 *
 * and a PT_NOTE program header over it (GNU ld's default linker script makes
 * one for SHT_NOTE sections by itself; an explicit PHDRS needs a PT_NOTE
 * entry). A NyanOS note of type 1 with another version or size is refused
 * (ENOEXEC): such a program is not run as a Linux one. */
#ifndef NYANOS_ABI_NOTE_H
#define NYANOS_ABI_NOTE_H

#define NYAN_ABI_NOTE_NAME "NyanOS" /* NUL included in namesz */
#define NYAN_ABI_NOTE_NAMESZ 7
#define NYAN_ABI_NOTE_TYPE 1 /* the ABI tag: desc is the version */
#define NYAN_ABI_NOTE_DESCSZ 4
#define NYAN_ABI_VERSION 1
#define NYAN_ABI_NOTE_SECTION ".note.nyanos"

#endif
