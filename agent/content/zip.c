/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Zip entries found in a byte stream and inflated: see zip.h. */
#include "content/zip.h"

#include <string.h>

#include "base/macro.h"

static const uint8_t zip_signature[4] = { 'P', 'K', 3, 4 };

/* APPNOTE 4.4.4: bit 0, the entry is encrypted (nothing to read). */
#define ZIP_FLAG_ENCRYPTED 0x0001
/* APPNOTE 4.4.5: method 8, deflated. */
#define ZIP_METHOD_DEFLATE 8

static unsigned
le16(const uint8_t *p)
{
	return (unsigned)p[0] | (unsigned)p[1] << 8;
}

/* The last three bytes searched, with those before them when @len is short. */
static void
keep_tail(struct zip_state *zs, const uint8_t *data, size_t len)
{
	uint8_t joined[6];
	size_t n = zs->tail_len, m = MIN(len, (size_t)3), all;

	memcpy(joined, zs->tail, n);
	memcpy(joined + n, data + len - m, m);
	all = n + m;
	zs->tail_len = (uint8_t)MIN(all, (size_t)3);
	memcpy(zs->tail, joined + all - zs->tail_len, zs->tail_len);
}

/* The index in @data just past the first signature (one may start in the tail), or SIZE_MAX. */
static size_t
find_signature(struct zip_state *zs, const uint8_t *data, size_t len)
{
	const uint8_t *p = data, *end = data + len;

	if (zs->tail_len > 0) {
		uint8_t joined[6];
		size_t n = zs->tail_len, m = MIN(len, (size_t)3);

		memcpy(joined, zs->tail, n);
		memcpy(joined + n, data, m);
		for (size_t i = 0; i < n && i + 4 <= n + m; i++)
			if (memcmp(joined + i, zip_signature, 4) == 0)
				return i + 4 - n;
	}
	while ((p = memchr(p, 'P', (size_t)(end - p))) != NULL && end - p >= 4) {
		if (memcmp(p, zip_signature, 4) == 0)
			return (size_t)(p - data) + 4;
		p++;
	}
	keep_tail(zs, data, len);
	return SIZE_MAX;
}

static void
open_entry(struct zip_state *zs, const struct zip_sink *sink)
{
	zs->phase = ZIP_SEARCH;
	if (*sink->live >= sink->live_max)
		return;
	zs->entry = inflater_new(INFLATE_RAW, sink->live);
	if (zs->entry == NULL)
		return;
	zs->phase = ZIP_ENTRY;
	if (sink->entries != NULL)
		(*sink->entries)++;
	if (sink->begin != NULL) {
		zs->name[zs->name_len] = '\0';
		sink->begin(zs->name, sink->ctx);
	}
}

/* The fixed part of a local file header is in: an entry worth inflating? */
static void
header_done(struct zip_state *zs, const struct zip_sink *sink)
{
	const uint8_t *h = zs->header;

	/* Stored entries are plain in the stream already; encrypted ones say nothing. */
	if (le16(h + 4) != ZIP_METHOD_DEFLATE || (le16(h + 2) & ZIP_FLAG_ENCRYPTED) != 0) {
		zs->phase = ZIP_SEARCH;
		return;
	}
	zs->name_left = le16(h + 22);
	zs->name_len = 0;
	zs->skip = zs->name_left + le16(h + 24);
	zs->phase = ZIP_NAME;
	if (zs->skip == 0)
		open_entry(zs, sink);
}

bool
zip_feed(struct zip_state *zs, const uint8_t *data, size_t len, const struct zip_sink *sink)
{
	while (len > 0) {
		size_t k = len, used = len;
		enum inflate_status st;

		switch (zs->phase) {
		case ZIP_SEARCH:
			k = find_signature(zs, data, len);
			if (k == SIZE_MAX)
				return true;
			zs->tail_len = 0;
			zs->header_len = 0;
			zs->phase = ZIP_HEADER;
			break;
		case ZIP_HEADER:
			k = MIN(len, sizeof(zs->header) - zs->header_len);
			memcpy(zs->header + zs->header_len, data, k);
			zs->header_len = (uint8_t)(zs->header_len + k);
			if (zs->header_len == sizeof(zs->header))
				header_done(zs, sink);
			break;
		case ZIP_NAME:
			k = MIN(len, (size_t)zs->skip);
			for (size_t i = 0; i < k && zs->name_left > 0; i++, zs->name_left--)
				if (zs->name_len < ZIP_NAME_MAX - 1)
					zs->name[zs->name_len++] = (char)data[i];
			zs->skip -= (uint32_t)k;
			if (zs->skip == 0)
				open_entry(zs, sink);
			break;
		default:
			st = inflater_feed(zs->entry, data, len, sink->out, sink->ctx, &used);
			if (st == INFLATE_STOP)
				return false;
			if (st == INFLATE_OK)
				return true;
			/* Its end: what follows is searched; on an error, these bytes too. */
			k = st == INFLATE_END ? used : 0;
			zip_release(zs);
			break;
		}
		data += k;
		len -= k;
	}
	return true;
}

void
zip_release(struct zip_state *zs)
{
	inflater_free(zs->entry);
	memset(zs, 0, sizeof(*zs));
}
