// The application processors' start-up code (ap_trampoline.S) and the data
// block the boot CPU fills in before each start. Shared by the assembly and
// smp.cpp: plain #defines, usable from both.
//
// The code is copied to a 4 KiB frame below 1 MiB at run time; a STARTUP IPI
// starts a processor there in real mode with CS = frame >> 4, IP = 0. It
// goes to protected mode on its own small GDT, turns on PAE, long mode and
// paging with a bring-up PML4 below 4 GiB (CR3 is loaded from 32-bit code),
// and jumps from the identity-mapped frame to the kernel-half entry point on
// the kernel stack the data block names, with the entry's argument in RDI.
#pragma once

// Offsets into the data block (AP_DATA_*), which starts at
// ap_trampoline_data - ap_trampoline_start.
#define AP_DATA_GDTR 0       // 16-bit limit, 32-bit physical base of the GDT
#define AP_DATA_FAR32 8      // 32-bit offset (physical), 16-bit selector
#define AP_DATA_FAR64 16     // the same for the jump to 64-bit code
#define AP_DATA_CR3 24       // 32 bits: the bring-up PML4
#define AP_DATA_EFER 28      // 32 bits: EFER bits to set (LME, NXE)
#define AP_DATA_STACK 32     // 64 bits: initial RSP, a kernel-half address
#define AP_DATA_ENTRY 40     // 64 bits: the kernel-half entry point
#define AP_DATA_ARGUMENT 48  // 64 bits: passed in RDI
#define AP_DATA_SIZE 56

// Selectors of the trampoline's own GDT.
#define AP_SELECTOR_CODE32 0x08
#define AP_SELECTOR_DATA32 0x10
#define AP_SELECTOR_CODE64 0x18
