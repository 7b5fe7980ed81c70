// The kernel command line's words, portable (the host tests check the
// parser; kernel/boot_info.h answers for the line the loader handed over).
// Words are separated by spaces, tabs or newlines; a word is `key` or
// `key=value`; a standalone `--` ends the kernel's words (what follows is
// init's arguments).
#pragma once

namespace nyanos {

// The value of `key=` in `cmdline`, copied into `out` (NUL terminated,
// truncated to out_size - 1 characters). A bare `key` counts as present and
// empty. Returns false if the key is absent before any `--`.
bool cmdline_find(const char* cmdline, const char* key, char* out, unsigned out_size);

// init's arguments: the words after a standalone `--`, split at blanks
// outside double quotes, the quotes themselves removed (as Linux splits its
// command line: `-- sh -c "ls /bin | wc -l"` gives sh, -c and
// `ls /bin | wc -l`). The words are copied into `words` (words_size bytes,
// each NUL terminated) and pointed to from `argv` (at most max_args);
// returns how many. Words that do not fit are dropped.
unsigned cmdline_init_args(const char* cmdline, char* words, unsigned words_size, const char** argv,
                           unsigned max_args);

// Address-space randomisation: true unless `cmdline` has `norandmaps` (the
// contract's word: no address-space randomisation, for benchmarks).
bool cmdline_randomize_maps(const char* cmdline);

}  // namespace nyanos
