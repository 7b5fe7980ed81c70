// The kernel-stack high-water measure (kernel/proc/stack_audit.h).
#include <doctest/doctest.h>

#include <vector>

#include "proc/stack_audit.h"

using namespace nyanos::proc;

TEST_CASE("stack audit: the deepest written byte sets the high-water mark") {
    std::vector<uint8_t> stack(4096, 0);
    paint_stack(stack.data(), stack.size());
    CHECK(stack_bytes_used(stack.data(), stack.size()) == 0);
    stack[4095] = 1;  // the first push
    CHECK(stack_bytes_used(stack.data(), stack.size()) == 1);
    stack[3000] = 0;  // deeper; the bytes in between may still hold the pattern
    CHECK(stack_bytes_used(stack.data(), stack.size()) == 4096 - 3000);
    stack[0] = 7;  // the whole stack
    CHECK(stack_bytes_used(stack.data(), stack.size()) == 4096);
    CHECK(stack_bytes_used(stack.data(), 0) == 0);
}
