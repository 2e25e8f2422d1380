/* Controls of the fake architecture (host tests only). */
#ifndef DOMMGR_ARCH_FAKE_H
#define DOMMGR_ARCH_FAKE_H
#include "dommgr/arch.h"

extern struct cpu_caps fake_caps;

#endif
