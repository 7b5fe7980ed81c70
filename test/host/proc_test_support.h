// Shared by the process host tests: reading the ELF corpus (mk/corpus.mk
// generates it; the Makefile tells the tests where through
// NYANOS_ELF_CORPUS_DIR) and loading a program the way the kernel's spawn()
// does (validate first, then a fresh AddressSpace, then load_program).
#pragma once

#include <doctest/doctest.h>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "proc/elf.h"
#include "proc/user_layout.h"

#ifndef NYANOS_ELF_CORPUS_DIR
#define NYANOS_ELF_CORPUS_DIR "build/elf-corpus"
#endif

namespace nyanos::test {

inline std::vector<uint8_t> read_corpus_file(const std::string& name) {
    std::string path = std::string(NYANOS_ELF_CORPUS_DIR) + "/" + name;
    std::ifstream in(path, std::ios::binary);
    REQUIRE_MESSAGE(in.good(), "cannot open " << path << " (run through make host-test)");
    return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

// The user range the kernel validates against.
inline elf::ValidationResult validate_user(const std::vector<uint8_t>& bytes) {
    return elf::validate(bytes.data(), bytes.size(), proc::kImageBase, proc::kImageLimit);
}

}  // namespace nyanos::test
