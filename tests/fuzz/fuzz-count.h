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

#endif
