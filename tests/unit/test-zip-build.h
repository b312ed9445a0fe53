/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PHIGUARD_TEST_ZIP_BUILD_H
#define PHIGUARD_TEST_ZIP_BUILD_H

/* Zip entries built for the content and pipeline tests (APPNOTE 4.3.7). */

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <zlib.h>

static inline void
zip_put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void
zip_put32(uint8_t *p, uint32_t v)
{
	zip_put16(p, v & 0xffff);
	zip_put16(p + 2, v >> 16);
}

/*
 * One entry at @out: local file header, name, data (raw deflate for
 * method 8), and a data descriptor when @flags has bit 3. Its length.
 */
__attribute__((unused)) static size_t
zip_entry(uint8_t *out, const char *name, const void *text, size_t len, unsigned method,
          unsigned flags)
{
	size_t nlen = strlen(name), clen = len;
	uint8_t *data = out + 30 + nlen;
	uint32_t crc = (uint32_t)crc32(0, text, (uInt)len);

	if (method == 8) {
		z_stream z;

		memset(&z, 0, sizeof(z));
		deflateInit2(&z, 9, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
		z.next_in = (Bytef *)(uintptr_t)text;
		z.avail_in = (uInt)len;
		z.next_out = data;
		z.avail_out = (uInt)(len + 1024);
		deflate(&z, Z_FINISH);
		clen = len + 1024 - z.avail_out;
		deflateEnd(&z);
	} else {
		memcpy(data, text, len);
	}
	memcpy(out, "PK\3\4", 4);
	zip_put16(out + 4, 20);
	zip_put16(out + 6, flags);
	zip_put16(out + 8, method);
	zip_put32(out + 10, 0);
	zip_put32(out + 14, flags & 8 ? 0 : crc);
	zip_put32(out + 18, flags & 8 ? 0 : (uint32_t)clen);
	zip_put32(out + 22, flags & 8 ? 0 : (uint32_t)len);
	zip_put16(out + 26, (unsigned)nlen);
	zip_put16(out + 28, 0);
	memcpy(out + 30, name, nlen);
	if (flags & 8) {
		uint8_t *dd = data + clen;

		memcpy(dd, "PK\7\10", 4);
		zip_put32(dd + 4, crc);
		zip_put32(dd + 8, (uint32_t)clen);
		zip_put32(dd + 12, (uint32_t)len);
		return 30 + nlen + clen + 16;
	}
	return 30 + nlen + clen;
}

#endif
