/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PHIGUARD_CONTENT_ZIP_H
#define PHIGUARD_CONTENT_ZIP_H

/*
 * Zip entries found in a byte stream wherever they start: a .docx or
 * .xlsx (zip files of XML) uploaded as it is, inside a multipart form, or
 * attached to a mail once its base64 is decoded. Each deflated entry is
 * inflated (within the bounds of inflate.h) and its text handed on; stored
 * entries are already plain in the stream. One level deep: what an entry
 * holds is not searched again, so a zip inside a zip stays as it is.
 *
 * The stream is searched for local file headers ("PK\3\4", APPNOTE 4.3.7)
 * rather than read from the central directory at the end, which comes
 * after the bytes have gone.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "content/inflate.h"

enum zip_phase {
	ZIP_SEARCH = 0, /* looking for a local file header */
	ZIP_HEADER,     /* its fixed part, after the signature */
	ZIP_NAME,       /* its file name and extra field, skipped */
	ZIP_ENTRY,      /* deflated data, inflated */
};

#define ZIP_NAME_MAX 96

/* An entry begins: its name (cut to ZIP_NAME_MAX - 1 bytes, NUL-terminated). */
typedef void zip_begin_fn(const char *name, void *ctx);

/* Where to take inflaters from and whom to tell. */
struct zip_sink {
	uint32_t *live;      /* inflaters held by the owner */
	uint32_t live_max;   /* ... at most */
	uint64_t *entries;   /* entries inflated, counted (may be NULL) */
	zip_begin_fn *begin; /* may be NULL */
	inflate_out_fn *out; /* an entry's text */
	void *ctx;
};

/* All zero: searching. Held by value (a flow's state); zip_release frees. */
struct zip_state {
	uint8_t phase; /* enum zip_phase */
	uint8_t tail_len;
	uint8_t header_len;
	uint8_t tail[3];    /* the last bytes searched: a signature split across pieces */
	uint8_t header[26]; /* the fixed part of a local file header after its signature */
	uint32_t skip;      /* name and extra field bytes still to pass */
	uint32_t name_left; /* of which the name's */
	uint8_t name_len;
	char name[ZIP_NAME_MAX];
	struct inflater *entry; /* owned while ZIP_ENTRY */
};

/* The next @len bytes of the stream; false when the sink asked to stop. */
bool zip_feed(struct zip_state *zs, const uint8_t *data, size_t len, const struct zip_sink *sink);
/* Back to searching, the inflater freed (a message ended, a flow did). */
void zip_release(struct zip_state *zs);

#endif
