// The NyanOS multiboot2 loader's first instructions. GRUB (BIOS or EFI)
// enters here in 32-bit protected mode, paging off, EAX = the multiboot2
// magic, EBX = the physical address of the MBI. Nothing else can be trusted:
// not the stack, not the GDT.
//
// This file: the multiboot2 header; a CPUID check for long mode and NX with a
// readable message when they are missing (VGA text and COM1, the only
// outputs there are this early); a temporary identity map of the first
// 4 GiB with 2 MiB pages; PAE, EFER.LME+NXE, paging; the far jump to 64-bit
// code, which calls loader_main (loader.cpp). enter_kernel at the end is the
// last step of the loader: CR3 switch and jump into kernel.elf.
//
// The ELF is ELF64 linked at 0x200000 (grub/loader.ld); the 32-bit part is
// assembled with .code32 and only uses 32-bit absolute addresses.

#define MB2_MAGIC          0xe85250d6
#define MB2_ARCH_I386      0
#define MB2_TAG_OPTIONAL   1
#define MB2_TAG_FRAMEBUFFER 5
#define MB2_TAG_MODULE_ALIGN 6

#define CR0_PE   (1 << 0)
#define CR0_PG   (1 << 31)
#define CR4_PAE  (1 << 5)
#define MSR_EFER 0xc0000080
#define EFER_LME (1 << 8)
#define EFER_NXE (1 << 11)
#define COM1     0x3f8

// ---------------------------------------------------------------------------
// The multiboot2 header: within the first 32 KiB of the file, 8-byte aligned
// (the linker script puts .multiboot2 first).
    .section .multiboot2, "a"
    .balign 8
    .globl mb2_header
mb2_header:
    .long MB2_MAGIC
    .long MB2_ARCH_I386
    .long mb2_header_end - mb2_header
    .long -(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))

    // A linear framebuffer, 1024x768x32 if possible. Optional: a machine
    // without a suitable mode still boots (text mode, fb=none), since the
    // kernel's serial console works without it.
    .balign 8
    .short MB2_TAG_FRAMEBUFFER
    .short MB2_TAG_OPTIONAL
    .long 20
    .long 1024
    .long 768
    .long 32

    // Page-aligned modules: the ramdisk stays where GRUB put it and is handed
    // over by whole frames.
    .balign 8
    .short MB2_TAG_MODULE_ALIGN
    .short 0
    .long 8

    .balign 8
    .short 0
    .short 0
    .long 8
mb2_header_end:

// ---------------------------------------------------------------------------
    .section .text
    .code32
    .globl loader_entry32
    .type loader_entry32, @function
loader_entry32:
    cli
    cld
    // Keep GRUB's registers; zero .bss (the stack and the bootstrap page
    // tables live there) without touching memory GRUB did not give us.
    mov %eax, %ebp
    mov %ebx, %esi
    mov $__bss_start, %edi
    mov $__bss_end, %ecx
    sub %edi, %ecx
    shr $2, %ecx
    xor %eax, %eax
    rep stosl
    mov %ebp, mb2_magic
    mov %esi, mb2_info
    mov $boot_stack_top, %esp

    cmp $0x36d76289, %ebp
    jne .Lnot_multiboot2

    // Long mode (CPUID 0x80000001 EDX bit 29) and NX (bit 20).
    mov $0x80000000, %eax
    cpuid
    cmp $0x80000001, %eax
    jb .Lno_long_mode
    mov $0x80000001, %eax
    cpuid
    test $(1 << 29), %edx
    jz .Lno_long_mode
    test $(1 << 20), %edx
    jz .Lno_nx

    // Identity map of the first 4 GiB: PML4[0] -> PDPT, PDPT[0..3] -> four
    // page directories of 512 2 MiB pages each (present, writable, PS).
    mov $boot_pdpt, %eax
    or $3, %eax
    mov %eax, boot_pml4
    mov $boot_pd, %eax
    or $3, %eax
    mov $boot_pdpt, %edi
    mov $4, %ecx
1:  mov %eax, (%edi)
    add $4096, %eax
    add $8, %edi
    loop 1b
    mov $boot_pd, %edi
    mov $0x83, %eax
    mov $2048, %ecx
