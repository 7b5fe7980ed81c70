// The host's stand-in for "this CPU" in spinlocks: each thread is a CPU.
#include <atomic>

#include "sync/spinlock.h"

namespace nyanos::sync {

uint32_t current_cpu_tag() {
    static std::atomic<uint32_t> next{1};
    thread_local uint32_t tag = next++;
    return tag;
}

}  // namespace nyanos::sync
