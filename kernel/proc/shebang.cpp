#include "proc/shebang.h"

namespace nyanos::proc {

namespace {

bool blank(char c) {
    return c == ' ' || c == '\t';
}

}  // namespace

bool parse_shebang(const uint8_t* data, size_t size, Shebang& out) {
    out.interpreter[0] = out.argument[0] = '\0';
    out.has_argument = false;
    if (size < 2 || data[0] != '#' || data[1] != '!') return false;
    // The line: up to the newline, or the first kShebangLineMax bytes.
    size_t limit = size < kShebangLineMax ? size : kShebangLineMax;
    size_t end = 2;
    while (end < limit && data[end] != '\n') ++end;
    bool cut = end == limit && end < size;
    size_t i = 2;
    while (i < end && blank(char(data[i]))) ++i;
    size_t name_start = i;
    while (i < end && !blank(char(data[i])) && data[i] != '\0') ++i;
    size_t name_end = i;
    // A name that runs to the cut-off point may be longer than what was
    // read: Linux refuses that (ENOEXEC) rather than run a truncated path.
    if (name_end == name_start || (cut && name_end == end)) return true;
    for (size_t k = name_start; k < name_end; ++k) out.interpreter[k - name_start] = char(data[k]);
    out.interpreter[name_end - name_start] = '\0';
    while (i < end && blank(char(data[i]))) ++i;
    size_t arg_end = end;
    while (arg_end > i && blank(char(data[arg_end - 1]))) --arg_end;
    if (arg_end > i) {
        for (size_t k = i; k < arg_end; ++k) out.argument[k - i] = char(data[k]);
        out.argument[arg_end - i] = '\0';
        out.has_argument = true;
    }
    return true;
}

}  // namespace nyanos::proc
