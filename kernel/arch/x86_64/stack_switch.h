// Running a function on another stack and coming back (stack_switch.S).
#pragma once

#include <stdint.h>

extern "C" void arch_run_on_stack(uint64_t stack_top, void (*fn)());
