#include "arch/x86_64/switch_extras.h"

namespace nyanos::arch {

uint8_t g_switch_extras = 0;

}  // namespace nyanos::arch
