/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PHIGUARD_FUZZ_COUNT_H
#define PHIGUARD_FUZZ_COUNT_H

/* The decoders' output as the fuzz targets take it: counted, never empty. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* An inflate_out_fn adding to the uint64_t at @ctx. */
static inline bool
fuzz_count_out(const uint8_t *data, size_t len, void *ctx)
{
	uint64_t *total = ctx;

	if (len == 0 || data == NULL)
		__builtin_trap();
	*total += len;
	return true;
}

/*
 * The first byte of a fuzz input picks the size of the pieces (1-256) the
 * rest is fed in; 0 when there is no rest.
 */
static inline size_t
fuzz_take_piece(const uint8_t **data, size_t *size)
{
	size_t piece;

	if (*size < 2)
		return 0;
	piece = 1 + (*data)[0];
	(*data)++;
	(*size)--;
	return piece;
}

#endif
