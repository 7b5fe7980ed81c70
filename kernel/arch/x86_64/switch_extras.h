// Whether a thread switch has more to do than load the next root: one bit
// per boot-time choice that adds work to every switch. On most machines
// (and in QEMU without the mitigations) none is set, and the switch tests
// this one byte instead of each flag.
#pragma once

#include <stdint.h>

namespace nyanos::arch {

enum SwitchExtra : uint8_t {
    kSwitchIbpb = 1,  // a predictor barrier on a change of process (speculation.h)
    kSwitchPcid = 2,  // roots carry PCIDs (mm/pcid.h)
    kSwitchKpti = 4,  // page-table isolation: the entry area's roots follow the thread (kpti.h)
};

// Written only at boot, on the boot CPU, before the other CPUs start and
// before any process exists; read-only afterwards.
extern uint8_t g_switch_extras;

inline void add_switch_extra(SwitchExtra extra) {
    g_switch_extras = uint8_t(g_switch_extras | extra);
}

}  // namespace nyanos::arch
