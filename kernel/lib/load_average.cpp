#include "lib/load_average.h"

namespace nyanos {

namespace {

// calc_load(): rounds up while the load rises, so a constant load is
// reached rather than approached forever from below.
uint64_t decay(uint64_t load, uint64_t factor, uint64_t active) {
    uint64_t next = load * factor + active * (LoadAverage::kOne - factor);
    if (active >= load) next += LoadAverage::kOne - 1;
    return next / LoadAverage::kOne;
}

}  // namespace

void LoadAverage::sample(uint64_t active) {
    uint64_t fixed = active * kOne;
    for (unsigned i = 0; i < 3; ++i)
        __atomic_store_n(&m_average[i], decay(m_average[i], kDecay[i], fixed), __ATOMIC_RELAXED);
}

}  // namespace nyanos
