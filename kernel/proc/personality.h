// Which system-call table and process-start rules a process follows, chosen
// at exec from the program file: NyanOS's own ABI for programs that carry the
// NyanOS ABI note, Linux's for every other static x86_64 executable.
#pragma once

#include <stdint.h>

namespace nyanos::proc {

enum class Personality : uint8_t { kNyanOS, kLinux };

}  // namespace nyanos::proc
