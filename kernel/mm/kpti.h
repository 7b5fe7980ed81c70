// Page-table isolation (KPTI), the memory side: the user-root template
// (mm/user_root_template.h) with the trampoline set arch/x86_64/kpti.h
// lists, and the switch that turns isolation on.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "mm/physical_memory.h"

namespace nyanos::mm {

// Builds the template (the entry text, the entry data) and turns isolation
// on for the boot CPU (arch::enable_kpti) and every CPU started after it;
// init_pcid() then gives each space a PCID pair (it asks kpti_enabled()).
// Prints `kpti: ...`.
// Once, on the boot CPU, after init_vmm(), before init_pcid(), before the
// other CPUs start and before any address space is created. Panics if the
// template cannot be built (out of memory this early).
void init_kpti();

// The template's root, 0 while isolation is off.
PhysAddr user_root_template();

// Adds a CPU's TSS stacks ([stacks, stacks + bytes), mapped in the kernel
// half) to the template: the CPU pushes interrupt frames there while a user
// root is loaded. With isolation off it does nothing. Before any user root
// exists (the CPUs start before the first process; checked).
void kpti_add_cpu_stacks(const void* stacks, size_t bytes);

// Prints every range the template maps, which is every kernel-half range
// of every user root (`kpti: user root maps 0x...-0x... ...` lines), for the
// QEMU test that compares them with what the CPU sees (the monitor's
// `info mem` while a user program runs). Once the other CPUs are up.
void report_user_root_template();

}  // namespace nyanos::mm
