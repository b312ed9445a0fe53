/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PHIGUARD_CONTENT_INFLATE_H
#define PHIGUARD_CONTENT_INFLATE_H

/*
 * Deflate undone (a gzip or deflate request body, a zip entry) so the
 * matcher reads the text, within bounds: one stream yields at most
 * INFLATE_MAX bytes, and past its first INFLATE_FREE bytes at most
 * INFLATE_RATIO times what it took in, so a small "decompression bomb"
 * cannot hold a packet in the queue.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define INFLATE_MAX   (32ULL << 20)
#define INFLATE_FREE  (1ULL << 20)
#define INFLATE_RATIO 100

enum inflate_format {
	INFLATE_GZIP,    /* gzip members one after another (zlib's header also taken) */
	INFLATE_DEFLATE, /* HTTP's "deflate": the zlib format, or raw as some clients send it */
	INFLATE_RAW,     /* raw deflate (a zip entry): ends with its last block */
};

enum inflate_status {
	INFLATE_OK,    /* all input taken; more may come */
	INFLATE_END,   /* the stream ended (deflate, raw): *ret_used bytes were its */
	INFLATE_ERROR, /* not data of that format: the rest is unreadable */
	INFLATE_LIMIT, /* past the bounds above: the rest is not decoded */
	INFLATE_STOP,  /* the output function asked to stop */
};

struct inflater;

/* Decoded bytes; return false to stop. */
typedef bool inflate_out_fn(const uint8_t *data, size_t len, void *ctx);

/*
 * A decoder, NULL when out of memory. While it lives it counts one in
 * *@live (the owner's bound on decoders held at once).
 */
struct inflater *inflater_new(enum inflate_format format, uint32_t *live);
/*
 * Lift (or lower) the INFLATE_MAX bound for this stream; the ratio bound
 * stays. An offline reader of whole files (phiguard scan) has no packet
 * waiting on it.
 */
void inflater_set_max(struct inflater *in, uint64_t max);
/* Whether the input so far stops inside a stream (a file cut short): nothing said yet. */
bool inflater_midway(const struct inflater *in);
/* Accepts NULL. */
void inflater_free(struct inflater *in);
/*
 * The next @len bytes; decoded bytes go to @out. *@ret_used (when not
 * NULL) says how many of them the stream took: all but at its end.
 */
enum inflate_status inflater_feed(struct inflater *in, const uint8_t *data, size_t len,
                                  inflate_out_fn *out, void *ctx, size_t *ret_used);

#endif
