#include "dommgr/dommgr.h"

void dommgr_test_hook(const struct sdm_handoff *ho)
{
}
