/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Deflate undone within bounds: see inflate.h. */
#include "content/inflate.h"

#include <stdlib.h>
#include <zlib.h>

#include "base/macro.h"

/* Decoded bytes handed on at a time. */
#define INFLATE_CHUNK (16U * 1024)

struct inflater {
	z_stream z;
	uint8_t format; /* enum inflate_format */
	bool started;   /* some output came, or the format is settled */
	bool finished;  /* the stream ended: what follows is not decoded */
	bool midway;    /* bytes taken since the stream (or gzip member) began, not yet ended */
	uint32_t *live;
	uint64_t in, out;
	uint64_t max; /* bytes it may yield in all */
	uint8_t chunk[INFLATE_CHUNK];
};

struct inflater *
inflater_new(enum inflate_format format, uint32_t *live)
{
	struct inflater *in = calloc(1, sizeof(*in)); /* owned by the caller: inflater_free */
	/* 32 + 15: a gzip or zlib header, told apart by zlib itself */
	int bits = format == INFLATE_GZIP ? 32 + 15 : format == INFLATE_DEFLATE ? 15 : -15;

	if (in == NULL)
		return NULL;
	if (inflateInit2(&in->z, bits) != Z_OK) {
		free(in);
		return NULL;
	}
	in->format = (uint8_t)format;
	in->max = INFLATE_MAX;
	in->live = live;
	(*live)++;
	return in;
}

void
inflater_set_max(struct inflater *in, uint64_t max)
{
	in->max = max;
}

bool
inflater_midway(const struct inflater *in)
{
	return in->midway;
}

void
inflater_free(struct inflater *in)
{
	if (in == NULL)
		return;
	inflateEnd(&in->z);
	(*in->live)--;
	free(in);
}

/* How many more bytes may be decoded now. */
static uint64_t
allowance(const struct inflater *in)
{
	uint64_t cap = INFLATE_FREE + in->in * INFLATE_RATIO;

	cap = MIN(cap, in->max);
	return cap > in->out ? cap - in->out : 0;
}

/*
 * HTTP's "deflate" means the zlib format (RFC 9110 8.4.1.2), but some
 * clients send raw deflate: when the first bytes are no zlib header, it
 * starts again without one.
 */
enum inflate_status
inflater_feed(struct inflater *in, const uint8_t *data, size_t len, inflate_out_fn *out, void *ctx,
              size_t *ret_used)
{
	bool first = in->in == 0;
	size_t pos = 0;

	if (ret_used != NULL)
		*ret_used = len;
	if (in->finished)
		return INFLATE_END;
	in->in += len;
	while (pos < len && !in->finished) {
		uint64_t room = allowance(in);
		/* zlib counts in uInt: at most 1 GiB at a time */
		size_t take = MIN(len - pos, (size_t)1 << 30), n;
		int r;

		if (room == 0)
			return INFLATE_LIMIT;
		in->z.next_in = (Bytef *)(uintptr_t)(data + pos);
		in->z.avail_in = (uInt)take;
		in->z.next_out = in->chunk;
		in->z.avail_out = (uInt)MIN((uint64_t)sizeof(in->chunk), room);
		n = in->z.avail_out;
		r = inflate(&in->z, Z_NO_FLUSH);
		n -= in->z.avail_out;
		pos += take - in->z.avail_in;
		if (take > in->z.avail_in)
			in->midway = r != Z_STREAM_END;
		if (r == Z_DATA_ERROR && first && in->format == INFLATE_DEFLATE && !in->started &&
		    inflateReset2(&in->z, -15) == Z_OK) {
			in->started = true;
			pos = 0;
			continue;
		}
		/* text decoded before an error in the same call is still text */
		if (n > 0) {
			in->started = true;
			in->out += n;
			if (!out(in->chunk, n, ctx))
				return INFLATE_STOP;
		}
		if (r != Z_OK && r != Z_STREAM_END && r != Z_BUF_ERROR)
			return INFLATE_ERROR;
		if (n == 0 && r != Z_STREAM_END && in->z.avail_in == take)
			return INFLATE_ERROR; /* no progress with room to write: never spin */
		/* gzip members may follow one another (RFC 1952 2.2); nothing else does */
		if (r == Z_STREAM_END &&
		    (in->format != INFLATE_GZIP || inflateReset(&in->z) != Z_OK))
			in->finished = true;
	}
	if (!in->finished)
		return INFLATE_OK;
	if (ret_used != NULL)
		*ret_used = pos;
	return INFLATE_END;
}
