// Placement of the data the entry and exit paths touch while a user root
// may be loaded (page-table isolation, arch/x86_64/kpti.h): the GDT, the
// TSS, the IDT, the per-CPU entry areas and the boot CPU's TSS stacks.
// The linker script gathers these objects on pages of their own
// (__entry_data_start..__entry_data_end), which the user root maps; any
// other kernel data must stay out, or it would be readable under Meltdown.
// Only zero-initialised objects (the section is not loaded from the file).
#pragma once

#define NYANOS_ENTRY_DATA [[gnu::section(".bss.kpti_entry")]]

extern "C" char __entry_text_start[], __entry_text_end[];
extern "C" char __entry_data_start[], __entry_data_end[];
