/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PHIGUARD_PIPELINE_INFLATE_H
#define PHIGUARD_PIPELINE_INFLATE_H

/*
 * A request body's Content-Encoding undone (gzip, deflate) so the matcher
 * reads the text the server will read, within bounds: a body yields at
 * most BODY_INFLATE_MAX bytes, and past its first BODY_INFLATE_FREE bytes
 * at most BODY_INFLATE_RATIO times what it took in, so a small
 * "decompression bomb" cannot hold a packet in the queue.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "classify/classify.h"

#define BODY_INFLATE_MAX   (32ULL << 20)
#define BODY_INFLATE_FREE  (1ULL << 20)
#define BODY_INFLATE_RATIO 100

enum body_inflate_status {
	BODY_INFLATE_OK,    /* all input taken; more may come */
	BODY_INFLATE_ERROR, /* not gzip or deflate data: the rest is unreadable */
	BODY_INFLATE_LIMIT, /* past the bounds above: the rest is not decoded */
	BODY_INFLATE_STOP,  /* the output function asked to stop */
};

struct body_inflate;

/* Decoded bytes; return false to stop. */
typedef bool body_inflate_out_fn(const uint8_t *data, size_t len, void *ctx);

/*
 * A decoder for @coding (HTTP_CODING_GZIP or _DEFLATE), NULL when out of
 * memory or another coding. While it lives it counts one in *@live (the
 * owner's bound on decoders held at once).
 */
struct body_inflate *body_inflate_new(enum http_content_coding coding, uint32_t *live);
/* Accepts NULL. */
void body_inflate_free(struct body_inflate *bi);
/* The next @len bytes of the coded body; decoded bytes go to @out. */
enum body_inflate_status body_inflate_feed(struct body_inflate *bi, const uint8_t *data, size_t len,
                                           body_inflate_out_fn *out, void *ctx);

#endif
