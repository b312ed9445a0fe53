/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What a collector says back: RELP response frames and HTTP answers, as
 * arbitrary bytes. The first byte picks the parser. Parsers must never read
 * past the bytes given, and what they report must lie inside them.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "report/link.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char buf[8192];
	size_t used = 0, off = 0;
	int status = 0;

	if (size < 1)
		return 0;
	if (data[0] & 1) {
		const char *p = (const char *)data + 1;
		size_t len = size - 1;
		struct relp_frame f;

		while (off < len && relp_parse(p + off, len - off, &f, &used) == 1) {
			if (used == 0 || used > len - off || f.data < p + off ||
			    f.data + f.len > p + off + used)
				abort();
			off += used;
		}
		return 0;
	}
	size = size - 1 < sizeof(buf) - 1 ? size - 1 : sizeof(buf) - 1;
	memcpy(buf, data + 1, size);
	if (https_parse_response(buf, size, sizeof(buf), &status, &used) == 1 &&
	    (used > size || status < 0 || status > 999))
		abort();
	return 0;
}
