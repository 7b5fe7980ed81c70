// The 1-, 5- and 15-minute load averages, computed as Linux does
// (kernel/sched/loadavg.c, calc_load): every kSampleSeconds each average
// moves towards the number of active threads (running or ready) by a fixed
// factor, in fixed point with kFractionBits fractional bits. Portable; the
// scheduler samples on the boot CPU's tick (proc::load_averages()).
#pragma once

#include <stdint.h>

namespace nyanos {

class LoadAverage {
public:
    static constexpr unsigned kFractionBits = 11;          // FSHIFT
    static constexpr uint64_t kOne = 1u << kFractionBits;  // FIXED_1
    static constexpr uint32_t kSampleSeconds = 5;          // LOAD_FREQ is 5 s (plus a tick)
    // 2^11 / e^(5 s / 1 min), / e^(5 s / 5 min), / e^(5 s / 15 min).
    static constexpr uint64_t kDecay[3] = {1884, 2014, 2037};

    // One sample: `active` threads are running or ready now. The caller
    // serialises samples (one CPU samples).
    void sample(uint64_t active);

    // Average `i` (0: 1 min, 1: 5 min, 2: 15 min) in fixed point. Any CPU.
    uint64_t average(unsigned i) const { return __atomic_load_n(&m_average[i], __ATOMIC_RELAXED); }

private:
    uint64_t m_average[3] = {};
};

}  // namespace nyanos
