#include "sinit/sinit.h"

const void *sinit_test_mbi_hook(const void *mbi)
{
	return mbi;
}
