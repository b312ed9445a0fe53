/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PHIGUARD_BASE_HEX_H
#define PHIGUARD_BASE_HEX_H

/* The value of a hex digit (either case), or -1. */
static inline int
hex_digit_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (unsigned char)(c | 0x20);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

#endif
