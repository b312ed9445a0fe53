/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PHIGUARD_TEST_TEXT_SINK_H
#define PHIGUARD_TEST_TEXT_SINK_H

/*
 * Decoded text as the content tests collect it: a growing, NUL-terminated
 * buffer. Put it first in a test's own struct, so that a decoder's one
 * context pointer serves both.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct text_sink {
	char *buf; /* owned: text_sink_free */
	size_t n, cap;
};

/* An inflate_out_fn: @ctx is a struct text_sink (or a struct that starts with one). */
static inline bool
text_sink_add(const uint8_t *data, size_t len, void *ctx)
{
	struct text_sink *t = ctx;

	if (t->n + len + 1 > t->cap) {
		t->cap = (t->n + len + 1) * 2;
		t->buf = realloc(t->buf, t->cap);
		if (t->buf == NULL)
			abort();
	}
	memcpy(t->buf + t->n, data, len);
	t->n += len;
	t->buf[t->n] = '\0';
	return true;
}

static inline void
text_sink_free(struct text_sink *t)
{
	free(t->buf);
	memset(t, 0, sizeof(*t));
}

#endif
