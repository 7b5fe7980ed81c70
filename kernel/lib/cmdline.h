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

// Address-space randomisation: true unless `cmdline` has `norandmaps` (the
// contract's word: no address-space randomisation, for benchmarks).
bool cmdline_randomize_maps(const char* cmdline);

}  // namespace nyanos
