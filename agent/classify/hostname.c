/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "classify/classify-internal.h"

#include <string.h>

static bool
hostname_byte_ok(uint8_t c)
{
	/* LDH plus '_' (seen in service names) and '.'; '*' never appears in a query. */
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
}

bool
classify_copy_hostname(char *dst, size_t size, const uint8_t *src, size_t len)
{
	size_t i;

	if (size == 0)
		return false;
	dst[0] = '\0';
	if (len > 0 && src[len - 1] == '.')
		len--;
	if (len == 0 || len >= size)
		return false;
	for (i = 0; i < len; i++) {
		uint8_t c = src[i];

		if (c >= 'A' && c <= 'Z')
			c = (uint8_t)(c - 'A' + 'a');
		if (!hostname_byte_ok(c)) {
			dst[0] = '\0';
			return false;
		}
		dst[i] = (char)c;
	}
	dst[len] = '\0';
	return true;
}
