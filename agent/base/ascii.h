/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PHIGUARD_BASE_ASCII_H
#define PHIGUARD_BASE_ASCII_H

#include <stdint.h>

/* Case of ASCII letters only: identifiers and names are compared bytewise beyond. */
static inline uint8_t
ascii_upper(uint8_t c)
{
	return c >= 'a' && c <= 'z' ? (uint8_t)(c - 'a' + 'A') : c;
}

static inline uint8_t
ascii_lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c - 'A' + 'a') : c;
}

#endif
