// The application processors' way from a STARTUP IPI to the kernel: real
// mode -> protected mode -> long mode -> the kernel-half entry point. The
// layout, the data block and the contract: ap_trampoline.h.
//
// This is data to the kernel: smp.cpp copies it to a frame below 1 MiB and
// fills in the data block; it is never executed where it is linked. So it
// must not refer to itself by absolute address: the 16-bit part uses
// offsets from the frame's start (CS's base is the frame), the 32- and
// 64-bit parts add those offsets to EBX, the frame's physical address.
#include "arch/x86_64/ap_trampoline.h"

#define MSR_EFER 0xc0000080
#define CR0_PE (1 << 0)
#define CR0_MP (1 << 1)
#define CR0_ET (1 << 4)
#define CR0_NE (1 << 5)
#define CR0_WP (1 << 16)
#define CR0_PG (1 << 31)
#define CR4_PAE (1 << 5)

// An offset in the copied frame.
#define OFFSET(label) ((label) - ap_trampoline_start)
#define DATA(field) (OFFSET(ap_trampoline_data) + (field))

    .section .rodata.ap_trampoline, "a"
    .balign 16
    .globl ap_trampoline_start
ap_trampoline_start:
    .code16
    cli
    cld
    mov %cs, %ax
    mov %ax, %ds
    xor %ebx, %ebx
    mov %cs, %bx
    shl $4, %ebx                    // EBX: the frame's physical address
    lgdtl DATA(AP_DATA_GDTR)
    mov %cr0, %eax
    or $CR0_PE, %eax
    mov %eax, %cr0
    ljmpl *DATA(AP_DATA_FAR32)      // to ap_protected_mode, CS = 32-bit code

    .code32
ap_protected_mode:
    mov $AP_SELECTOR_DATA32, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov %ax, %fs
    mov %ax, %gs
    mov $CR4_PAE, %eax              // the rest of CR4 comes in 64-bit C++ code
    mov %eax, %cr4
    mov DATA(AP_DATA_CR3)(%ebx), %eax
    mov %eax, %cr3
    mov $MSR_EFER, %ecx
    rdmsr
    or DATA(AP_DATA_EFER)(%ebx), %eax   // LME, and NXE: the tables carry NX bits
    wrmsr
    // Paging on; CD and NW clear (INIT left the caches disabled).
    mov $(CR0_PG | CR0_WP | CR0_NE | CR0_ET | CR0_MP | CR0_PE), %eax
    mov %eax, %cr0
    ljmpl *DATA(AP_DATA_FAR64)(%ebx)   // to ap_long_mode, CS = 64-bit code

    .code64
ap_long_mode:
    movl %ebx, %ebx                 // the upper half is undefined after the mode switch
    movq DATA(AP_DATA_STACK)(%rbx), %rsp
    movq DATA(AP_DATA_ARGUMENT)(%rbx), %rdi
    movq DATA(AP_DATA_ENTRY)(%rbx), %rax
    xorl %ebp, %ebp                 // ends backtraces
    pushq $0                        // a null return address: RSP % 16 == 8, as after a call
    jmp *%rax

    .balign 8
ap_trampoline_gdt:
    .quad 0
    .quad 0x00cf9a000000ffff        // 0x08: 32-bit code, base 0, limit 4 GiB
    .quad 0x00cf92000000ffff        // 0x10: 32-bit data, base 0, limit 4 GiB
    .quad 0x00af9a000000ffff        // 0x18: 64-bit code
ap_trampoline_gdt_end:

// The data block. The three addresses are assembled as offsets in the frame;
// the boot CPU adds the frame's physical address to them in the copy.
    .balign 8
    .globl ap_trampoline_data
ap_trampoline_data:
    .word ap_trampoline_gdt_end - ap_trampoline_gdt - 1     // AP_DATA_GDTR
    .long OFFSET(ap_trampoline_gdt)
    .word 0
    .long OFFSET(ap_protected_mode)                         // AP_DATA_FAR32
    .word AP_SELECTOR_CODE32, 0
    .long OFFSET(ap_long_mode)                              // AP_DATA_FAR64
    .word AP_SELECTOR_CODE64, 0
    .long 0                                                 // AP_DATA_CR3
    .long 0                                                 // AP_DATA_EFER
    .quad 0                                                 // AP_DATA_STACK
    .quad 0                                                 // AP_DATA_ENTRY
    .quad 0                                                 // AP_DATA_ARGUMENT
ap_trampoline_data_end:
    .globl ap_trampoline_end
ap_trampoline_end:

    .if ap_trampoline_data_end - ap_trampoline_data != AP_DATA_SIZE
    .error "the data block does not match ap_trampoline.h"
    .endif

    .section .note.GNU-stack,"",@progbits
