/* fpu-probe's own entry: records the FPU/SSE state the kernel started the
 * process with (fxsave64: x87, MXCSR and XMM0-15) before any instruction can
 * change it, and, where AVX is usable, YMM0-15 whole (their upper halves are
 * not in the fxsave image); then goes on to the SDK's usual start with every
 * general register and RSP as they were. */
    .section .text._start, "ax", @progbits
    .globl _start
    .type _start, @function
_start:
    fxsave64 fpu_probe_entry_state(%rip)
    /* cpuid and xgetbv write rax, rbx, rcx, rdx (no vector register). */
    mov %rax, fpu_probe_saved_gprs+0(%rip)
    mov %rbx, fpu_probe_saved_gprs+8(%rip)
    mov %rcx, fpu_probe_saved_gprs+16(%rip)
    mov %rdx, fpu_probe_saved_gprs+24(%rip)
    /* AVX usable: CPUID.1:ECX has OSXSAVE (27) and AVX (28), XCR0 SSE and AVX. */
    mov $1, %eax
    xor %ecx, %ecx
    cpuid
    and $0x18000000, %ecx
    cmp $0x18000000, %ecx
    jne 1f
    xor %ecx, %ecx
    xgetbv
    and $6, %eax
    cmp $6, %eax
    jne 1f
    movb $1, fpu_probe_have_ymm(%rip)
    vmovdqu %ymm0, fpu_probe_entry_ymm+0(%rip)
    vmovdqu %ymm1, fpu_probe_entry_ymm+32(%rip)
    vmovdqu %ymm2, fpu_probe_entry_ymm+64(%rip)
    vmovdqu %ymm3, fpu_probe_entry_ymm+96(%rip)
    vmovdqu %ymm4, fpu_probe_entry_ymm+128(%rip)
    vmovdqu %ymm5, fpu_probe_entry_ymm+160(%rip)
    vmovdqu %ymm6, fpu_probe_entry_ymm+192(%rip)
    vmovdqu %ymm7, fpu_probe_entry_ymm+224(%rip)
    vmovdqu %ymm8, fpu_probe_entry_ymm+256(%rip)
    vmovdqu %ymm9, fpu_probe_entry_ymm+288(%rip)
    vmovdqu %ymm10, fpu_probe_entry_ymm+320(%rip)
    vmovdqu %ymm11, fpu_probe_entry_ymm+352(%rip)
    vmovdqu %ymm12, fpu_probe_entry_ymm+384(%rip)
    vmovdqu %ymm13, fpu_probe_entry_ymm+416(%rip)
    vmovdqu %ymm14, fpu_probe_entry_ymm+448(%rip)
    vmovdqu %ymm15, fpu_probe_entry_ymm+480(%rip)
1:
    mov fpu_probe_saved_gprs+0(%rip), %rax
    mov fpu_probe_saved_gprs+8(%rip), %rbx
    mov fpu_probe_saved_gprs+16(%rip), %rcx
    mov fpu_probe_saved_gprs+24(%rip), %rdx
    jmp __nyan_crt0_start
    .size _start, . - _start

    .bss
    .balign 32
    .globl fpu_probe_entry_state
fpu_probe_entry_state:
    .zero 512
    .globl fpu_probe_entry_ymm
fpu_probe_entry_ymm:
    .zero 512
    .globl fpu_probe_have_ymm
fpu_probe_have_ymm:
    .zero 1
    .balign 8
fpu_probe_saved_gprs:
    .zero 32

    .section .note.GNU-stack, "", @progbits
