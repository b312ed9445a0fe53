/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A request body's gzip or deflate coding undone, within bounds: see inflate.h. */
#include "pipeline/inflate.h"

#include <stdlib.h>
#include <zlib.h>

#include "base/macro.h"

/* Decoded bytes handed to the matcher at a time. */
#define BODY_INFLATE_CHUNK (16U * 1024)

struct body_inflate {
	z_stream z;
	bool deflate;  /* "deflate": zlib format, or raw deflate as some clients send it */
	bool started;  /* some output came, or the format is settled */
	bool finished; /* the coded stream ended: what follows is not decoded */
	uint32_t *live;
	uint64_t in, out;
	uint8_t chunk[BODY_INFLATE_CHUNK];
};

struct body_inflate *
body_inflate_new(enum http_content_coding coding, uint32_t *live)
{
	struct body_inflate *bi;
	/* 32 + 15: a gzip or zlib header, told apart by zlib itself */
	int bits = coding == HTTP_CODING_DEFLATE ? 15 : 32 + 15;

	if (coding != HTTP_CODING_GZIP && coding != HTTP_CODING_DEFLATE)
		return NULL;
	bi = calloc(1, sizeof(*bi)); /* owned by the caller: body_inflate_free */
	if (bi == NULL)
		return NULL;
	if (inflateInit2(&bi->z, bits) != Z_OK) {
		free(bi);
		return NULL;
	}
	bi->deflate = coding == HTTP_CODING_DEFLATE;
	bi->live = live;
	(*live)++;
	return bi;
}

void
body_inflate_free(struct body_inflate *bi)
{
	if (bi == NULL)
		return;
	inflateEnd(&bi->z);
	(*bi->live)--;
	free(bi);
}

/* How many more bytes may be decoded now. */
static uint64_t
allowance(const struct body_inflate *bi)
{
	uint64_t cap = BODY_INFLATE_FREE + bi->in * BODY_INFLATE_RATIO;

	cap = MIN(cap, (uint64_t)BODY_INFLATE_MAX);
	return cap > bi->out ? cap - bi->out : 0;
}

/*
 * The next @len bytes. "deflate" means the zlib format (RFC 9110 8.4.1.2),
 * but some clients send raw deflate: when the first bytes of a body are no
 * zlib header, it starts again without one.
 */
enum body_inflate_status
body_inflate_feed(struct body_inflate *bi, const uint8_t *data, size_t len,
                  body_inflate_out_fn *out, void *ctx)
{
	bool first = bi->in == 0;
	size_t pos = 0;

	bi->in += len;
	while (pos < len && !bi->finished) {
		uint64_t room = allowance(bi);
		/* zlib counts in uInt: at most 1 GiB at a time */
		size_t take = MIN(len - pos, (size_t)1 << 30), n;
		int r;

		if (room == 0)
			return BODY_INFLATE_LIMIT;
		bi->z.next_in = (Bytef *)(uintptr_t)(data + pos);
		bi->z.avail_in = (uInt)take;
		bi->z.next_out = bi->chunk;
		bi->z.avail_out = (uInt)MIN((uint64_t)sizeof(bi->chunk), room);
		n = bi->z.avail_out;
		r = inflate(&bi->z, Z_NO_FLUSH);
		n -= bi->z.avail_out;
		pos += take - bi->z.avail_in;
		if (r == Z_DATA_ERROR && first && bi->deflate && !bi->started &&
		    inflateReset2(&bi->z, -15) == Z_OK) {
			bi->started = true;
			pos = 0;
			continue;
		}
		if (r != Z_OK && r != Z_STREAM_END && r != Z_BUF_ERROR)
			return BODY_INFLATE_ERROR;
		if (n > 0) {
			bi->started = true;
			bi->out += n;
			if (!out(bi->chunk, n, ctx))
				return BODY_INFLATE_STOP;
		} else if (r != Z_STREAM_END && bi->z.avail_in == take) {
			return BODY_INFLATE_ERROR; /* no progress with room to write: never spin */
		}
		/* gzip members may follow one another (RFC 1952 2.2); nothing follows deflate */
		if (r == Z_STREAM_END && (bi->deflate || inflateReset(&bi->z) != Z_OK))
			bi->finished = true;
	}
	return BODY_INFLATE_OK;
}
