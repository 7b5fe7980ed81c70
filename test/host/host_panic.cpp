#include "host_panic.h"

#include <stdarg.h>
#include <stdio.h>

#include "lib/panic.h"

namespace nyanos {

void panic(const char* fmt, ...) {
    char message[512];
    va_list args;
    va_start(args, fmt);
    vsnprintf(message, sizeof(message), fmt, args);
    va_end(args);
    throw test::HostPanic(message);
}

}  // namespace nyanos
