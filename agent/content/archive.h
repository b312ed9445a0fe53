/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PHIGUARD_CONTENT_ARCHIVE_H
#define PHIGUARD_CONTENT_ARCHIVE_H

/*
 * Compressed files found in a byte stream wherever they start: the entries
 * of a zip (a .docx or .xlsx is a zip of XML) and gzip files (a .csv.gz
 * export), uploaded as they are, inside a multipart form, or attached to a
 * mail once its base64 is decoded. Each deflated zip entry and each gzip
 * member is inflated (within the bounds of inflate.h) and its text handed
 * on; stored zip entries are already plain in the stream. One level deep:
 * what an entry holds is not searched again, so a zip inside a zip stays
 * as it is.
 *
 * The stream is searched for zip local file headers ("PK\3\4", APPNOTE
 * 4.3.7) rather than read from the central directory at the end, which
 * comes after the bytes have gone, and for gzip member headers (1f 8b 08,
 * RFC 1952 2.3) whose flags are valid.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "content/inflate.h"

enum archive_phase {
	ARCHIVE_SEARCH = 0,  /* looking for a zip or gzip header */
	ARCHIVE_ZIP_HEADER,  /* a zip local file header's fixed part, after the signature */
	ARCHIVE_ZIP_NAME,    /* its file name and extra field: the name kept, the rest skipped */
	ARCHIVE_GZIP_HEADER, /* a gzip member's fixed header, after its three first bytes */
	ARCHIVE_GZIP_FIELDS, /* its optional fields (extra, name, comment, header CRC) */
	ARCHIVE_ENTRY,       /* deflated data, inflated */
};

#define ARCHIVE_NAME_MAX 96

enum archive_kind {
	ARCHIVE_KIND_ZIP,  /* a zip entry */
	ARCHIVE_KIND_GZIP, /* a gzip member */
};

/* An entry begins: its name (cut to ARCHIVE_NAME_MAX - 1 bytes), "" when it has none. */
typedef void archive_begin_fn(const char *name, enum archive_kind kind, void *ctx);
/* An entry stopped before its end: corrupt, past the bounds, or its stream cut (released). */
typedef void archive_cut_fn(enum inflate_status why, void *ctx);

/* Where to take inflaters from and whom to tell. */
struct archive_sink {
	uint32_t *live;          /* inflaters held by the owner */
	uint32_t live_max;       /* ... at most */
	uint64_t *zip_entries;   /* zip entries inflated, counted (may be NULL) */
	uint64_t *gzip_files;    /* gzip files (members) inflated, counted (may be NULL) */
	archive_begin_fn *begin; /* may be NULL */
	inflate_out_fn *out;     /* an entry's text */
	archive_cut_fn *cut;     /* may be NULL */
	uint64_t max;            /* an entry's text at most (0: INFLATE_MAX) */
	void *ctx;
};

/* All zero: searching. Held by value (a flow's state); archive_release frees. */
struct archive_state {
	uint8_t phase; /* enum archive_phase */
	uint8_t tail_len;
	uint8_t header_len;
	uint8_t gzip_flags; /* the optional fields still to pass (RFC 1952 FLG bits) */
	uint8_t kind;       /* enum archive_kind of the entry being read (ARCHIVE_ENTRY) */
	uint8_t tail[3];    /* the last bytes searched: a header split across pieces */
	uint8_t header[26]; /* a header's fixed part after its signature */
	uint32_t skip;      /* bytes still to pass (zip name and extra, gzip extra) */
	uint32_t name_left; /* of which the zip name's */
	uint8_t name_len;
	char name[ARCHIVE_NAME_MAX];
	struct inflater *entry; /* owned while ARCHIVE_ENTRY */
};

/* The next @len bytes of the stream; false when the sink asked to stop. */
bool archive_feed(struct archive_state *as, const uint8_t *data, size_t len,
                  const struct archive_sink *sink);
/*
 * Back to searching, the inflater freed (a message ended, a flow did);
 * @sink (may be NULL) hears of an entry cut short.
 */
void archive_release(struct archive_state *as, const struct archive_sink *sink);

#endif
