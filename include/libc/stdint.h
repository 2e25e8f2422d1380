/* Freestanding <stdint.h> for sinit/dommgr (x86-64, LP64). */
#ifndef SDM_LIBC_STDINT_H
#define SDM_LIBC_STDINT_H
typedef signed char int8_t;
typedef unsigned char uint8_t;
typedef short int16_t;
typedef unsigned short uint16_t;
typedef int int32_t;
typedef unsigned int uint32_t;
typedef long int64_t;
typedef unsigned long uint64_t;
typedef unsigned long uintptr_t;
typedef long intptr_t;
#define UINT8_MAX 0xffu
#define UINT16_MAX 0xffffu
#define UINT32_MAX 0xffffffffu
#define UINT64_MAX 0xffffffffffffffffull
#define SIZE_MAX UINT64_MAX
#define INT32_MAX 0x7fffffff
#endif