2:  mov %eax, (%edi)
    add $0x200000, %eax
    add $8, %edi
    loop 2b

    lgdt gdt_pointer
    mov $boot_pml4, %eax
    mov %eax, %cr3
    mov %cr4, %eax
    or $CR4_PAE, %eax
    mov %eax, %cr4
    mov $MSR_EFER, %ecx
    rdmsr
    or $(EFER_LME | EFER_NXE), %eax
    wrmsr
    mov %cr0, %eax
    or $(CR0_PG | CR0_PE), %eax
    mov %eax, %cr0
    ljmp $0x08, $long_mode_entry

.Lnot_multiboot2:
    mov $msg_not_multiboot2, %esi
    jmp .Lfatal32
.Lno_long_mode:
    mov $msg_no_long_mode, %esi
    jmp .Lfatal32
.Lno_nx:
    mov $msg_no_nx, %esi
    // fall through

// Prints the NUL-terminated string at ESI on the VGA text screen (white on
// red, top line) and on COM1, then halts for good.
.Lfatal32:
    // COM1: 115200 8N1, FIFO on. Harmless when there is no UART.
    mov $(COM1 + 1), %dx
    xor %al, %al
    out %al, %dx            // no interrupts
    mov $(COM1 + 3), %dx
    mov $0x80, %al
    out %al, %dx            // DLAB
    mov $COM1, %dx
    mov $1, %al
    out %al, %dx            // divisor 1 = 115200
    mov $(COM1 + 1), %dx
    xor %al, %al
    out %al, %dx
    mov $(COM1 + 3), %dx
    mov $3, %al
    out %al, %dx            // 8N1
    mov $(COM1 + 2), %dx
    mov $0xc7, %al
    out %al, %dx            // FIFO
    mov $0xb8000, %edi
.Lfatal_char:
    movb (%esi), %bl
    test %bl, %bl
    jz .Lfatal_halt
    mov %bl, %al
    mov $0x4f, %ah
    cmp $0x20, %bl          // control characters go to COM1 only
    jb 4f
    movw %ax, (%edi)
    add $2, %edi
4:  // Wait (boundedly: an absent UART reads 0xff) for the transmitter.
    mov $100000, %ecx
3:  mov $(COM1 + 5), %dx
    in %dx, %al
    test $0x20, %al
    jnz 5f
    loop 3b
5:  mov $COM1, %dx
    mov %bl, %al
    out %al, %dx
    inc %esi
    jmp .Lfatal_char
.Lfatal_halt:
    cli
    hlt
    jmp .Lfatal_halt
    .size loader_entry32, . - loader_entry32

// ---------------------------------------------------------------------------
    .code64
long_mode_entry:
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    xor %ax, %ax
    mov %ax, %fs
    mov %ax, %gs
    mov $boot_stack_top, %rsp
    xor %ebp, %ebp
    mov mb2_magic(%rip), %edi
    mov mb2_info(%rip), %esi
    call loader_main        // [[noreturn]]
1:  cli
    hlt
    jmp 1b

// void enter_kernel(uint64_t pml4, uint64_t stack_top, uint64_t boot_info,
//                   uint64_t entry) [[noreturn]]
// Switches to the kernel's PML4 (which identity-maps this code), moves to the
// kernel's boot stack and jumps to kernel.elf's entry with RDI = BootInfo.
    .globl enter_kernel
    .type enter_kernel, @function
enter_kernel:
    mov %rdi, %cr3
    mov %rsi, %rsp
    mov %rdx, %rdi
    xor %ebp, %ebp
    jmp *%rcx
    .size enter_kernel, . - enter_kernel

// ---------------------------------------------------------------------------
    .section .rodata
    .balign 8
gdt:
    .quad 0
    .quad 0x00af9a000000ffff    // 0x08: 64-bit code, DPL 0
    .quad 0x00cf92000000ffff    // 0x10: data
gdt_end:
gdt_pointer:
    .word gdt_end - gdt - 1
    .quad gdt

msg_not_multiboot2:
    .asciz "nyanos-loader: not started by a multiboot2 boot loader (bad EAX magic); halting.\r\n"
msg_no_long_mode:
    .asciz "nyanos-loader: this CPU has no 64-bit long mode; NyanOS needs an x86_64 CPU. Halting.\r\n"
msg_no_nx:
    .asciz "nyanos-loader: this CPU has no NX (no-execute) bit; NyanOS needs it. Halting.\r\n"

    .section .bss
    .balign 4096
boot_pml4:  .skip 4096
boot_pdpt:  .skip 4096
boot_pd:    .skip 4 * 4096
boot_stack: .skip 32768
boot_stack_top:
    .balign 8
mb2_magic: .skip 4
mb2_info:  .skip 4

    .section .note.GNU-stack, "", @progbits
