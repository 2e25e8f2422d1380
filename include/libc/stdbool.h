#ifndef SDM_LIBC_STDBOOL_H
#define SDM_LIBC_STDBOOL_H
#define bool _Bool
#define true 1
#define false 0
#endif
