/*
 * Hex digits, for sinit, dommgr and the host tools alike.
 */
#ifndef SDM_HEX_H
#define SDM_HEX_H

/* The value of hex digit c ('0'-'9', 'a'-'f', 'A'-'F'): 0..15, or -1. */
int sdm_hex_digit(char c);

#endif
