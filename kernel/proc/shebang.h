// `#!` scripts, as Linux's binfmt_script reads them: the first line (at
// most 256 bytes are looked at) names an interpreter and, optionally, one
// argument: everything after the interpreter's name, blanks trimmed, as a
// single word. The script runs as `interpreter [argument] script args...`.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace nyanos::proc {

inline constexpr size_t kShebangLineMax = 256;
// Linux gives up after this many interpreters in a row (ELOOP).
inline constexpr int kShebangMaxDepth = 4;

struct Shebang {
    char interpreter[kShebangLineMax];
    char argument[kShebangLineMax];  // "" when there is none
    bool has_argument;
};

// True if `data` starts with "#!" (then `out` is filled); false otherwise.
// ENOEXEC cases (no interpreter name at all, or a first line longer than
// the limit whose interpreter part is cut off) come back as true with an
// empty interpreter.
bool parse_shebang(const uint8_t* data, size_t size, Shebang& out);

}  // namespace nyanos::proc
