/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PHIGUARD_BASE_ASCII_H
#define PHIGUARD_BASE_ASCII_H

#include <stdbool.h>
#include <stddef.h>
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

/* Whether @w[0..@n) is one of @list's strings, ASCII letters compared in either case. */
static inline bool
ascii_word_in_list(const uint8_t *w, size_t n, const char *const *list, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		size_t k = 0;

		while (k < n && list[i][k] != '\0' &&
		       ascii_lower(w[k]) == ascii_lower((uint8_t)list[i][k]))
			k++;
		if (k == n && list[i][k] == '\0')
			return true;
	}
	return false;
}

#endif
